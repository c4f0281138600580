// Package materializertest is the harness the materialisers' tests share:
// one test's platform of real services (a private kfake broker with the
// embedded registry and a fresh migrated PostgreSQL database, both from
// internal/testenv), and the steps those tests take on it: produce encoded
// records, run a materialiser, wait for its group to catch up, read dead
// letters, count rows.
//
// Only tests import it; it holds no mocks.
package materializertest

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
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/internal/testenv"
)

// Env is one test's platform: a fresh broker and registry, a fresh migrated
// database, a serde and a client that produces and administers.
type Env struct {
	Kafka       *testenv.Kafka
	DatabaseURL string
	Store       *store.Store
	Registry    *sr.Client
	Serde       *serde.Serde
	Client      *kgo.Client
	Admin       *kadm.Client
}

// New starts the platform of the calling test; everything is closed when the
// test ends. opts are added to the client's options (batching, linger).
func New(t testing.TB, opts ...kgo.Opt) *Env {
	t.Helper()
	e := &Env{Kafka: testenv.NewKafka(t), DatabaseURL: testenv.DatabaseURL(t)}
	e.Store = storetest.Migrated(t, store.Config{URL: e.DatabaseURL, MaxConns: 12})
	e.Registry, e.Serde, e.Client = e.Kafka.Registry(t), e.Kafka.Serde(t), e.Kafka.Client(t, opts...)
	e.Admin = kadm.NewClient(e.Client)
	return e
}

// Context bounds one step of a test; it is cancelled when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Logger is the logger of a component under test: on stderr with -v,
// discarded otherwise.
func Logger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Runner is a component that runs until its context is cancelled.
type Runner interface {
	Run(ctx context.Context) error
}

// Start runs r until the test ends or the returned stop is called; stop
// returns Run's error.
func Start(t testing.TB, r Runner) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	var runErr error
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(time.Minute):
				t.Errorf("%T did not stop within a minute", r)
			}
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// Materialize runs a materialiser writing through sink into e's database,
// from e's broker, until the test ends or the returned stop is called; stop
// returns Run's error. cfg names the group and the topics; unset backoffs
// are a test's short ones, so that an outage ends quickly.
func Materialize[K comparable, R any](t testing.TB, e *Env, cfg materializer.Config, sink materializer.Sink[K, R],
	metrics *telemetry.Metrics) (stop func() error) {
	t.Helper()
	cfg.Brokers = e.Kafka.Brokers
	cfg.Backoff = cfg.Backoff.Or(retry.Backoff{Min: 50 * time.Millisecond, Max: time.Second})
	m, err := materializer.New(cfg, sink, materializer.Deps{DB: e.Store, Metrics: metrics, Logger: Logger()})
	if err != nil {
		t.Fatal(err)
	}
	return Start(t, m)
}

// Encode returns the record a collector would write for v on topic.
func (e *Env) Encode(t testing.TB, topic, key string, v any) *kgo.Record {
	t.Helper()
	b, err := e.Serde.Encode(topic, v)
	if err != nil {
		t.Fatal(err)
	}
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: b}
}

// Produce writes recs synchronously, in chunks the broker accepts.
func (e *Env) Produce(t testing.TB, recs ...*kgo.Record) {
	t.Helper()
	const chunk = 10_000
	for len(recs) > 0 {
		n := min(chunk, len(recs))
		if err := e.Client.ProduceSync(Context(t), recs[:n]...).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
		recs = recs[n:]
	}
}

// Lag is group's committed lag on topic, summed over its partitions.
func (e *Env) Lag(ctx context.Context, group, topic string) (int64, error) {
	committed, err := e.Admin.FetchOffsetsForTopics(ctx, group, topic)
	if err != nil {
		return 0, err
	}
	ends, err := e.Admin.ListEndOffsets(ctx, topic)
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

// WaitCaughtUp waits up to timeout until group has committed every record
// of topic.
func (e *Env) WaitCaughtUp(t testing.TB, group, topic string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last int64 = -1
	for time.Now().Before(deadline) {
		lag, err := e.Lag(Context(t), group, topic)
		if err == nil && lag == 0 {
			return
		}
		last = lag
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s still %d records behind on %s after %s", group, last, topic, timeout)
}

// DeadLetters reads every record on a dead-letter topic.
func (e *Env) DeadLetters(t testing.TB, topic string) []*kgo.Record {
	t.Helper()
	ctx := Context(t)
	ends, err := e.Admin.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(0)
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	if want == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.Kafka.Brokers...), kgo.ConsumeTopics(topic),
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

// Count returns the single integer a query selects.
func (e *Env) Count(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.Store.Pool().QueryRow(Context(t), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Reason is a dead letter's "stage/code" (its reason header is
// "code: detail").
func Reason(r *kgo.Record) string {
	code, _, _ := strings.Cut(deadletter.Header(r, deadletter.HeaderReason), ":")
	return deadletter.Header(r, deadletter.HeaderStage) + "/" + code
}
