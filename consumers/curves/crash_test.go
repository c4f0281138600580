package curves_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/curves"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/topology"
)

// helperEnv carries the JSON helperConfig to TestHelperProcess.
const helperEnv = "AURUM_TEST_CURVE_MATERIALIZER"

// TestHelperProcess is not a test: re-executed by the crash tests with
// helperEnv set, it runs the curve materialiser until it is killed.
func TestHelperProcess(t *testing.T) { testenv.RunHelper(t, helperEnv, runHelper) }

func runHelper(ctx context.Context, cfg materializertest.ChildConfig) error {
	return cfg.Run(ctx, func(child *materializertest.Child) (materializertest.Runner, error) {
		return materializer.New(materializer.Config{
			Group: group, Topics: []string{topology.TopicCurveObservation},
			Brokers: cfg.Brokers, Backoff: retry.Backoff{Max: time.Second}, KafkaOptions: cfg.GroupOptions(),
		}, curves.NewSink(child.Serde), materializer.Deps{DB: child.Store, Logger: child.Logger})
	})
}

// lastValueLoad is keys observations (curves × 60 tenors), then updates
// new values of random ones; want is the last value of each key.
func (e *env) lastValueLoad(t *testing.T, rnd *rand.Rand, keys, updates int) (recs []*kgo.Record, want []float64) {
	t.Helper()
	want = make([]float64, keys)
	recs = make([]*kgo.Record, 0, keys+updates)
	for i := range keys {
		want[i] = float64(i)
		recs = append(recs, e.encode(t, observation(i, 0, want[i])))
	}
	for j := range updates {
		i := rnd.IntN(keys)
		want[i] = float64(keys + j)
		recs = append(recs, e.encode(t, observation(i, 0, want[i])))
	}
	return recs, want
}

// produceSlowly produces recs in chunks of n with a pause after each, so
// that the load lasts while processes are killed; the channel is closed
// once everything is produced.
func (e *env) produceSlowly(t *testing.T, recs []*kgo.Record, n int, pause time.Duration) <-chan struct{} {
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for len(recs) > 0 {
			k := min(n, len(recs))
			if err := e.Client.ProduceSync(context.Background(), recs[:k]...).FirstErr(); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
			recs = recs[k:]
			time.Sleep(pause)
		}
	}()
	return produced
}

// progress changes whenever a materialiser writes: new keys or new values
// of existing ones.
func (e *env) progress(t *testing.T) float64 {
	t.Helper()
	var sum float64
	if err := e.Store.Pool().QueryRow(context.Background(), `SELECT coalesce(sum(mid), 0) FROM curve_observation`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

// waitProgress returns once a materialiser has written something new (or
// after a minute, when the test's end will tell what went wrong).
func (e *env) waitProgress(t *testing.T) {
	t.Helper()
	before, deadline := e.progress(t), time.Now().Add(time.Minute)
	for e.progress(t) == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// checkLastValues asserts that every key is in curve_observation exactly
// once with its last value, and that nothing was dead-lettered.
func (e *env) checkLastValues(t *testing.T, want []float64) {
	t.Helper()
	got := e.mids(t)
	if len(got) != len(want) {
		t.Errorf("curve_observation has %d rows, want %d", len(got), len(want))
	}
	wrong := 0
	for i, mid := range want {
		o := observation(i, 0, mid)
		if got[pk(o)] != mid {
			wrong++
			if wrong <= 5 {
				t.Errorf("key %d: mid %v, want %v (the last produced)", i, got[pk(o)], mid)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d keys lack their last value", wrong)
	}
	if dead := e.DeadLetters(t, topology.TopicCurveObservationDLQ); len(dead) != 0 {
		t.Errorf("%d dead letters, want none", len(dead))
	}
}

// TestSurvivesKill9 kills the materialiser process with SIGKILL at random
// points while a large load flows and restarts it; in the end every key is
// in curve_observation exactly once with its last value, and nothing was
// dead-lettered.
func TestSurvivesKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	e := newEnv(t)
	const kills = 6
	rnd := rand.New(rand.NewPCG(1, 2))
	recs, want := e.lastValueLoad(t, rnd, 60_000, 40_000) // 1000 curves × 60 tenors
	produced := e.produceSlowly(t, recs, 2000, 100*time.Millisecond)

	// Static membership lets the restarted process take the killed one's
	// place at once.
	helpers := testenv.NewHelperProcess(t, "materialiser", helperEnv, materializertest.ChildConfig{
		Brokers: e.Kafka.Brokers, RegistryURL: e.Kafka.RegistryURL, DatabaseURL: e.DatabaseURL,
		InstanceID: "crash-test-materializer",
	})
	for k := 0; k < kills; k++ {
		select {
		case <-produced:
			k = kills // the load is over: nothing left to interrupt
			continue
		default:
		}
		p := helpers.Start()
		// Kill it while it works: once it has written something new.
		e.waitProgress(t)
		time.Sleep(time.Duration(rnd.IntN(800)) * time.Millisecond)
		p.Kill()
		t.Logf("kill %d: %d rows", k+1, e.Count(t, `SELECT count(*) FROM curve_observation`))
	}
	<-produced

	final := helpers.Start()
	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, 3*time.Minute)
	if err := final.Stop(); err != nil {
		t.Errorf("materialiser exited with %v after SIGTERM", err)
	}
	e.checkLastValues(t, want)
}

// TestGroupSurvivesKill9 is three `aurum consume curves` processes in one
// group, as dynamic members, while a load flows across the topic's 12
// partitions: twice one of them is killed with SIGKILL while it writes and
// started again, so partitions move between members with batches written
// and not committed. In the end every key is in curve_observation exactly
// once with its last value, nothing was dead-lettered, and the group's
// committed offsets are at the end of every partition.
func TestGroupSurvivesKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	e := newEnv(t)
	const members, kills, keys = 3, 2, 60_000
	rnd := rand.New(rand.NewPCG(3, 4))
	recs, want := e.lastValueLoad(t, rnd, keys, 30_000)
	helpers := testenv.NewHelperProcess(t, "member", helperEnv, materializertest.ChildConfig{
		Brokers: e.Kafka.Brokers, RegistryURL: e.Kafka.RegistryURL, DatabaseURL: e.DatabaseURL,
	})
	running := make([]*testenv.Helper, members)
	for i := range running {
		running[i] = helpers.Start()
	}
	// Slow enough that the load outlasts both kills: about 20 s, while a
	// killed member's partitions wait 6 s (its session timeout) for a new
	// owner.
	produced := e.produceSlowly(t, recs, 1000, 200*time.Millisecond)

	for k := range kills {
		// Spread over the load: the first kill after a quarter of the
		// keys are in, the second after half.
		for e.Count(t, `SELECT count(*) FROM curve_observation`) < int64(keys*(k+1)/4) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Duration(rnd.IntN(800)) * time.Millisecond)
		select {
		case <-produced:
			t.Fatalf("the load was over before kill %d: nothing left to interrupt", k+1)
		default:
		}
		victim := k // a different member each time
		running[victim].Kill()
		t.Logf("kill %d (member %d): %d rows", k+1, victim, e.Count(t, `SELECT count(*) FROM curve_observation`))
		running[victim] = helpers.Start()
	}
	<-produced

	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, 3*time.Minute)
	for i, p := range running {
		if err := p.Stop(); err != nil {
			t.Errorf("member %d exited with %v after SIGTERM", i, err)
		}
	}
	if lag, err := e.Lag(materializertest.Context(t), group, topology.TopicCurveObservation); err != nil || lag != 0 {
		t.Errorf("committed offsets %d records short of the end of the topic (%v), want at the end", lag, err)
	}
	e.checkLastValues(t, want)
}
