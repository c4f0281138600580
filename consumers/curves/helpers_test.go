package curves_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/consumers/curves"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform: a fresh broker and registry, a fresh
// migrated database, a serde and a producer.
type env struct {
	kafka    *testenv.Kafka
	dbURL    string
	store    *store.Store
	serde    *serde.Serde
	registry *sr.Client
	client   *kgo.Client // produces and administers
	admin    *kadm.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := testContext(t)
	e := &env{kafka: testenv.NewKafka(t), dbURL: testenv.DatabaseURL(t)}
	var err error
	if e.store, err = store.Open(ctx, store.Config{URL: e.dbURL, MaxConns: 12}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.store.Close)
	if _, err := e.store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if e.registry, err = sr.NewClient(sr.URLs(e.kafka.RegistryURL)); err != nil {
		t.Fatal(err)
	}
	if e.serde, err = serde.New(ctx, e.registry, nil); err != nil {
		t.Fatal(err)
	}
	if e.client, err = kgo.NewClient(kgo.SeedBrokers(e.kafka.Brokers...),
		kgo.ProducerBatchMaxBytes(4<<20), kgo.ProducerLinger(5*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.client.Close)
	e.admin = kadm.NewClient(e.client)
	return e
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(_ testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs a curve materialiser in group until the test ends or the
// returned stop is called; stop returns Run's error.
func (e *env) start(t testing.TB, cfg materializer.Config, metrics *telemetry.Metrics) (stop func() error) {
	t.Helper()
	cfg.Brokers = e.kafka.Brokers
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 50 * time.Millisecond
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 2 * time.Second
	}
	m, err := curves.New(cfg, curves.Deps{Store: e.store, Serde: e.serde, Metrics: metrics, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stopped := false
	var runErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(time.Minute):
				t.Error("materialiser did not stop within a minute")
			}
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
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
	b, err := e.serde.Encode(topology.TopicCurveObservation, o)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: topology.TopicCurveObservation, Key: []byte(o.CurveKey), Value: b}
}

func (e *env) produce(t testing.TB, recs ...*kgo.Record) {
	t.Helper()
	const chunk = 10_000
	for len(recs) > 0 {
		n := min(chunk, len(recs))
		if err := e.client.ProduceSync(testContext(t), recs[:n]...).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
		recs = recs[n:]
	}
}

// lag is the group's committed lag on the curve topic, summed.
func (e *env) lag(ctx context.Context, group string) (int64, error) {
	committed, err := e.admin.FetchOffsetsForTopics(ctx, group, topology.TopicCurveObservation)
	if err != nil {
		return 0, err
	}
	ends, err := e.admin.ListEndOffsets(ctx, topology.TopicCurveObservation)
	if err != nil {
		return 0, err
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) {
		at := int64(0)
		if c, ok := committed.Lookup(o.Topic, o.Partition); ok && c.At > 0 {
			at = c.At
		}
		total += o.Offset - at
	})
	return total, nil
}

// waitCaughtUp waits until group has committed every record of the topic.
func (e *env) waitCaughtUp(t testing.TB, group string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last int64 = -1
	for time.Now().Before(deadline) {
		lag, err := e.lag(testContext(t), group)
		if err == nil && lag == 0 {
			return
		}
		last = lag
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s still %d records behind after %s", group, last, timeout)
}

// dlq reads every record on the curve dead-letter topic.
func (e *env) dlq(t testing.TB) []*kgo.Record {
	t.Helper()
	ctx := testContext(t)
	ends, err := e.admin.ListEndOffsets(ctx, topology.TopicCurveObservationDLQ)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	if want == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka.Brokers...),
		kgo.ConsumeTopics(topology.TopicCurveObservationDLQ),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("read dead letters: %v", err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// count returns the rows of a query's single integer.
func (e *env) count(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.store.Pool().QueryRow(testContext(t), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
