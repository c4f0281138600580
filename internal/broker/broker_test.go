package broker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/broker"
)

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     broker.Config
		wantErr bool
	}{
		{name: "data dir", cfg: broker.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}},
		{name: "in memory", cfg: broker.Config{Addr: "127.0.0.1:0", InMemory: true}},
		{name: "neither data dir nor in memory", cfg: broker.Config{Addr: "127.0.0.1:0"}, wantErr: true},
		{name: "both data dir and in memory", cfg: broker.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), InMemory: true}, wantErr: true},
		{name: "unlistenable address", cfg: broker.Config{Addr: "256.0.0.1:0", InMemory: true}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := broker.New(tc.cfg, slog.New(slog.DiscardHandler))
			if tc.wantErr {
				if err == nil {
					b.Close()
					t.Fatal("New succeeded, want error")
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer b.Close()
			if addrs := b.Addrs(); len(addrs) != 1 || addrs[0] == "127.0.0.1:0" {
				t.Fatalf("Addrs() = %v, want one resolved address", addrs)
			}
		})
	}
}

func TestDataDirIsExclusive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := startBroker(t, dir)
	defer b.Close()
	if second, err := broker.New(broker.Config{Addr: "127.0.0.1:0", DataDir: dir}, nil); err == nil {
		second.Close()
		t.Fatal("second broker on the same data dir started, want error")
	}
}

func TestTopicsAreNotAutoCreated(t *testing.T) {
	t.Parallel()
	b := startBroker(t, t.TempDir())
	defer b.Close()
	cl := newClient(t, b, kgo.UnknownTopicRetries(1))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := cl.ProduceSync(ctx, &kgo.Record{Topic: "aurum.undeclared.v1", Value: []byte("x")}).FirstErr()
	if !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("produce to undeclared topic: err = %v, want UNKNOWN_TOPIC_OR_PARTITION", err)
	}
	topics, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	if topics.Has("aurum.undeclared.v1") {
		t.Fatal("topic was auto-created")
	}
}

// TestStateSurvivesRestart writes plain records, a committed and an aborted
// transaction, and group offsets, restarts the broker on the same directory
// and checks what a client sees afterwards.
func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	const (
		topic = "aurum.test.restart.v1"
		group = "aurum.test.group"
	)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	b := startBroker(t, dir)
	cl := newClient(t, b)
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 3, 1, map[string]*string{"cleanup.policy": ptr("delete")}, topic); err != nil {
		t.Fatalf("create topic: %v", err)
	}

	var plain []*kgo.Record
	for i := range 10 {
		plain = append(plain, &kgo.Record{Topic: topic, Partition: int32(i % 3), Key: fmt.Appendf(nil, "plain-%d", i), Value: []byte("v")})
	}
	if err := cl.ProduceSync(ctx, plain...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	produceTxn(ctx, t, b, "aborted", kgo.TryAbort, topic)
	produceTxn(ctx, t, b, "committed", kgo.TryCommit, topic)

	var commit kadm.Offsets
	commit.AddOffset(topic, 0, 4, -1)
	commit.AddOffset(topic, 1, 2, -1)
	if err := adm.CommitAllOffsets(ctx, group, commit); err != nil {
		t.Fatalf("commit offsets: %v", err)
	}
	cl.Close()
	b.Close()

	b = startBroker(t, dir)
	defer b.Close()
	cl = newClient(t, b)
	adm = kadm.NewClient(cl)

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"topic and partitions", func(t *testing.T) {
			topics, err := adm.ListTopics(ctx, topic)
			if err != nil {
				t.Fatalf("list topics: %v", err)
			}
			if !topics.Has(topic) || len(topics[topic].Partitions) != 3 {
				t.Fatalf("topics after restart = %v, want %s with 3 partitions", topics.Names(), topic)
			}
		}},
		{"committed group offsets", func(t *testing.T) {
			got, err := adm.FetchOffsets(ctx, group)
			if err != nil {
				t.Fatalf("fetch offsets: %v", err)
			}
			for p, want := range map[int32]int64{0: 4, 1: 2} {
				o, ok := got.Lookup(topic, p)
				if !ok || o.At != want {
					t.Errorf("partition %d committed offset = %+v (found %v), want %d", p, o, ok, want)
				}
			}
		}},
		{"records, committed transaction, no aborted transaction", func(t *testing.T) {
			keys := consumeAll(ctx, t, b, topic, 10+3)
			want := []string{"committed-0", "committed-1", "committed-2"}
			for i := range 10 {
				want = append(want, fmt.Sprintf("plain-%d", i))
			}
			slices.Sort(want)
			if !slices.Equal(keys, want) {
				t.Fatalf("read_committed keys after restart = %v, want %v", keys, want)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.check)
	}
}

func startBroker(t *testing.T, dir string) *broker.Broker {
	t.Helper()
	b, err := broker.New(broker.Config{Addr: "127.0.0.1:0", DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	return b
}

func newClient(t *testing.T, b *broker.Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produceTxn produces three records keyed prefix-N to partition 0 in one
// transaction and ends it with end.
func produceTxn(ctx context.Context, t *testing.T, b *broker.Broker, prefix string, end kgo.TransactionEndTry, topic string) {
	t.Helper()
	cl := newClient(t, b, kgo.TransactionalID("aurum-test-"+prefix))
	if err := cl.BeginTransaction(); err != nil {
		t.Fatalf("begin transaction: %v", err)
	}
	var recs []*kgo.Record
	for i := range 3 {
		recs = append(recs, &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "%s-%d", prefix, i), Value: []byte("txn")})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce in transaction: %v", err)
	}
	if err := cl.EndTransaction(ctx, end); err != nil {
		t.Fatalf("end transaction: %v", err)
	}
	cl.Close()
}

// consumeAll reads topic from the start with read_committed isolation until
// n records arrived, waits a second for any unexpected extra ones, and
// returns all their keys sorted.
func consumeAll(ctx context.Context, t *testing.T, b *broker.Broker, topic string, n int) []string {
	t.Helper()
	cl := newClient(t, b,
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	var keys []string
	for len(keys) < n {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(keys), n, err)
		}
		fetches.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fetches.EachRecord(func(r *kgo.Record) { keys = append(keys, string(r.Key)) })
	}
	// Anything visible beyond n (an aborted record, say) shows up here.
	extraCtx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	cl.PollFetches(extraCtx).EachRecord(func(r *kgo.Record) { keys = append(keys, string(r.Key)) })
	slices.Sort(keys)
	return keys
}

func ptr[T any](v T) *T { return &v }
