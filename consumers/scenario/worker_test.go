package scenario_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/runs"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// TestRunSucceeds runs the standard scenario (fuel_price, carbon_policy,
// fleet_change) to SUCCEEDED: an output per base point plus roll-ups, each
// value the base plus its attribution, RUNNING then one SUCCEEDED event on
// the run topic, and the outputs on the output topic.
func TestRunSucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runID := e.createRun(t, runSpec{})
	e.startWorker(t, scenario.Config{})
	e.waitPublished(t, time.Minute, runID)

	r := e.run(t, runID)
	if r.State != "SUCCEEDED" || r.Attempt != 1 || r.OutputCount == nil || r.Error != nil {
		t.Fatalf("run = %+v, want SUCCEEDED, attempt 1, an output count, no error", r)
	}
	rows := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID)
	monthly := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1 AND tenor_type = 'MONTHLY'`, runID)
	strips := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1 AND tenor_type IN ('QUARTER', 'CALENDAR')`, runID)
	if *r.OutputCount != rows || monthly != e.points || strips == 0 {
		t.Errorf("output_count %d, rows %d (monthly %d, strips %d); want rows = output_count, monthly = %d base points, roll-ups",
			*r.OutputCount, rows, monthly, strips, e.points)
	}

	// value − base = Σ deltas, base being the seeded mid of that point; the
	// deltas are of the run's three drivers.
	q, err := e.Store.Pool().Query(materializertest.Context(t), `
		SELECT k.curve_key, o.tenor_label, o.value, c.mid, o.deltas, r.output_drivers
		FROM scenario_output o JOIN scenario_run r ON r.id = o.run_id JOIN curve k ON k.id = o.curve_id
		JOIN curve_observation c ON c.curve_id = k.id AND c.tenor_label = o.tenor_label AND c.asof_date = r.asof_date
		WHERE o.run_id = $1 AND o.tenor_type = 'MONTHLY'`, runID)
	if err != nil {
		t.Fatal(err)
	}
	checked, moved := 0, 0
	for q.Next() {
		var (
			key, label      string
			value, mid, sum float64
			deltas          []float64
			drivers         []string
		)
		if err := q.Scan(&key, &label, &value, &mid, &deltas, &drivers); err != nil {
			t.Fatal(err)
		}
		for _, d := range deltas {
			sum += d
		}
		if len(deltas) != 3 || len(drivers) != 3 || math.Abs(value-mid-sum) > 1e-9*math.Max(1, math.Abs(value)) {
			t.Errorf("%s %s: value %v, base %v, deltas %v of %v: value − base ≠ Σ deltas", key[:8], label, value, mid, deltas, drivers)
		}
		if sum != 0 {
			moved++
		}
		checked++
	}
	if q.Err() != nil || checked != e.points || moved == 0 {
		t.Errorf("checked %d monthly outputs against their base (%d moved), want %d: %v", checked, moved, e.points, q.Err())
	}

	evs := e.events(t)[runID]
	var states []string
	for _, ev := range evs {
		states = append(states, string(ev.State))
	}
	if strings.Join(states, ",") != "QUEUED,RUNNING,SUCCEEDED" {
		t.Errorf("run topic states %v, want QUEUED, RUNNING, SUCCEEDED", states)
	}
	if n, last := terminals(evs); n != 1 || last.OutputCount == nil || int(*last.OutputCount) != rows || last.Attempt != 1 {
		t.Errorf("%d terminal events, last %+v; want one SUCCEEDED with output_count %d", n, last, rows)
	}
	outs := e.outputs(t)[runID]
	if len(outs) != rows {
		t.Errorf("%d outputs on %s, want %d", len(outs), topology.TopicScenarioOutput, rows)
	}
	for state, want := range map[string]float64{"RUNNING": 1, "SUCCEEDED": 1, "FAILED": 0} {
		if got := counter(t, e.metrics.ScenarioRuns.WithLabelValues(state)); got != want {
			t.Errorf("aurum_scenario_runs_total{state=%q} = %v, want %v", state, got, want)
		}
	}
	if got := counter(t, e.metrics.RecordsConsumed.WithLabelValues(topology.GroupScenarioWorker, topology.TopicScenarioRequest)); got != 1 {
		t.Errorf("aurum_records_consumed_total = %v, want 1", got)
	}
	for _, rec := range e.records(t, topology.TopicScenarioRun) {
		if string(rec.Key) == runID && deadletter.Header(rec, runs.HeaderTraceparent) == "" {
			t.Errorf("event at offset %d lacks the request's traceparent", rec.Offset)
		}
	}
}

// TestDuplicateRequest redelivers a finished run's request, also after
// forgetting that its terminal event was published (a crash between the
// Kafka commit and the mark): no second terminal event, no duplicate
// outputs.
func TestDuplicateRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runID := e.createRun(t, runSpec{})
	e.startWorker(t, scenario.Config{})
	e.waitPublished(t, time.Minute, runID)
	rows := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID)

	req := e.request(t, runID)
	e.publishRequest(t, req) // relay redelivery, terminal_published_at set
	e.waitCaughtUp(t, time.Minute)
	if _, err := e.Store.Pool().Exec(materializertest.Context(t), `UPDATE scenario_run SET terminal_published_at = NULL WHERE id = $1`, runID); err != nil {
		t.Fatal(err)
	}
	e.publishRequest(t, req) // ... and one after a crash before the mark
	e.publishRequest(t, req)
	e.waitCaughtUp(t, time.Minute)
	e.waitPublished(t, time.Minute, runID)

	if n, _ := terminals(e.events(t)[runID]); n != 1 {
		t.Errorf("%d terminal events, want 1", n)
	}
	if got := len(e.outputs(t)[runID]); got != rows {
		t.Errorf("%d outputs on the output topic, want %d", got, rows)
	}
	if got := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID); got != rows {
		t.Errorf("%d output rows, want %d", got, rows)
	}
}

// TestRepublishAfterAbort: a run that ended in the database but whose
// transaction never committed (the worker died before End) is published
// when its request comes again, once.
func TestRepublishAfterAbort(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runID := e.createRun(t, runSpec{})
	// Play the dead worker: run it to SUCCEEDED in the database by hand.
	if _, err := e.Store.Pool().Exec(materializertest.Context(t), `UPDATE scenario_run
		SET state = 'FAILED', attempt = 1, started_at = now(), completed_at = now(), error = 'boom' WHERE id = $1`, runID); err != nil {
		t.Fatal(err)
	}
	e.startWorker(t, scenario.Config{})
	e.waitPublished(t, time.Minute, runID)
	n, last := terminals(e.events(t)[runID])
	if n != 1 || last.State != schemas.RunFailed || last.Error == nil || *last.Error != "boom" {
		t.Errorf("%d terminal events, last %+v; want one FAILED with error boom", n, last)
	}
}

// gate blocks a step of chosen runs until released.
type gate struct {
	step    string
	mu      sync.Mutex
	blocked map[string]chan struct{} // run id → closed when released
	reached chan string
}

func newGate(step string) *gate {
	return &gate{step: step, blocked: map[string]chan struct{}{}, reached: make(chan string, 16)}
}

func (g *gate) hook(ctx context.Context, runID, step string) error {
	if step != g.step {
		return nil
	}
	g.mu.Lock()
	ch, ok := g.blocked[runID]
	if !ok {
		ch = make(chan struct{})
		g.blocked[runID] = ch
	}
	g.mu.Unlock()
	g.reached <- runID
	select {
	case <-ch:
	case <-ctx.Done():
	}
	return nil
}

func (g *gate) release(runID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.blocked[runID])
}

// TestCancel cancels a RUNNING run while it waits before a step, the
// compute step or the last one (write), which a cancel still wins: it ends
// CANCELLED with no outputs and one CANCELLED event.
func TestCancel(t *testing.T) {
	t.Parallel()
	for _, step := range []string{scenario.StepCompute, scenario.StepWrite} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			runID := e.createRun(t, runSpec{})
			g := newGate(step)
			e.startWorker(t, scenario.Config{BeforeStep: g.hook})
			<-g.reached
			if _, err := e.Store.Pool().Exec(materializertest.Context(t), `UPDATE scenario_run SET cancel_requested_at = now() WHERE id = $1`, runID); err != nil {
				t.Fatal(err)
			}
			g.release(runID)
			e.waitPublished(t, time.Minute, runID)

			if r := e.run(t, runID); r.State != "CANCELLED" || r.OutputCount != nil {
				t.Errorf("run = %+v, want CANCELLED without outputs", r)
			}
			if n := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID); n != 0 {
				t.Errorf("%d output rows, want none", n)
			}
			if n, last := terminals(e.events(t)[runID]); n != 1 || last.State != schemas.RunCancelled {
				t.Errorf("%d terminal events, last %+v; want one CANCELLED", n, last)
			}
			if n := len(e.outputs(t)[runID]); n != 0 {
				t.Errorf("%d outputs on the output topic, want none", n)
			}
		})
	}
}

// TestTimeout: a run with timeout_seconds 1 whose compute step waits past
// it ends TIMED_OUT, without outputs.
func TestTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runID := e.createRun(t, runSpec{timeout: 1})
	e.startWorker(t, scenario.Config{BeforeStep: func(ctx context.Context, _, step string) error {
		if step == scenario.StepCompute {
			select {
			case <-ctx.Done(): // the attempt's deadline
			case <-time.After(3 * time.Second):
			}
		}
		return nil
	}})
	e.waitPublished(t, time.Minute, runID)
	r := e.run(t, runID)
	if r.State != "TIMED_OUT" || r.Error == nil || !strings.Contains(*r.Error, "timeout") {
		t.Errorf("run = %+v, want TIMED_OUT with an error naming the timeout", r)
	}
	if n := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID); n != 0 {
		t.Errorf("%d output rows, want none", n)
	}
	if n, last := terminals(e.events(t)[runID]); n != 1 || last.State != schemas.RunTimedOut {
		t.Errorf("%d terminal events, last %+v; want one TIMED_OUT", n, last)
	}
}

// failingSteps fails the load step of each run the given number of times.
type failingSteps struct {
	mu    sync.Mutex
	fails int
	seen  map[string]int
}

func (f *failingSteps) hook(_ context.Context, runID, step string) error {
	if step != scenario.StepLoad {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen[runID] < f.fails {
		f.seen[runID]++
		return errTransient
	}
	return nil
}

type transientError struct{}

func (transientError) Error() string { return "database unavailable (injected)" }

var errTransient = transientError{}

// TestRetry: a transient failure is retried with the attempt counter
// incremented; when max_retries is used up the run ends FAILED with the
// last error.
func TestRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	recovers := e.createRun(t, runSpec{maxRetries: 2})
	exhausts := e.createRun(t, runSpec{maxRetries: 1, seed: 7})
	f := &failingSteps{fails: 1, seen: map[string]int{exhausts: -100}}
	e.startWorker(t, scenario.Config{BeforeStep: f.hook})
	e.waitPublished(t, time.Minute, recovers, exhausts)

	if r := e.run(t, recovers); r.State != "SUCCEEDED" || r.Attempt != 2 {
		t.Errorf("recovering run = %+v, want SUCCEEDED at attempt 2", r)
	}
	r := e.run(t, exhausts)
	if r.State != "FAILED" || r.Attempt != 2 || r.Error == nil || !strings.Contains(*r.Error, errTransient.Error()) {
		t.Errorf("exhausted run = %+v, want FAILED at attempt 2 with the last error", r)
	}
	evs := e.events(t)
	var running []int32
	for _, ev := range evs[recovers] {
		if ev.State == schemas.RunRunning {
			running = append(running, ev.Attempt)
		}
	}
	if len(running) != 2 || running[0] != 1 || running[1] != 2 {
		t.Errorf("RUNNING events of attempts %v, want 1 and 2", running)
	}
	for _, id := range []string{recovers, exhausts} {
		if n, _ := terminals(evs[id]); n != 1 {
			t.Errorf("run %s: %d terminal events, want 1", id, n)
		}
	}
}

// TestPoison: requests that cannot be executed are dead-lettered and their
// runs FAILED with the reason: an unknown driver, a deleted scenario, and a
// request that does not decode.
func TestPoison(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	badDriver := e.createRun(t, runSpec{drivers: []model.Driver{{Type: "moon_phase", Payload: json.RawMessage(`{}`)}}})
	deleted := e.createRun(t, runSpec{deleted: true})
	garbled := e.createRun(t, runSpec{noRequest: true})
	rec := &kgo.Record{Topic: topology.TopicScenarioRequest, Key: []byte(garbled), Value: []byte("not avro"),
		Headers: []kgo.RecordHeader{{Key: runs.HeaderTenant, Value: []byte(tenant)}}}
	if err := e.Client.ProduceSync(materializertest.Context(t), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	e.startWorker(t, scenario.Config{})
	e.waitPublished(t, time.Minute, badDriver, deleted, garbled)
	e.waitCaughtUp(t, time.Minute)

	cases := []struct {
		name, runID, reason, stage, errPart string
	}{
		{"unknown driver", badDriver, scenario.ReasonInvalidScenario, deadletter.StageProcess, "moon_phase"},
		{"deleted scenario", deleted, scenario.ReasonScenarioGone, deadletter.StageProcess, "deleted"},
		{"undecodable", garbled, scenario.ReasonUndecodable, deadletter.StageDecode, "decoded"},
	}
	dead := e.records(t, topology.TopicScenarioRequestDLQ)
	evs := e.events(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(t, c.runID)
			if r.State != "FAILED" || r.Error == nil || !strings.Contains(*r.Error, c.errPart) {
				t.Errorf("run = %+v, want FAILED with an error mentioning %q", r, c.errPart)
			}
			found := 0
			for _, d := range dead {
				if string(d.Key) == c.runID && deadletter.Header(d, deadletter.HeaderStage) == c.stage &&
					strings.HasPrefix(deadletter.Header(d, deadletter.HeaderReason), c.reason) {
					found++
				}
			}
			if found != 1 {
				t.Errorf("%d dead letters with stage %s and reason %s, want 1", found, c.stage, c.reason)
			}
			if n, last := terminals(evs[c.runID]); n != 1 || last.State != schemas.RunFailed {
				t.Errorf("%d terminal events, last %+v; want one FAILED", n, last)
			}
		})
	}
}
