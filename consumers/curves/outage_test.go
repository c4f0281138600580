package curves_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/topology"
)

// TestSurvivesPostgresOutage stops PostgreSQL for 20 s while records keep
// arriving: the materialiser retries the same batch until the server is
// back, and every row arrives exactly once.
//
// Not parallel: it stops the server every test of this package shares
// (parallel tests wait until the sequential ones are done).
func TestSurvivesPostgresOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s outage in -short mode")
	}
	e := newEnv(t)
	pg := testenv.Postgres(t)
	const keys = 12_000
	recs := make([]*kgo.Record, keys)
	for i := range keys {
		recs[i] = e.encode(t, observation(i, 0, float64(i)))
	}
	metrics := telemetry.NewMetrics(nil)
	stop := e.start(t, materializer.Config{Backoff: retry.Backoff{Max: 2 * time.Second}}, metrics)

	e.Produce(t, recs[:4000]...)
	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, time.Minute)

	if err := pg.Stop(); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = pg.Start(context.Background())
		}
	}()
	outage := time.Now()
	// The load goes on while the database is down.
	for i := 4000; i < keys; i += 2000 {
		e.Produce(t, recs[i:i+2000]...)
		time.Sleep(time.Second)
	}
	time.Sleep(20*time.Second - time.Since(outage))
	if lag, err := e.Lag(materializertest.Context(t), group, topology.TopicCurveObservation); err != nil || lag == 0 {
		t.Errorf("lag during the outage = %d (%v), want the records written since", lag, err)
	}
	if got := value(t, metrics.ConsumerLagSeconds.WithLabelValues(group, topology.TopicCurveObservation)); got < 5 {
		t.Errorf("lag seconds during the outage = %v, want it growing", got)
	}
	if err := pg.Start(materializertest.Context(t)); err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	restarted = true
	t.Logf("PostgreSQL was down for %s", time.Since(outage).Round(time.Second))

	e.WaitCaughtUp(t, group, topology.TopicCurveObservation, 2*time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := e.mids(t)
	if len(got) != keys {
		t.Errorf("curve_observation has %d rows, want %d", len(got), keys)
	}
	for i := range keys {
		o := observation(i, 0, float64(i))
		if got[pk(o)] != float64(i) {
			t.Fatalf("key %d: mid %v, want %d", i, got[pk(o)], i)
		}
	}
	if dead := e.DeadLetters(t, topology.TopicCurveObservationDLQ); len(dead) != 0 {
		t.Errorf("%d dead letters, want none", len(dead))
	}
}
