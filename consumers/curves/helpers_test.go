package curves_test

import (
	"cmp"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/curves"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform (see materializertest).
type env struct{ *materializertest.Env }

func newEnv(t testing.TB) *env {
	return &env{materializertest.New(t, kgo.ProducerBatchMaxBytes(4<<20), kgo.ProducerLinger(5*time.Millisecond))}
}

// start runs a curve materialiser in cfg.Group (default group) until the
// test ends or the returned stop is called; stop returns Run's error.
func (e *env) start(t testing.TB, cfg materializer.Config, metrics *telemetry.Metrics) (stop func() error) {
	t.Helper()
	if cfg.Group == "" {
		cfg.Group = group
	}
	cfg.Topics = []string{topology.TopicCurveObservation}
	cfg.Backoff.Max = cmp.Or(cfg.Backoff.Max, 2*time.Second)
	return materializertest.Materialize(t, e.Env, cfg, curves.NewSink(e.Serde), metrics)
}

func ptr[T any](v T) *T { return &v }

var baseAsof = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// observation i of a synthetic set: curves × 60 monthly tenors, on the
// as-of date day days after baseAsof, with the given mid.
func observation(i, day int, mid float64) schemas.CurveObservation {
	curveNo, tenor := i/60, i%60
	month := time.Date(2026, time.Month(2+tenor), 1, 0, 0, 0, 0, time.UTC)
	o := schemas.CurveObservation{
		AsofDate:      baseAsof.AddDate(0, 0, day),
		AssetClass:    schemas.AssetClassPower,
		ISO:           ptr("PJM"),
		Location:      ptr(fmt.Sprintf("HUB %d", curveNo)),
		Market:        ptr("DA"),
		Block:         ptr("ON_PEAK"),
		PriceType:     schemas.PriceTypeMid,
		TenorType:     schemas.TenorMonthly,
		TenorLabel:    month.Format("2006-01"),
		ContractMonth: ptr(month),
		Mid:           ptr(mid),
		Bid:           ptr(mid - 0.25),
		Ask:           ptr(mid + 0.25),
		Currency:      ptr("USD"),
		PerUnit:       ptr("MWh"),
		UnitsRaw:      "USD/MWh",
		IngestTS:      time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC),
	}
	curve.Complete(&o)
	return o
}

// encode returns the record Aurum's own producers would write for o.
func (e *env) encode(t testing.TB, o schemas.CurveObservation) *kgo.Record {
	t.Helper()
	return e.Encode(t, topology.TopicCurveObservation, o.CurveKey, o)
}
