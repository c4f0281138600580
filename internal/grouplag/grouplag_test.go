package grouplag

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	plain = "aurum.test.plain.v1"
	txn   = "aurum.test.txn.v1"
)

var now = time.Date(2026, 6, 9, 12, 0, 0, 0, time.UTC)

// cluster is a kfake cluster of three brokers, so that partitions have
// different leaders, with a plain topic of three partitions and a topic of
// one partition written in transactions.
func cluster(t *testing.T) (brokers []string, cl *kgo.Client) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, plain), kfake.SeedTopics(1, txn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err = kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(plain),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.TransactionalID("grouplag-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return c.ListenAddrs(), cl
}

// produce writes one record written age ago to each partition in ages,
// in a transaction that commits or aborts.
func produce(t *testing.T, cl *kgo.Client, topic string, commit bool, ages map[int32]time.Duration) {
	t.Helper()
	ctx := context.Background()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for p, age := range ages {
		r := &kgo.Record{Topic: topic, Partition: p, Value: []byte("x"), Timestamp: now.Add(-age)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		t.Fatal(err)
	}
}

func commit(t *testing.T, cl *kgo.Client, group, topic string, offsets map[int32]int64) {
	t.Helper()
	var os kadm.Offsets
	for p, at := range offsets {
		os.AddOffset(topic, p, at, -1)
	}
	if err := kadm.NewClient(cl).CommitAllOffsets(context.Background(), group, os); err != nil {
		t.Fatal(err)
	}
}

func TestLag(t *testing.T) {
	t.Parallel()
	brokers, cl := cluster(t)
	// Plain: partition 0 holds records 10, 5 and 1 minutes old; 1 one
	// record a minute old; 2 nothing.
	produce(t, cl, plain, true, map[int32]time.Duration{0: 10 * time.Minute, 1: time.Minute})
	produce(t, cl, plain, true, map[int32]time.Duration{0: 5 * time.Minute})
	produce(t, cl, plain, true, map[int32]time.Duration{0: time.Minute})
	// Txn: an aborted record, then a committed one 2 minutes old, then a
	// committed one 30 s old.
	produce(t, cl, txn, false, map[int32]time.Duration{0: time.Hour})
	produce(t, cl, txn, true, map[int32]time.Duration{0: 2 * time.Minute})
	produce(t, cl, txn, true, map[int32]time.Duration{0: 30 * time.Second})

	// Offsets on the plain topic: record, marker, record, marker, record,
	// marker. On the txn topic: aborted record, marker, record, marker,
	// record, marker.
	commit(t, cl, "behind", plain, map[int32]int64{0: 2, 1: 2})    // after the first record: 5 min
	commit(t, cl, "caught-up", plain, map[int32]int64{0: 5, 1: 1}) // after the last record, before its marker
	commit(t, cl, "caught-up", txn, map[int32]int64{0: 5})
	commit(t, cl, "past-abort", txn, map[int32]int64{0: 0}) // at the aborted record: the next committed is 2 min old

	m, err := New(Config{Brokers: brokers, Now: func() time.Time { return now }, Groups: map[string][]string{
		"behind":     {plain},
		"caught-up":  {plain, txn},
		"past-abort": {txn},
		"new":        {plain}, // nothing committed: from the start, 10 min
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lags, err := m.Lag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for group, want := range map[string]Lag{
		"behind":     {Records: 4, Seconds: 300},
		"caught-up":  {Records: 3, Seconds: 0},
		"past-abort": {Records: 6, Seconds: 120},
		"new":        {Records: 8, Seconds: 600},
	} {
		if got := lags[group]; got != want {
			t.Errorf("group %s: lag %+v, want %+v", group, got, want)
		}
	}
}

func TestLagIsReusedForMaxAge(t *testing.T) {
	t.Parallel()
	brokers, cl := cluster(t)
	clock := now
	m, err := New(Config{Brokers: brokers, MaxAge: time.Minute, Now: func() time.Time { return clock },
		Groups: map[string][]string{"g": {plain}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	ctx := context.Background()
	if lags, err := m.Lag(ctx); err != nil || lags["g"] != (Lag{}) {
		t.Fatalf("empty topic: %v, %v", lags, err)
	}
	produce(t, cl, plain, true, map[int32]time.Duration{0: 0})
	clock = clock.Add(30 * time.Second)
	if lags, _ := m.Lag(ctx); lags["g"] != (Lag{}) {
		t.Errorf("within MaxAge: %v, want the first measurement", lags)
	}
	clock = clock.Add(30 * time.Second)
	if lags, _ := m.Lag(ctx); lags["g"] != (Lag{Records: 2, Seconds: 60}) {
		t.Errorf("after MaxAge: %v, want a new measurement", lags)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no brokers":      {Groups: map[string][]string{"g": {plain}}},
		"no groups":       {Brokers: []string{"127.0.0.1:1"}},
		"group no topics": {Brokers: []string{"127.0.0.1:1"}, Groups: map[string][]string{"g": nil}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
