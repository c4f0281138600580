package series_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/series"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is one test's platform: a fresh broker and registry, a fresh
// migrated database, a serde and a producer.
type env struct {
	kafka  *testenv.Kafka
	store  *store.Store
	serde  *serde.Serde
	client *kgo.Client
	admin  *kadm.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := testContext(t)
	e := &env{kafka: testenv.NewKafka(t)}
	var err error
	if e.store, err = store.Open(ctx, store.Config{URL: testenv.DatabaseURL(t), MaxConns: 8}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.store.Close)
	if _, err := e.store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	registry, err := sr.NewClient(sr.URLs(e.kafka.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	if e.serde, err = serde.New(ctx, registry, nil); err != nil {
		t.Fatal(err)
	}
	if e.client, err = kgo.NewClient(kgo.SeedBrokers(e.kafka.Brokers...)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.client.Close)
	e.admin = kadm.NewClient(e.client)
	return e
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type runner interface {
	Run(ctx context.Context) error
}

// start runs the observation (catalog false) or catalog materialiser until
// the test ends or stop is called; stop returns Run's error.
func (e *env) start(t testing.TB, catalog bool) (stop func() error) {
	t.Helper()
	cfg := materializer.Config{Brokers: e.kafka.Brokers, MinBackoff: 50 * time.Millisecond, MaxBackoff: time.Second}
	deps := series.Deps{Store: e.store, Serde: e.serde, Logger: testLogger()}
	var (
		r   runner
		err error
	)
	if catalog {
		r, err = series.NewCatalog(cfg, deps)
	} else {
		r, err = series.NewObservations(cfg, deps)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var stopped bool
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

// encode returns the record a collector would write for v on topic.
func (e *env) encode(t testing.TB, topic, key string, v any) *kgo.Record {
	t.Helper()
	b, err := e.serde.Encode(topic, v)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: b}
}

func (e *env) produce(t testing.TB, recs ...*kgo.Record) {
	t.Helper()
	if err := e.client.ProduceSync(testContext(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// waitCaughtUp waits until group has committed every record of topic.
func (e *env) waitCaughtUp(t testing.TB, group, topic string) {
	t.Helper()
	ctx := testContext(t)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		committed, err1 := e.admin.FetchOffsetsForTopics(ctx, group, topic)
		ends, err2 := e.admin.ListEndOffsets(ctx, topic)
		if err1 == nil && err2 == nil {
			var lag int64
			ends.Each(func(o kadm.ListedOffset) {
				at := int64(0)
				if c, ok := committed.Lookup(o.Topic, o.Partition); ok && c.At > 0 {
					at = c.At
				}
				lag += o.Offset - at
			})
			if lag == 0 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s did not catch up on %s within a minute", group, topic)
}

// dlq reads every record on a dead-letter topic.
func (e *env) dlq(t testing.TB, topic string) []*kgo.Record {
	t.Helper()
	ctx := testContext(t)
	ends, err := e.admin.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	if want == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka.Brokers...), kgo.ConsumeTopics(topic),
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

func (e *env) count(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.store.Pool().QueryRow(testContext(t), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// reason is the reason code of a dead letter (the header is "code: detail").
func reason(r *kgo.Record) string {
	code, _, _ := strings.Cut(header(r, deadletter.HeaderReason), ":")
	return header(r, deadletter.HeaderStage) + "/" + code
}

func ptr[T any](v T) *T { return &v }
