package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// runEventsEnv is an API with run events on real PostgreSQL and kfake.
type runEventsEnv struct {
	srv   *testServer
	http  *httptest.Server
	store *store.Store
	serde *serde.Serde
	kafka *testenv.Kafka
	prod  *kgo.Client
}

func newRunEventsEnv(t *testing.T, cfg RunEventsConfig) *runEventsEnv {
	t.Helper()
	st := storetest.Migrated(t, store.Config{})
	kafka := testenv.NewKafka(t)
	sd := kafka.Serde(t)
	cfg.Brokers = kafka.Brokers
	events, err := NewRunEvents(cfg, RunEventsDeps{Store: st, Serde: sd, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(events.Close)
	s := newTestServer(t, Config{RateLimit: RateLimitConfig{Disabled: true}}, Deps{RunEvents: events})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	prod := kafka.Client(t, kgo.TransactionalID("test-worker-"+t.Name()))
	return &runEventsEnv{srv: s, http: hs, store: st, serde: sd, kafka: kafka, prod: prod}
}

// seedRun inserts a scenario and a run in state for tenant.
func (e *runEventsEnv) seedRun(t *testing.T, tenant string, state schemas.RunState) (scenarioID, runID string) {
	t.Helper()
	ctx := context.Background()
	err := e.store.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO scenario (tenant_id, name) VALUES ($1, 'base') RETURNING id::text`,
			tenant).Scan(&scenarioID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds, state)
			VALUES ($1, $2, '2026-01-02', gen_random_uuid()::text, 60, $3) RETURNING id::text`,
			tenant, scenarioID, string(state)).Scan(&runID)
	})
	if err != nil {
		t.Fatalf("seed run: %v", err)
	}
	return scenarioID, runID
}

// testRunEvent is a RunEvent of the run with a recognisable event id.
func testRunEvent(tenant, scenarioID, runID string, state schemas.RunState) schemas.RunEvent {
	ev := schemas.RunEvent{
		EventID: fmt.Sprintf("%s-%s", runID[:8], state), RunID: runID, ScenarioID: scenarioID,
		TenantID: tenant, State: state, Attempt: 1, OccurredTS: time.Now().UTC().Truncate(time.Microsecond),
	}
	switch state {
	case schemas.RunRunning:
		p := 50.0
		ev.ProgressPercent = &p
	case schemas.RunSucceeded:
		n := int64(240)
		ev.OutputCount = &n
	case schemas.RunFailed:
		msg := "engine exploded"
		ev.Error = &msg
	}
	return ev
}

func (e *runEventsEnv) record(t *testing.T, ev schemas.RunEvent) *kgo.Record {
	t.Helper()
	b, err := e.serde.Encode(topology.TopicScenarioRun, ev)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: topology.TopicScenarioRun, Key: []byte(ev.RunID), Value: b}
}

// publish produces events the way the relay and the worker do; commit false
// aborts the transaction instead.
func (e *runEventsEnv) publish(t *testing.T, commit bool, evs ...schemas.RunEvent) {
	t.Helper()
	ctx := context.Background()
	if err := e.prod.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := e.prod.ProduceSync(ctx, e.record(t, ev)).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.prod.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		t.Fatal(err)
	}
}

// sseFrame is one parsed server-sent event (or comment).
type sseFrame struct {
	id, event, data, comment string
}

// sseResponse is the start of a response to a subscription; body is read
// only when the status is not 200.
type sseResponse struct {
	status int
	header http.Header
	body   []byte
}

// subscribe opens the stream of runID as tenant; the returned channel yields
// frames until the server closes the stream.
func (e *runEventsEnv) subscribe(t *testing.T, tenant, runID string, header map[string]string) (sseResponse, <-chan sseFrame) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.http.URL+"/v1/runs/"+runID+"/events", nil)
	req.Header.Set(HeaderTenant, tenant)
	req.Header.Set(HeaderUser, "ana")
	req.Header.Set(HeaderRoles, "viewer")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	frames := make(chan sseFrame, 64)
	started := make(chan sseResponse, 1)
	go func() {
		defer close(frames)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			started <- sseResponse{body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		r := sseResponse{status: resp.StatusCode, header: resp.Header}
		if resp.StatusCode != http.StatusOK {
			r.body, _ = io.ReadAll(resp.Body)
		}
		started <- r
		sc := bufio.NewScanner(resp.Body)
		var f sseFrame
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				frames <- f
				f = sseFrame{}
			case strings.HasPrefix(line, ":"):
				f.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				f.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				f.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				f.data = line[6:]
			}
		}
	}()
	r := <-started
	if r.status == 0 {
		t.Fatalf("GET events: %s", r.body)
	}
	return r, frames
}

// nextEvent returns the next event frame, skipping comments; ok is false when
// the stream ended.
func nextEvent(t *testing.T, frames <-chan sseFrame) (sseFrame, bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-frames:
			if !ok {
				return f, false
			}
			if f.comment == "" {
				return f, true
			}
		case <-timeout:
			t.Fatal("no event within 20s")
		}
	}
}

// expectEvents reads event frames and checks their states and data, then
// that the stream closes.
func expectEvents(t *testing.T, frames <-chan sseFrame, want ...schemas.RunEvent) {
	t.Helper()
	for _, w := range want {
		f, ok := nextEvent(t, frames)
		if !ok {
			t.Fatalf("stream closed, want %s", w.State)
		}
		if f.id != w.EventID || f.event != string(w.State) {
			t.Fatalf("event id %q event %q, want %q %q", f.id, f.event, w.EventID, w.State)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(f.data), &got); err != nil {
			t.Fatalf("data %q: %v", f.data, err)
		}
		wantData := map[string]any{
			"event_id": w.EventID, "run_id": w.RunID, "scenario_id": w.ScenarioID, "state": string(w.State),
			"attempt": 1.0, "progress_percent": nil, "output_count": nil, "error": nil,
			"occurred_ts": w.OccurredTS.Format(time.RFC3339Nano),
		}
		if w.ProgressPercent != nil {
			wantData["progress_percent"] = *w.ProgressPercent
		}
		if w.OutputCount != nil {
			wantData["output_count"] = float64(*w.OutputCount)
		}
		if w.Error != nil {
			wantData["error"] = *w.Error
		}
		if fmt.Sprint(got) != fmt.Sprint(wantData) {
			t.Errorf("data\n got %v\nwant %v", got, wantData)
		}
	}
	if f, ok := nextEvent(t, frames); ok {
		t.Fatalf("stream goes on after the terminal event: %+v", f)
	}
}

func TestRunEventsReplayFinishedRun(t *testing.T) {
	t.Parallel()
	e := newRunEventsEnv(t, RunEventsConfig{})
	scenarioID, runID := e.seedRun(t, "acme", schemas.RunSucceeded)
	otherScenario, otherRun := e.seedRun(t, "acme", schemas.RunRunning)
	queued := testRunEvent("acme", scenarioID, runID, schemas.RunQueued)
	running := testRunEvent("acme", scenarioID, runID, schemas.RunRunning)
	done := testRunEvent("acme", scenarioID, runID, schemas.RunSucceeded)
	// The relay may publish QUEUED twice (at least once); other runs
	// share the topic.
	e.publish(t, true, queued, testRunEvent("acme", otherScenario, otherRun, schemas.RunQueued), queued)
	e.publish(t, true, running, done, testRunEvent("acme", otherScenario, otherRun, schemas.RunRunning))

	resp, frames := e.subscribe(t, "acme", runID, nil)
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET events = %d %s", resp.status, resp.header.Get("Content-Type"))
	}
	expectEvents(t, frames, queued, running, done)

	t.Run("Last-Event-ID resumes after it", func(t *testing.T) {
		_, frames := e.subscribe(t, "acme", runID, map[string]string{"Last-Event-ID": running.EventID})
		expectEvents(t, frames, done)
	})
}

func TestRunEventsLiveRun(t *testing.T) {
	t.Parallel()
	e := newRunEventsEnv(t, RunEventsConfig{Heartbeat: 200 * time.Millisecond})
	scenarioID, runID := e.seedRun(t, "acme", schemas.RunQueued)
	queued := testRunEvent("acme", scenarioID, runID, schemas.RunQueued)
	e.publish(t, true, queued)

	_, frames := e.subscribe(t, "acme", runID, nil)
	f, ok := nextEvent(t, frames)
	if !ok || f.id != queued.EventID {
		t.Fatalf("first event %+v, want QUEUED", f)
	}
	// Quiet: heartbeats keep the stream alive.
	select {
	case f := <-frames:
		if f.comment != "heartbeat" {
			t.Fatalf("got %+v, want a heartbeat", f)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no heartbeat")
	}
	running := testRunEvent("acme", scenarioID, runID, schemas.RunRunning)
	e.publish(t, true, running)
	if f, ok := nextEvent(t, frames); !ok || f.id != running.EventID {
		t.Fatalf("got %+v, want RUNNING", f)
	}
	// The worker's terminal event and outputs are one transaction; an
	// aborted attempt is never shown.
	e.publish(t, false, testRunEvent("acme", scenarioID, runID, schemas.RunFailed))
	done := testRunEvent("acme", scenarioID, runID, schemas.RunSucceeded)
	e.publish(t, true, done)
	expectEvents(t, frames, done)
}

func TestRunEventsHidesAbortedEvents(t *testing.T) {
	t.Parallel()
	e := newRunEventsEnv(t, RunEventsConfig{})
	scenarioID, runID := e.seedRun(t, "acme", schemas.RunFailed)
	queued := testRunEvent("acme", scenarioID, runID, schemas.RunQueued)
	aborted := testRunEvent("acme", scenarioID, runID, schemas.RunSucceeded)
	failed := testRunEvent("acme", scenarioID, runID, schemas.RunFailed)
	e.publish(t, true, queued)
	e.publish(t, false, aborted)
	e.publish(t, true, failed)
	_, frames := e.subscribe(t, "acme", runID, nil)
	expectEvents(t, frames, queued, failed)
}

func TestRunEventsNotFound(t *testing.T) {
	t.Parallel()
	e := newRunEventsEnv(t, RunEventsConfig{})
	scenarioID, runID := e.seedRun(t, "acme", schemas.RunSucceeded)
	e.publish(t, true, testRunEvent("acme", scenarioID, runID, schemas.RunSucceeded))
	for _, tc := range []struct {
		name, tenant, id string
		status           int
	}{
		{"another tenant's run", "globex", runID, http.StatusNotFound},
		{"unknown run", "acme", "00000000-0000-4000-8000-000000000000", http.StatusNotFound},
		// As on every route with a run id: the id is wrong, not missing.
		{"malformed id", "acme", "not-a-uuid", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := e.subscribe(t, tc.tenant, tc.id, nil)
			if resp.status != tc.status || resp.header.Get("Content-Type") != MIMEProblemJSON {
				t.Fatalf("status %d %s, want %d problem: %s", resp.status, resp.header.Get("Content-Type"), tc.status, resp.body)
			}
		})
	}
}

func TestRunEventsEndOnShutdown(t *testing.T) {
	t.Parallel()
	e := newRunEventsEnv(t, RunEventsConfig{})
	_, runID := e.seedRun(t, "acme", schemas.RunQueued)
	_, frames := e.subscribe(t, "acme", runID, nil)
	if f := <-frames; f.comment == "" {
		t.Fatalf("first frame %+v, want the opening comment", f)
	}
	e.srv.Close() // graceful shutdown begins
	if _, ok := nextEvent(t, frames); ok {
		t.Fatal("stream goes on after shutdown began")
	}
}

func TestRunEventsUnavailableWithoutKafka(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	rec := s.do(t, http.MethodGet, "/v1/runs/00000000-0000-4000-8000-000000000000/events",
		map[string]string{HeaderTenant: "acme", HeaderUser: "ana", HeaderRoles: "viewer"})
	problemOf(t, rec, http.StatusServiceUnavailable)
}

func TestRunEventsMaxStreams(t *testing.T) {
	t.Parallel()
	e := newRunEventsEnv(t, RunEventsConfig{MaxStreams: 1})
	_, runID := e.seedRun(t, "acme", schemas.RunQueued)
	_, frames := e.subscribe(t, "acme", runID, nil)
	if f := <-frames; f.comment == "" {
		t.Fatalf("first frame %+v, want the opening comment", f)
	}
	resp, _ := e.subscribe(t, "acme", runID, nil)
	if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" {
		t.Fatalf("second stream: %d Retry-After %q, want 503 with Retry-After: %s",
			resp.status, resp.header.Get("Retry-After"), resp.body)
	}
}
