package materializer

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// startBatch starts the span of one polled batch, "materializer.batch",
// linked to the spans that produced its records (their traceparent, one
// link per trace, at most telemetry.MaxLinks): a batch serves many
// producers' traces, so it is a root of its own rather than any one's
// child. Call it only when the materialiser traces.
func (m *Materializer[K, R]) startBatch(ctx context.Context, parts []partitionBatch, records int) (context.Context, trace.Span) {
	var (
		links  telemetry.Links
		topics []string
	)
	for _, p := range parts {
		if !slices.Contains(topics, p.topic) {
			topics = append(topics, p.topic)
		}
		for _, rec := range p.records {
			links.Add(rec)
		}
	}
	return m.tracer.Start(ctx, "materializer.batch",
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithLinks(links.Links()...),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.operation.type", "process"),
			attribute.StringSlice("messaging.destination.names", topics),
			attribute.String("messaging.consumer.group.name", m.cfg.Group),
			attribute.Int("messaging.batch.message_count", records),
			attribute.Int("aurum.partitions", len(parts)),
		))
}

// traceWritten records on the batch's span what it wrote.
func (m *Materializer[K, R]) traceWritten(ctx context.Context, rows, deadLetters int) {
	if m.tracer == nil {
		return
	}
	trace.SpanFromContext(ctx).SetAttributes(attribute.String("aurum.table", m.sink.Table()),
		attribute.Int("aurum.rows", rows), attribute.Int("aurum.dead_letters", deadLetters))
}
