package collector_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestPageSpansTheirRecordsCarry: with a tracer, each page is a span, and
// the page's records carry its trace context for the materialisers to link
// to.
func TestPageSpansTheirRecordsCarry(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	e := newSourceEnv(t)
	e.tracer = sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)).Tracer("test")
	tc := fredGDP("fred")
	srv := httptest.NewServer(replayRoutes(t, tc.routes))
	t.Cleanup(srv.Close)
	e.run(t, tc, srv.URL)

	pages := map[string]bool{}
	for _, s := range exp.GetSpans() {
		if s.Name == "collector.page" {
			pages[fmt.Sprintf("00-%s-%s-01", s.SpanContext.TraceID(), s.SpanContext.SpanID())] = true
		}
	}
	if len(pages) == 0 {
		t.Fatalf("no collector.page span among %d", len(exp.GetSpans()))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	read(ctx, t, e.client, tc.topic, func(r *kgo.Record) {
		n++
		for _, h := range r.Headers {
			if h.Key == "traceparent" && pages[string(h.Value)] {
				return
			}
		}
		t.Errorf("record at offset %d carries no page's traceparent: %v", r.Offset, r.Headers)
	})
	if n != 200 {
		t.Errorf("%d records, want 200", n)
	}
}
