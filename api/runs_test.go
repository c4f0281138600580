package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// outboxRecord is an outbox row as the relay reads it.
type outboxRecord struct {
	Tenant  string
	Topic   string
	Key     string
	Value   []byte
	Headers map[string]string
}

// outbox returns the outbox rows keyed by runID, oldest first (the
// superuser's pool sees every tenant's).
func (s *scenarioServer) outbox(t testing.TB, runID string) []outboxRecord {
	t.Helper()
	rows, err := s.store.Pool().Query(context.Background(),
		`SELECT tenant_id, topic, key, value, headers::text FROM outbox WHERE key = $1 ORDER BY id`, []byte(runID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRecord
	for rows.Next() {
		var r outboxRecord
		var key []byte
		var headers string
		if err := rows.Scan(&r.Tenant, &r.Topic, &key, &r.Value, &headers); err != nil {
			t.Fatal(err)
		}
		r.Key = string(key)
		if err := json.Unmarshal([]byte(headers), &r.Headers); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// count returns the result of a counting query run as superuser.
func (s *scenarioServer) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.store.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// exec runs a statement as superuser (to move a run as a worker would).
func (s *scenarioServer) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := s.store.Pool().Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// postRun posts a run of scenario id as who and returns the run, failing
// unless the status is want.
func (s *scenarioServer) postRun(t testing.TB, who caller, id, body string, want int, header ...string) map[string]any {
	t.Helper()
	return data(t, s.call(t, who, http.MethodPost, "/v1/scenarios/"+id+"/runs", body, header...), want)
}

func (s *scenarioServer) decodeRecord(t testing.TB, r outboxRecord, v any) {
	t.Helper()
	if err := s.serde.Decode(context.Background(), r.Topic, r.Value, v); err != nil {
		t.Fatalf("decode %s record: %v", r.Topic, err)
	}
}

func mustDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCreateRun(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "retirements")
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

	rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", `{"priority": "high", "seed": 7}`,
		HeaderRequestID, "req-run-1", "traceparent", traceparent)
	run := data(t, rec, http.StatusAccepted)
	runID, _ := run["id"].(string)
	if rec.Header().Get("Location") != "/v1/runs/"+runID || !uuidPattern.MatchString(runID) {
		t.Fatalf("Location %q, id %q", rec.Header().Get("Location"), runID)
	}

	// The input hash is the scenario model's, over the stored definition
	// and the latest curve date (the fixture's asofB).
	var drivers []scenario.Driver
	sc := data(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios/"+id, ""), http.StatusOK)
	b, _ := json.Marshal(sc["drivers"])
	if err := json.Unmarshal(b, &drivers); err != nil {
		t.Fatal(err)
	}
	hash := scenario.InputHash("acme", id, 1, drivers, map[string]string{"heat_rate": "7.2"}, mustDate(t, asofB), 7)
	want := map[string]any{
		"scenario_id": id, "state": "QUEUED", "asof_date": asofB, "input_hash": hash, "priority": "HIGH",
		"attempt": 0.0, "started_at": nil, "completed_at": nil, "error": nil, "output_count": nil,
	}
	for k, v := range want {
		if run[k] != v {
			t.Errorf("%s = %v, want %v", k, run[k], v)
		}
	}
	if len(run) != 12 {
		t.Errorf("run has %d members, want 12: %v", len(run), run)
	}
	queuedAt, err := time.Parse(time.RFC3339Nano, run["queued_at"].(string))
	if err != nil {
		t.Fatalf("queued_at: %v", err)
	}

	// The same inputs give the same run, whatever priority, timeout and
	// retries say.
	for _, body := range []string{`{"priority": "high", "seed": 7}`, `{"seed": 7, "priority": "LOW", "timeout_seconds": 60, "asof_date": "` + asofB + `"}`} {
		again := s.postRun(t, acmeAnalyst, id, body, http.StatusOK)
		if again["id"] != runID || again["priority"] != "HIGH" {
			t.Errorf("re-post %s: run %v priority %v, want %s HIGH", body, again["id"], again["priority"], runID)
		}
	}
	// Other inputs give other runs.
	other := s.postRun(t, acmeAnalyst, id, `{"seed": 8}`, http.StatusAccepted)
	older := s.postRun(t, acmeAnalyst, id, `{"seed": 7, "asof_date": "`+asofA+`"}`, http.StatusAccepted)
	if other["id"] == runID || older["id"] == runID || older["asof_date"] != asofA || other["priority"] != "NORMAL" {
		t.Errorf("other runs: %v, %v", other, older)
	}
	if n := s.count(t, `SELECT count(*) FROM scenario_run`); n != 3 {
		t.Errorf("%d runs, want 3", n)
	}

	// The run and its two records committed together.
	recs := s.outbox(t, runID)
	if len(recs) != 2 || recs[0].Topic != topology.TopicScenarioRequest || recs[1].Topic != topology.TopicScenarioRun {
		t.Fatalf("outbox of the run: %+v", recs)
	}
	wantHeaders := map[string]string{"x-request-id": "req-run-1", "traceparent": traceparent, "aurum.tenant": "acme"}
	for _, r := range recs {
		if r.Tenant != "acme" || r.Key != runID || fmt.Sprint(r.Headers) != fmt.Sprint(wantHeaders) {
			t.Errorf("outbox row %s: tenant %s key %s headers %v", r.Topic, r.Tenant, r.Key, r.Headers)
		}
	}
	var req schemas.ScenarioRequest
	s.decodeRecord(t, recs[0], &req)
	if req.RunID != runID || req.ScenarioID != id || req.TenantID != "acme" || req.RequestedBy != "analyst@acme" ||
		!req.AsofDate.Equal(mustDate(t, asofB)) || req.InputHash != hash || req.Priority != schemas.PriorityHigh ||
		req.TimeoutSeconds != DefaultRunTimeoutSeconds || req.MaxRetries != DefaultRunMaxRetries || req.Seed != 7 ||
		!req.SubmittedTS.Equal(queuedAt) || req.Parameters["heat_rate"] != "7.2" || len(req.Parameters) != 1 {
		t.Errorf("ScenarioRequest = %+v", req)
	}
	var types []string
	for _, d := range req.Drivers {
		types = append(types, d.DriverType)
	}
	if strings.Join(types, " ") != "fuel_price carbon_policy fleet_change" ||
		req.Drivers[0].PayloadJSON != `{"delta":1,"fuel":"natural_gas"}` {
		t.Errorf("drivers = %+v", req.Drivers)
	}
	var ev schemas.RunEvent
	s.decodeRecord(t, recs[1], &ev)
	if ev.RunID != runID || ev.ScenarioID != id || ev.TenantID != "acme" || ev.State != schemas.RunQueued ||
		ev.Attempt != 0 || !uuidPattern.MatchString(ev.EventID) || !ev.OccurredTS.Equal(queuedAt) {
		t.Errorf("RunEvent = %+v", ev)
	}
	if n := s.count(t, `SELECT count(*) FROM outbox`); n != 6 {
		t.Errorf("%d outbox rows, want 2 per run (6)", n)
	}
	// Without a traceparent (or with a bogus one) none is propagated.
	bogus := s.postRun(t, acmeAnalyst, id, `{"seed": 9}`, http.StatusAccepted, "traceparent", "junk")
	if h := s.outbox(t, bogus["id"].(string))[0].Headers; h["traceparent"] != "" || h["x-request-id"] == "" {
		t.Errorf("headers without a valid traceparent: %v", h)
	}
}

func TestCreateRunInvalid(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "x")
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"unknown member", `{"colour": 1}`, 400, "colour"},
		{"bad priority", `{"priority": "urgent"}`, 400, "priority"},
		{"zero timeout", `{"timeout_seconds": 0}`, 400, "timeout_seconds"},
		{"fractional retries", `{"max_retries": 1.5}`, 400, "max_retries"},
		{"fractional timeout", `{"timeout_seconds": 1.5}`, 400, "timeout_seconds"},
		{"too many retries", `{"max_retries": 11}`, 400, "max_retries"},
		{"seed as text", `{"seed": "7"}`, 400, "seed"},
		{"bad date", `{"asof_date": "2026-13-01"}`, 400, "asof_date"},
		{"no curves that day", `{"asof_date": "2020-01-01"}`, 422, "asof_date"},
		{"not JSON", `{`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", tc.body)
			if got := invalidParam(problemOf(t, rec, tc.status)); got != tc.field {
				t.Errorf("invalid param %q, want %q: %s", got, tc.field, rec.Body)
			}
		})
	}
	t.Run("reasons say what a member must be", func(t *testing.T) {
		t.Parallel()
		for body, want := range map[string]string{
			`{"timeout_seconds": 1.5}`:                           "must be an integer number of seconds, not 1.5",
			`{"timeout_seconds": "9"}`:                           "must be an integer number of seconds, not a string",
			`{"max_retries": 1e12}`:                              "must be an integer, and 1e12 is out of range",
			`{"seed": [1]}`:                                      "must be an integer, not an array",
			`{"priority": 1}`:                                    "must be a string, not a number",
			`{"asof_date": "` + strings.Repeat("9", 5000) + `"}`: "must be a date YYYY-MM-DD, not \"" + strings.Repeat("9", maxEchoLen) + "…\"",
		} {
			rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", body)
			p := problemOf(t, rec, http.StatusBadRequest)
			if got := p["invalid_params"].([]any)[0].(map[string]any)["reason"]; got != want {
				t.Errorf("%s: reason %q, want %q", truncate(body, 60), got, want)
			}
		}
	})
	t.Run("malformed id", func(t *testing.T) {
		t.Parallel()
		rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/123/runs", "")
		if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != "id" {
			t.Errorf("body %s", rec.Body)
		}
	})
	t.Run("unknown scenario", func(t *testing.T) {
		t.Parallel()
		problemOf(t, s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+newUUID()+"/runs", ""), http.StatusNotFound)
	})
	t.Cleanup(func() {
		if n := s.count(t, `SELECT count(*) FROM scenario_run`) + s.count(t, `SELECT count(*) FROM outbox`); n != 0 {
			t.Errorf("rejected requests left %d rows", n)
		}
	})
}

func TestCreateRunWithoutCurves(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "x")
	s.exec(t, `DELETE FROM curve_observation`)
	p := problemOf(t, s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", ""), http.StatusUnprocessableEntity)
	if p["type"] != problemTypeBase+"no-curves" {
		t.Errorf("problem %v", p)
	}
}

func TestCreateRunConcurrent(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "x")
	const n = 50
	var wg sync.WaitGroup
	statuses := make([]int, n)
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", `{"seed": 42}`)
			statuses[i] = rec.Code
			var env struct{ Data runJSON }
			_ = json.Unmarshal(rec.Body.Bytes(), &env)
			ids[i] = env.Data.ID
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		switch statuses[i] {
		case http.StatusAccepted:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("request %d: status %d", i, statuses[i])
		}
		if ids[i] != ids[0] || ids[i] == "" {
			t.Errorf("request %d got run %q, request 0 %q", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("%d requests answered 202, want 1", created)
	}
	if runs := s.count(t, `SELECT count(*) FROM scenario_run`); runs != 1 {
		t.Errorf("%d runs, want 1", runs)
	}
	if recs := s.count(t, `SELECT count(*) FROM outbox`); recs != 2 {
		t.Errorf("%d outbox rows, want 2", recs)
	}
}

// runJSON is the part of a run resource tests compare.
type runJSON struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

func TestRunIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "one")
	id2 := s.createScenario(t, acmeEditor, "two")
	const key = "Idempotency-Key"

	first := s.postRun(t, acmeAnalyst, id, `{"seed": 1}`, http.StatusAccepted, key, "k-1")
	var stored string
	if err := s.store.Pool().QueryRow(context.Background(), `SELECT idempotency_key FROM scenario_run WHERE id = $1`,
		first["id"]).Scan(&stored); err != nil || stored != "k-1" {
		t.Fatalf("stored key %q, %v", stored, err)
	}
	// A retry with the body, however spelt, gets the key's run.
	for _, body := range []string{`{"seed": 1}`, `{ "priority": "normal", "seed": 1 }`} {
		if again := s.postRun(t, acmeAnalyst, id, body, http.StatusOK, key, "k-1"); again["id"] != first["id"] {
			t.Errorf("body %s: run %v, want %v", body, again["id"], first["id"])
		}
	}
	// The key with another body is refused, as the Idempotency-Key draft
	// has it, and creates nothing.
	for _, body := range []string{`{"seed": 2}`, `{"seed": 1, "priority": "HIGH"}`, ``} {
		p := problemOf(t, s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", body, key, "k-1"),
			http.StatusUnprocessableEntity)
		if p["type"] != problemTypeBase+"idempotency-key-reused" || invalidParam(p) != key {
			t.Errorf("body %s: problem %v", body, p)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM scenario_run`); n != 1 {
		t.Errorf("%d runs after refused reuses of the key, want 1", n)
	}
	// Another scenario with the key is refused.
	p := problemOf(t, s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id2+"/runs", `{"seed": 1}`, key, "k-1"),
		http.StatusUnprocessableEntity)
	if p["type"] != problemTypeBase+"idempotency-key-reused" || invalidParam(p) != key {
		t.Errorf("problem %v", p)
	}
	// A new key with the same inputs gets the existing run.
	if again := s.postRun(t, acmeAnalyst, id, `{"seed": 1}`, http.StatusOK, key, "k-2"); again["id"] != first["id"] {
		t.Errorf("new key, same inputs: run %v, want %v", again["id"], first["id"])
	}
	// Keys are per tenant.
	theirs := s.createScenario(t, otherEditor, "theirs")
	s.postRun(t, otherEditor, theirs, `{"seed": 1}`, http.StatusAccepted, key, "k-1")
	// A bad key is a 400.
	rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", "", key, "has space")
	if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != key {
		t.Errorf("bad key: %s", rec.Body)
	}

	// Concurrent requests with one key: with the same body, one run, and
	// every request gets it (the losers of the race on the key's unique
	// index included); with different bodies, one run, and every other
	// request is refused.
	const n = 20
	for _, sameBody := range []bool{true, false} {
		k := fmt.Sprintf("k-race-%t", sameBody)
		var wg sync.WaitGroup
		ids := make([]string, n)
		statuses := make([]int, n)
		for i := range n {
			wg.Go(func() {
				seed := 100
				if !sameBody {
					seed = 200 + i
				}
				rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/scenarios/"+id+"/runs", fmt.Sprintf(`{"seed": %d}`, seed), key, k)
				statuses[i] = rec.Code
				var env struct{ Data runJSON }
				_ = json.Unmarshal(rec.Body.Bytes(), &env)
				ids[i] = env.Data.ID
			})
		}
		wg.Wait()
		created, refused := "", 0
		for i := range n {
			switch statuses[i] {
			case http.StatusAccepted:
				if created != "" {
					t.Fatalf("%s: two runs created", k)
				}
				created = ids[i]
			case http.StatusOK:
				if !sameBody {
					t.Errorf("%s: request %d answered 200 with another body", k, i)
				}
			case http.StatusUnprocessableEntity:
				refused++
			default:
				t.Fatalf("%s: request %d: status %d", k, i, statuses[i])
			}
		}
		for i := range n {
			if statuses[i] == http.StatusOK && ids[i] != created {
				t.Errorf("%s: request %d got run %s, the key's is %s", k, i, ids[i], created)
			}
		}
		if want := map[bool]int{true: 0, false: n - 1}[sameBody]; created == "" || refused != want {
			t.Errorf("%s: created %q, %d refused, want one run and %d refused", k, created, refused, want)
		}
		if recs := s.count(t, `SELECT count(*) FROM outbox WHERE key = $1`, []byte(created)); recs != 2 {
			t.Errorf("%s: %d outbox rows for the key's run, want 2", k, recs)
		}
	}
}

func TestCancelRun(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "x")
	cancel := func(runID string, want int) map[string]any {
		t.Helper()
		return data(t, s.call(t, acmeAnalyst, http.MethodPost, "/v1/runs/"+runID+"/cancel", ""), want)
	}

	t.Run("queued", func(t *testing.T) {
		run := s.postRun(t, acmeAnalyst, id, `{"seed": 1}`, http.StatusAccepted)
		runID := run["id"].(string)
		got := cancel(runID, http.StatusOK)
		if got["state"] != "CANCELLED" || got["completed_at"] == nil || got["id"] != runID {
			t.Fatalf("cancelled run %v", got)
		}
		var published, requested bool
		if err := s.store.Pool().QueryRow(context.Background(), `SELECT terminal_published_at IS NOT NULL,
			cancel_requested_at IS NOT NULL FROM scenario_run WHERE id = $1`, runID).Scan(&published, &requested); err != nil ||
			!published || !requested {
			t.Errorf("terminal_published_at set %v, cancel_requested_at set %v (%v)", published, requested, err)
		}
		recs := s.outbox(t, runID)
		if len(recs) != 3 || recs[2].Topic != topology.TopicScenarioRun {
			t.Fatalf("outbox: %+v", recs)
		}
		var queued, cancelled schemas.RunEvent
		s.decodeRecord(t, recs[1], &queued)
		s.decodeRecord(t, recs[2], &cancelled)
		completed, _ := time.Parse(time.RFC3339Nano, got["completed_at"].(string))
		if cancelled.State != schemas.RunCancelled || cancelled.RunID != runID || cancelled.ScenarioID != id ||
			cancelled.TenantID != "acme" || cancelled.EventID == queued.EventID || !cancelled.OccurredTS.Equal(completed) {
			t.Errorf("CANCELLED event %+v (QUEUED %+v)", cancelled, queued)
		}
		// Again: the same run, no second event.
		if again := cancel(runID, http.StatusOK); fmt.Sprint(again) != fmt.Sprint(got) {
			t.Errorf("second cancel %v, first %v", again, got)
		}
		if n := len(s.outbox(t, runID)); n != 3 {
			t.Errorf("%d outbox rows after a second cancel, want 3", n)
		}
	})

	t.Run("queued, concurrently", func(t *testing.T) {
		runID := s.postRun(t, acmeAnalyst, id, `{"seed": 2}`, http.StatusAccepted)["id"].(string)
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/runs/"+runID+"/cancel", ""); rec.Code != http.StatusOK {
					t.Errorf("cancel = %d %s", rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
		if n := len(s.outbox(t, runID)); n != 3 {
			t.Errorf("%d outbox rows after concurrent cancels, want 3", n)
		}
	})

	t.Run("running", func(t *testing.T) {
		runID := s.postRun(t, acmeAnalyst, id, `{"seed": 3}`, http.StatusAccepted)["id"].(string)
		s.exec(t, `UPDATE scenario_run SET state = 'RUNNING', started_at = now(), attempt = 1 WHERE id = $1`, runID)
		got := cancel(runID, http.StatusAccepted)
		if got["state"] != "RUNNING" || got["attempt"] != 1.0 || got["completed_at"] != nil {
			t.Errorf("run %v", got)
		}
		var first time.Time
		if err := s.store.Pool().QueryRow(context.Background(), `SELECT cancel_requested_at FROM scenario_run WHERE id = $1`,
			runID).Scan(&first); err != nil {
			t.Fatalf("cancel_requested_at: %v", err)
		}
		cancel(runID, http.StatusAccepted)
		var second time.Time
		_ = s.store.Pool().QueryRow(context.Background(), `SELECT cancel_requested_at FROM scenario_run WHERE id = $1`, runID).Scan(&second)
		if !second.Equal(first) {
			t.Errorf("cancel_requested_at moved from %v to %v", first, second)
		}
		if n := len(s.outbox(t, runID)); n != 2 {
			t.Errorf("%d outbox rows, want 2: the worker announces the end", n)
		}
	})

	t.Run("finished", func(t *testing.T) {
		runID := s.postRun(t, acmeAnalyst, id, `{"seed": 4}`, http.StatusAccepted)["id"].(string)
		s.exec(t, `UPDATE scenario_run SET state = 'SUCCEEDED', started_at = now(), completed_at = now(), attempt = 1,
			output_count = 12 WHERE id = $1`, runID)
		before := data(t, s.call(t, acmeViewer, http.MethodGet, "/v1/runs/"+runID, ""), http.StatusOK)
		if got := cancel(runID, http.StatusOK); fmt.Sprint(got) != fmt.Sprint(before) || got["output_count"] != 12.0 {
			t.Errorf("cancelled finished run %v, before %v", got, before)
		}
		if s.count(t, `SELECT count(*) FROM scenario_run WHERE id = $1 AND cancel_requested_at IS NULL`, runID) != 1 ||
			len(s.outbox(t, runID)) != 2 {
			t.Error("cancelling a finished run changed it")
		}
	})

	t.Run("unknown", func(t *testing.T) {
		problemOf(t, s.call(t, acmeAnalyst, http.MethodPost, "/v1/runs/"+newUUID()+"/cancel", ""), http.StatusNotFound)
		rec := s.call(t, acmeAnalyst, http.MethodPost, "/v1/runs/nope/cancel", "")
		if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != "run_id" {
			t.Errorf("body %s", rec.Body)
		}
	})
}

func TestListScenarioRuns(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "x")
	var ids []string
	for i := range 5 {
		ids = append(ids, s.postRun(t, acmeAnalyst, id, fmt.Sprintf(`{"seed": %d}`, i), http.StatusAccepted)["id"].(string))
	}
	s.exec(t, `UPDATE scenario_run SET state = 'SUCCEEDED', completed_at = now() WHERE id = ANY($1::uuid[])`, []string{ids[1], ids[3]})
	// Another scenario's runs are not listed.
	s.postRun(t, acmeAnalyst, s.createScenario(t, acmeEditor, "y"), ``, http.StatusAccepted)

	path := "/v1/scenarios/" + id + "/runs"
	rows := s.listAllAs(t, acmeViewer, path, 2)
	var got []string
	for _, r := range rows {
		got = append(got, r["id"].(string))
	}
	if want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("runs %v, want newest first %v", got, want)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"state=succeeded", []string{ids[3], ids[1]}},
		{"state=QUEUED,RUNNING", []string{ids[4], ids[2], ids[0]}},
		{"state=FAILED", nil},
	} {
		var got []string
		for _, r := range s.listAllAs(t, acmeViewer, path+"?"+tc.query, 1) {
			got = append(got, r["id"].(string))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	for query, field := range map[string]string{"state=DONE": "state", "colour=red": "colour", "limit=0": "limit"} {
		rec := s.call(t, acmeViewer, http.MethodGet, path+"?"+query, "")
		if got := invalidParam(problemOf(t, rec, http.StatusBadRequest)); got != field {
			t.Errorf("%s: invalid param %q, want %q", query, got, field)
		}
	}
	// A cursor is bound to its filters and its scenario.
	p := pageOf(t, s.call(t, acmeViewer, http.MethodGet, path+"?state=QUEUED&limit=1", ""))
	rec := s.call(t, acmeViewer, http.MethodGet, path+"?state=SUCCEEDED&limit=1&cursor="+p.Meta.NextCursor, "")
	if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != "cursor" {
		t.Errorf("cursor with other filters: %s", rec.Body)
	}

	csv := s.call(t, acmeViewer, http.MethodGet, path+"?format=csv&state=SUCCEEDED", "")
	lines := strings.Split(strings.TrimSpace(csv.Body.String()), "\r\n")
	if csv.Code != http.StatusOK || len(lines) != 3 ||
		lines[0] != "id,scenario_id,state,asof_date,input_hash,priority,attempt,queued_at,started_at,completed_at,error,output_count" ||
		!strings.HasPrefix(lines[1], ids[3]+","+id+",SUCCEEDED,"+asofB+",") {
		t.Errorf("csv %d: %q", csv.Code, csv.Body)
	}

	// A deleted scenario keeps its runs.
	if rec := s.call(t, acmeEditor, http.MethodDelete, "/v1/scenarios/"+id, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", rec.Code)
	}
	if rows := s.listAllAs(t, acmeViewer, path, 100); len(rows) != 5 {
		t.Errorf("%d runs of the deleted scenario, want 5", len(rows))
	}
	if got := data(t, s.call(t, acmeViewer, http.MethodGet, "/v1/runs/"+ids[0], ""), http.StatusOK); got["id"] != ids[0] {
		t.Errorf("run of the deleted scenario: %v", got)
	}
	problemOf(t, s.call(t, acmeAnalyst, http.MethodPost, path, ""), http.StatusNotFound)
	problemOf(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios/"+newUUID()+"/runs", ""), http.StatusNotFound)
}
