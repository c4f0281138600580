package telemetry

import (
	"context"
	"net/http"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// W3C trace context travels in the traceparent (and tracestate) header of
// HTTP requests and Kafka records (docs/CONTRACTS.md#topics). The
// propagator is stateless, so it is a value rather than a global.
var traceContext propagation.TraceContext

// headerTraceparent is the W3C header carrying a span context.
const headerTraceparent = "traceparent"

// Traceparent is the W3C traceparent of the span in ctx, or "" when ctx
// has none (tracing off, or not in a span).
func Traceparent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	traceContext.Inject(ctx, c)
	return c[headerTraceparent]
}

// ExtractHTTP returns ctx carrying the caller's span context from the
// traceparent header of an HTTP request, when it has a valid one.
func ExtractHTTP(ctx context.Context, h http.Header) context.Context {
	return traceContext.Extract(ctx, propagation.HeaderCarrier(h))
}

// RecordContext returns ctx carrying the span context of rec's
// traceparent header, the span that produced it, when it has a valid one.
func RecordContext(ctx context.Context, rec *kgo.Record) context.Context {
	return traceContext.Extract(ctx, kotel.NewRecordCarrier(rec))
}

// InjectHeaders returns headers with the traceparent (and tracestate) of
// the span in ctx in place of any they had; headers as they are when ctx
// has no span. The result is a new slice, so that headers shared by other
// records are left alone.
func InjectHeaders(ctx context.Context, headers []kgo.RecordHeader) []kgo.RecordHeader {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return headers
	}
	rec := kgo.Record{Headers: append([]kgo.RecordHeader(nil), headers...)}
	traceContext.Inject(ctx, kotel.NewRecordCarrier(&rec))
	return rec.Headers
}

// MaxLinks bounds the links of a span over a batch of records: one per
// producing trace, up to this many.
const MaxLinks = 32

// Links gathers links to the spans that produced a batch of records, one
// per trace, at most MaxLinks. The zero value is ready to use.
type Links struct {
	seen  map[trace.TraceID]bool
	links []trace.Link
}

// Add links the span that produced rec, if it carries one.
func (l *Links) Add(rec *kgo.Record) {
	if len(l.links) >= MaxLinks || !hasHeader(rec, headerTraceparent) {
		return
	}
	sc := trace.SpanContextFromContext(RecordContext(context.Background(), rec))
	if !sc.IsValid() || l.seen[sc.TraceID()] {
		return
	}
	if l.seen == nil {
		l.seen = map[trace.TraceID]bool{}
	}
	l.seen[sc.TraceID()] = true
	l.links = append(l.links, trace.Link{SpanContext: sc})
}

// Links are the links gathered.
func (l *Links) Links() []trace.Link { return l.links }

func hasHeader(rec *kgo.Record, key string) bool {
	for _, h := range rec.Headers {
		if h.Key == key {
			return true
		}
	}
	return false
}
