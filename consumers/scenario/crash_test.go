package scenario_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/retry"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
)

// helperEnv carries the JSON helperConfig to TestHelperProcess.
const helperEnv = "AURUM_TEST_SCENARIO_WORKER"

// TestHelperProcess is not a test: re-executed by TestSurvivesKill9 with
// helperEnv set, it runs the scenario worker until it is killed.
func TestHelperProcess(t *testing.T) { testenv.RunHelper(t, helperEnv, runHelper) }

func runHelper(ctx context.Context, cfg materializertest.ChildConfig) error {
	return cfg.Run(ctx, func(child *materializertest.Child) (materializertest.Runner, error) {
		return scenario.New(scenario.Config{
			Brokers: cfg.Brokers,
			// The same transactional ID after a restart fences the killed
			// process and aborts its open transaction at once.
			TransactionalID: "crash-test-worker",
			Backoff:         retry.Backoff{Min: 50 * time.Millisecond, Max: time.Second},
			// Steps take a while, so kills land in the middle of runs.
			BeforeStep: func(ctx context.Context, _, _ string) error {
				sleep := time.NewTimer(time.Duration(rand.IntN(60)) * time.Millisecond)
				defer sleep.Stop()
				select {
				case <-ctx.Done():
				case <-sleep.C:
				}
				return nil
			},
			KafkaOptions: cfg.GroupOptions(),
		}, scenario.Deps{DB: child.Store, Serde: child.Serde, Logger: child.Logger})
	})
}

// withVolatility is the standard scenario with P5/P95 bands.
var withVolatility = append(append([]model.Driver(nil), standardDrivers...),
	model.Driver{Type: model.Volatility, Payload: json.RawMessage(`{"annual_vol_pct": 40}`)})

// TestSurvivesKill9 kills the worker process with SIGKILL at random points
// while runs execute (some requests published twice, as a relay may) and
// restarts it; in the end every run has exactly one terminal state, no
// output is duplicated, and a read_committed subscriber sees exactly one
// terminal event per run.
func TestSurvivesKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	e := newEnv(t)
	const (
		runs  = 24
		kills = 5
	)
	rnd := rand.New(rand.NewPCG(3, 4))
	ids := make([]string, 0, runs)
	for i := range runs {
		id := e.createRun(t, runSpec{seed: int64(i), maxRetries: 3, drivers: withVolatility})
		ids = append(ids, id)
		if i%4 == 0 {
			e.publishRequest(t, e.request(t, id)) // a relay redelivery
		}
	}

	helpers := testenv.NewHelperProcess(t, "worker", helperEnv,
		materializertest.ChildConfig{Brokers: e.Kafka.Brokers, RegistryURL: e.Kafka.RegistryURL, DatabaseURL: e.DatabaseURL,
			InstanceID: "crash-test-worker"})

	// progress changes whenever an attempt starts or a run ends.
	progress := func() int {
		return e.count(t, `SELECT coalesce(sum(attempt), 0) + count(*) FILTER (WHERE state NOT IN ('QUEUED', 'RUNNING'))
			+ count(*) FILTER (WHERE terminal_published_at IS NOT NULL) FROM scenario_run`)
	}
	for k := 0; k < kills; k++ {
		if e.count(t, `SELECT count(*) FROM scenario_run WHERE state IN ('QUEUED', 'RUNNING')`) == 0 {
			break // nothing left to interrupt
		}
		p := helpers.Start()
		before, deadline := progress(), time.Now().Add(time.Minute)
		for progress() == before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rnd.IntN(300)) * time.Millisecond)
		p.Kill()
		t.Logf("kill %d: %d of %d runs published", k+1,
			e.count(t, `SELECT count(*) FROM scenario_run WHERE terminal_published_at IS NOT NULL`), runs)
	}

	// A worker killed after its transaction committed but before it marked
	// terminal_published_at leaves the mark unset for good (the event is on
	// the topic; only a duplicate request would look). So wait for every
	// run to end and every request to be committed, then check the topic.
	final := helpers.Start()
	e.waitTerminal(t, 3*time.Minute, ids...)
	e.waitCaughtUp(t, 3*time.Minute)
	if err := final.Stop(); err != nil {
		t.Errorf("worker exited with %v after SIGTERM", err)
	}

	evs, outs := e.events(t), e.outputs(t)
	states := map[string]int{}
	for _, id := range ids {
		r := e.run(t, id)
		states[r.State]++
		rows := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, id)
		n, last := terminals(evs[id])
		switch {
		case n != 1:
			t.Errorf("run %s: %d terminal events on the run topic, want 1", id, n)
		case string(last.State) != r.State:
			t.Errorf("run %s: terminal event %s, run row %s", id, last.State, r.State)
		}
		want := 0
		if r.State == "SUCCEEDED" {
			want = *r.OutputCount
		}
		if rows != want || len(outs[id]) != want {
			t.Errorf("run %s (%s): %d output rows and %d outputs on the topic, want %d", id, r.State, rows, len(outs[id]), want)
		}
		if want > 0 {
			bands := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1 AND band_lower < value AND band_upper > value`, id)
			onTopic := 0
			for _, o := range outs[id] {
				if o.BandLower != nil && o.BandUpper != nil {
					onTopic++
				}
			}
			if bands == 0 || onTopic != bands {
				t.Errorf("run %s: %d output rows with bands, %d on the topic; want some, the same", id, bands, onTopic)
			}
		}
		seen := map[string]bool{}
		for _, o := range outs[id] {
			k := o.CurveKey + "|" + string(o.TenorType) + "|" + o.TenorLabel + "|" + o.Metric
			if seen[k] {
				t.Errorf("run %s: output %s published twice", id, k)
			}
			seen[k] = true
		}
	}
	logs := helpers.Output()
	t.Logf("final states %v; runs with more than one attempt: %d; interrupted attempts: %d, terminal events republished: %d, found already committed: %d",
		states, e.count(t, `SELECT count(*) FROM scenario_run WHERE attempt > 1`),
		bytes.Count(logs, []byte("attempt was interrupted")),
		bytes.Count(logs, []byte("publishing the terminal event of an ended run")),
		bytes.Count(logs, []byte("terminal event already on the run topic")))
}

// waitTerminal waits until every run has ended in the database.
func (e *env) waitTerminal(t testing.TB, timeout time.Duration, runIDs ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, id := range runIDs {
		for !schemas.RunState(e.run(t, id).State).Terminal() {
			if time.Now().After(deadline) {
				t.Fatalf("run %s did not end within %s: %+v", id, timeout, e.run(t, id))
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
}
