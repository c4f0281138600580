package materializer_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/topology"
)

// price is a row of the example's table.
type price struct {
	metal string
	usd   float64
}

// prices is a toy Sink: a record "gold=2650.5" is a row of a table of
// prices, kept in a map. A real sink decodes with internal/serde and writes
// with internal/market in the transaction it is given.
type prices struct {
	mu      sync.Mutex
	table   map[string]float64
	written chan struct{} // signalled after each Write
}

func (*prices) Decode(_ context.Context, rec *kgo.Record) (price, error) {
	metal, value, _ := strings.Cut(string(rec.Value), "=")
	usd, err := strconv.ParseFloat(value, 64)
	if err != nil {
		// Retrying cannot help: the record goes to the dead-letter topic.
		return price{}, materializer.Reject(deadletter.StageDecode, "not_a_price", value)
	}
	return price{metal, usd}, nil
}

func (*prices) Key(p *price) string { return p.metal }

func (s *prices) Write(_ context.Context, _ pgx.Tx, rows []price) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range rows {
		s.table[p.metal] = p.usd
	}
	select {
	case s.written <- struct{}{}:
	default:
	}
	return nil
}

func (*prices) Table() string { return "prices" }

// waitFor returns once the table holds usd for metal.
func (s *prices) waitFor(metal string, usd float64) {
	for {
		s.mu.Lock()
		got := s.table[metal]
		s.mu.Unlock()
		if got == usd {
			return
		}
		<-s.written
	}
}

// memory stands in for the database (*store.Store): its transactions and
// their savepoints keep nothing, the toy sink keeps its own map.
type memory struct{}

func (memory) InTx(_ context.Context, fn func(pgx.Tx) error) error { return fn(memoryTx{}) }

type memoryTx struct{ pgx.Tx }

func (t memoryTx) Begin(context.Context) (pgx.Tx, error) { return t, nil }
func (memoryTx) Commit(context.Context) error            { return nil }
func (memoryTx) Rollback(context.Context) error          { return nil }

// A materialiser consumes a topic as a consumer group and writes it through
// a Sink: the last record of each key wins, a record the sink rejects goes
// to the topic's dead-letter topic with its reason, and offsets are
// committed only once the rows are written. Here on an in-process broker.
func Example() {
	const topic = "example.prices.v1"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic, topology.DeadLetterTopic(topic)))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()
	producer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		panic(err)
	}
	defer producer.Close()
	ctx := context.Background()
	for _, v := range []string{"gold=2650.5", "copper=n/a", "silver=31.2", "gold=2651"} {
		if err := producer.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			panic(err)
		}
	}

	sink := &prices{table: map[string]float64{}, written: make(chan struct{}, 1)}
	m, err := materializer.New(materializer.Config{
		Group:   "example-prices-materializer",
		Topics:  []string{topic},
		Brokers: cluster.ListenAddrs(),
	}, sink, materializer.Deps{DB: memory{}})
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- m.Run(runCtx) }()
	sink.waitFor("gold", 2651) // the last record produced
	// Run finishes the batch in hand — rows written, dead letters
	// produced, offsets committed — and returns.
	stop()
	if err := <-done; err != nil {
		panic(err)
	}
	for _, metal := range slices.Sorted(maps.Keys(sink.table)) {
		fmt.Println(metal, sink.table[metal])
	}

	dlq, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...),
		kgo.ConsumeTopics(topology.DeadLetterTopic(topic)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		panic(err)
	}
	defer dlq.Close()
	dlq.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
		fmt.Printf("dead letter %q: %s\n", r.Value, deadletter.Header(r, deadletter.HeaderReason))
	})
	// Output:
	// gold 2651
	// silver 31.2
	// dead letter "copper=n/a": not_a_price: n/a
}
