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
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/topology"
)

// helperEnv carries the JSON helperConfig to TestHelperProcess.
const helperEnv = "AURUM_TEST_CURVE_MATERIALIZER"

// TestHelperProcess is not a test: re-executed by TestSurvivesKill9 with
// helperEnv set, it runs the curve materialiser until it is killed.
func TestHelperProcess(t *testing.T) { testenv.RunHelper(t, helperEnv, runHelper) }

func runHelper(ctx context.Context, cfg materializertest.ChildConfig) error {
	child, err := cfg.Open(ctx)
	if err != nil {
		return err
	}
	defer child.Store.Close()
	st, sd, logger := child.Store, child.Serde, child.Logger
	m, err := curves.New(materializer.Config{
		Brokers:    cfg.Brokers,
		MaxBackoff: time.Second,
		// A killed member never leaves the group. Static membership lets
		// the restarted one take its place at once; short session and
		// rebalance timeouts bound the wait where it cannot.
		KafkaOptions: []kgo.Opt{
			kgo.InstanceID("crash-test-materializer"),
			kgo.SessionTimeout(6 * time.Second),
			kgo.RebalanceTimeout(6 * time.Second),
			kgo.HeartbeatInterval(500 * time.Millisecond),
		},
	}, curves.Deps{Store: st, Serde: sd, Logger: logger})
	if err != nil {
		return err
	}
	return m.Run(ctx)
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
	const (
		keys    = 60_000 // 1000 curves × 60 tenors
		updates = 40_000
		kills   = 6
	)
	rnd := rand.New(rand.NewPCG(1, 2))
	want := make([]float64, keys)
	recs := make([]*kgo.Record, 0, keys+updates)
	for i := range keys {
		want[i] = float64(i)
		recs = append(recs, e.encode(t, observation(i, 0, want[i])))
	}
	for j := range updates {
		i := rnd.IntN(keys)
		want[i] = float64(keys + j)
		recs = append(recs, e.encode(t, observation(i, 0, want[i])))
	}

	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for len(recs) > 0 {
			n := min(2000, len(recs))
			if err := e.Client.ProduceSync(context.Background(), recs[:n]...).FirstErr(); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
			recs = recs[n:]
			time.Sleep(100 * time.Millisecond)
		}
	}()

	helpers := testenv.NewHelperProcess(t, "materialiser", helperEnv,
		materializertest.ChildConfig{Brokers: e.Kafka.Brokers, RegistryURL: e.Kafka.RegistryURL, DatabaseURL: e.DatabaseURL})

	// progress changes whenever the materialiser writes: new keys or new
	// values of existing ones.
	progress := func() float64 {
		var sum float64
		if err := e.Store.Pool().QueryRow(context.Background(), `SELECT coalesce(sum(mid), 0) FROM curve_observation`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	for k := 0; k < kills; k++ {
		select {
		case <-produced:
			k = kills // the load is over: nothing left to interrupt
			continue
		default:
		}
		p := helpers.Start()
		// Kill it while it works: once it has written something new.
		before, deadline := progress(), time.Now().Add(time.Minute)
		for progress() == before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
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

	got := e.mids(t)
	if len(got) != keys {
		t.Errorf("curve_observation has %d rows, want %d", len(got), keys)
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
