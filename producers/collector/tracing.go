package collector

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// startPage starts the span of one page of series s, "collector.page",
// when the collector traces; ctx as it is and a nil span otherwise.
func (c *Collector) startPage(ctx context.Context, s Series, cursor string) (context.Context, trace.Span) {
	if c.deps.Tracer == nil {
		return ctx, nil
	}
	return c.deps.Tracer.Start(ctx, "collector.page", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("aurum.collector", c.name), attribute.String("aurum.series", s.Key),
			attribute.String("aurum.cursor", cursor)))
}

// endPage ends a page's span with the number of records it published.
func endPage(span trace.Span, records int, err error) {
	if span != nil {
		span.SetAttributes(attribute.Int("messaging.batch.message_count", records))
	}
	telemetry.EndSpan(span, err)
}

// pageHeaders are the headers of a page's records: the page span's trace
// context, which the materialisers' batch spans link to; none when the
// collector does not trace.
func (c *Collector) pageHeaders(ctx context.Context) []kgo.RecordHeader {
	if c.deps.Tracer == nil {
		return nil
	}
	return telemetry.InjectHeaders(ctx, nil)
}
