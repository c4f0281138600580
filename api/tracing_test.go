package api

import (
	"fmt"
	"net/http"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestRunRequestCarriesItsSpan: with a tracer, POST run is a server span
// named for its route that continues the client's trace, or starts one;
// the run's outbox records carry that span's traceparent (not the
// client's), and the request's log lines its trace_id and span_id.
func TestRunRequestCarriesItsSpan(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	s := newTracedScenarioServer(t, tp.Tracer("test"))
	id := s.createScenario(t, acmeEditor, "traced")

	const clientTrace, clientSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	for i, tc := range []struct{ name, traceparent string }{
		{"continues the client's trace", "00-" + clientTrace + "-" + clientSpan + "-01"},
		{"starts a trace", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp.Reset()
			run := s.postRun(t, acmeAnalyst, id, fmt.Sprintf(`{"seed": %d}`, i+100), http.StatusAccepted,
				"traceparent", tc.traceparent)
			var span *tracetest.SpanStub
			for _, sp := range exp.GetSpans() {
				if sp.Name == "POST /v1/scenarios/:id/runs" {
					span = &sp
				}
			}
			if span == nil {
				t.Fatalf("no span named for the route among %d", len(exp.GetSpans()))
			}
			sc := span.SpanContext
			switch {
			case tc.traceparent != "" && (sc.TraceID().String() != clientTrace || span.Parent.SpanID().String() != clientSpan):
				t.Errorf("span %s, parent %s: want the client's trace and span as parent", sc.TraceID(), span.Parent.SpanID())
			case tc.traceparent == "" && span.Parent.IsValid():
				t.Errorf("span has parent %s without a traceparent", span.Parent.SpanID())
			}

			want := fmt.Sprintf("00-%s-%s-01", sc.TraceID(), sc.SpanID())
			for _, r := range s.outbox(t, run["id"].(string)) {
				if r.Headers["traceparent"] != want {
					t.Errorf("outbox row %s: traceparent %q, want the span's %q", r.Topic, r.Headers["traceparent"], want)
				}
			}
			var logged bool
			for _, l := range s.logs.lines(t) {
				if l["msg"] == "http request" && l["span_id"] == sc.SpanID().String() {
					logged = l["trace_id"] == sc.TraceID().String()
				}
			}
			if !logged {
				t.Errorf("no access log line with the span's trace_id and span_id")
			}
		})
	}
}
