package materializer_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/topology"
)

// TestBatchSpanLinksProducers: with a tracer, each batch is a span of its
// own, linked to the spans that produced its records, once per trace.
func TestBatchSpanLinksProducers(t *testing.T) {
	t.Parallel()
	const topic = "test.prices.v1"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic, topology.DeadLetterTopic(topic)))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	producer, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()

	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	producers := map[trace.TraceID]bool{}
	for _, v := range []string{"gold=1", "silver=2", "gold=3"} {
		pctx, span := tp.Tracer("producer").Start(ctx, "collector.page")
		producers[span.SpanContext().TraceID()] = true
		rec := &kgo.Record{Value: []byte(v), Headers: telemetry.InjectHeaders(pctx, nil)}
		if err := producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
		span.End()
	}
	if err := producer.ProduceSync(ctx, &kgo.Record{Value: []byte("copper=4")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	sink := &prices{table: map[string]float64{}, written: make(chan struct{}, 1)}
	m, err := materializer.New(materializer.Config{Group: "test-prices", Topics: []string{topic}, Brokers: cluster.ListenAddrs()},
		sink, materializer.Deps{DB: memory{}, Tracer: tp.Tracer("materializer")})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- m.Run(runCtx) }()
	sink.waitFor("copper", 4)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	linked := map[trace.TraceID]int{}
	rows := 0
	for _, s := range exp.GetSpans() {
		if s.Name != "materializer.batch" {
			continue
		}
		if s.Parent.IsValid() {
			t.Errorf("batch span has parent %s, want a root", s.Parent.SpanID())
		}
		for _, l := range s.Links {
			linked[l.SpanContext.TraceID()]++
		}
		for _, a := range s.Attributes {
			if a.Key == "aurum.rows" {
				rows += int(a.Value.AsInt64())
			}
		}
	}
	if len(linked) != len(producers) || rows < 3 {
		t.Fatalf("batches linked %v and wrote %d rows, want each of the %d producing traces and ≥ 3 rows", linked, rows, len(producers))
	}
	for id, n := range linked {
		if !producers[id] || n != 1 {
			t.Errorf("trace %s linked %d times, producer %v", id, n, producers[id])
		}
	}
}
