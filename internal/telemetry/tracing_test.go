package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestTracingOffHasNoTracer(t *testing.T) {
	t.Parallel()
	for _, exporter := range []string{"", "none", " NONE "} {
		tr, err := NewTracing(TracingConfig{Exporter: exporter})
		if err != nil || tr.Enabled() || tr.Tracer("x") != nil || tr.Shutdown(context.Background()) != nil {
			t.Errorf("exporter %q: %v, enabled %v", exporter, err, tr.Enabled())
		}
	}
	if _, err := NewTracing(TracingConfig{Exporter: "zipkin"}); err == nil || !strings.Contains(err.Error(), "zipkin") {
		t.Errorf("unknown exporter: %v", err)
	}
}

func TestConsoleExporterWritesSpans(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	tr, err := NewTracing(TracingConfig{Exporter: "console", ServiceName: "aurum-test", Console: &out})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Tracer("test").Start(context.Background(), "hello")
	span.End()
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name        string
		SpanContext struct{ TraceID string }
		Resource    []struct {
			Key   string
			Value struct{ Value any }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("console output %q: %v", out.String(), err)
	}
	service := ""
	for _, kv := range got.Resource {
		if kv.Key == "service.name" {
			service = fmt.Sprint(kv.Value.Value)
		}
	}
	if got.Name != "hello" || got.SpanContext.TraceID != span.SpanContext().TraceID().String() || service != "aurum-test" {
		t.Errorf("span %+v of service %q", got, service)
	}
}

func TestParseSampler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, arg, want string }{
		{"", "", "ParentBased{root:AlwaysOnSampler"},
		{"always_off", "0.5", "AlwaysOffSampler"},
		{"traceidratio", "0.25", "TraceIDRatioBased{0.25}"},
		{"parentbased_traceidratio", "", "ParentBased{root:TraceIDRatioBased{1}"},
		{"sometimes", "", "error"},
		{"traceidratio", "1.5", "error"},
	} {
		s, err := ParseSampler(tc.name, tc.arg)
		got := "error"
		if err == nil {
			got = s.Description()
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("ParseSampler(%q, %q) = %s, want %s", tc.name, tc.arg, got, tc.want)
		}
	}
}

func TestTracesURL(t *testing.T) {
	t.Parallel()
	if u, err := TracesURL("http://collector:4318/"); err != nil || u != "http://collector:4318/v1/traces" {
		t.Errorf("TracesURL = %q, %v", u, err)
	}
	if _, err := TracesURL("collector:4318"); err == nil {
		t.Error("a URL without a scheme is accepted")
	}
}

// spanContext is a context in a recording span of a fresh provider.
func spanContext(t *testing.T) (context.Context, trace.Span) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewInMemoryExporter()))
	return tp.Tracer("test").Start(context.Background(), "s")
}

func TestRecordPropagation(t *testing.T) {
	t.Parallel()
	if Traceparent(context.Background()) != "" {
		t.Error("a context without a span has a traceparent")
	}
	ctx, span := spanContext(t)
	sc := span.SpanContext()
	want := fmt.Sprintf("00-%s-%s-01", sc.TraceID(), sc.SpanID())
	if got := Traceparent(ctx); got != want {
		t.Errorf("Traceparent = %q, want %q", got, want)
	}

	shared := []kgo.RecordHeader{{Key: "aurum.tenant", Value: []byte("acme")}, {Key: "traceparent", Value: []byte("old")}}
	headers := InjectHeaders(ctx, shared)
	if string(shared[1].Value) != "old" {
		t.Error("InjectHeaders changed the headers it was given")
	}
	rec := &kgo.Record{Headers: headers}
	if len(headers) != 2 || string(headers[1].Value) != want {
		t.Errorf("headers = %v, want the tenant and %s", headers, want)
	}
	if got := trace.SpanContextFromContext(RecordContext(context.Background(), rec)); got.SpanID() != sc.SpanID() || !got.IsRemote() {
		t.Errorf("RecordContext = %v, want the remote span %s", got, sc.SpanID())
	}
	if got := InjectHeaders(context.Background(), shared); &got[0] != &shared[0] {
		t.Error("InjectHeaders without a span copied the headers")
	}
}

func TestLinksOnePerTrace(t *testing.T) {
	t.Parallel()
	var l Links
	l.Add(&kgo.Record{})
	l.Add(&kgo.Record{Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte("junk")}}})
	for range 2 {
		l.Add(&kgo.Record{Headers: []kgo.RecordHeader{{Key: "traceparent", Value: []byte("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}}})
	}
	if len(l.Links()) != 1 {
		t.Fatalf("links = %v, want one", l.Links())
	}
	for range MaxLinks + 5 {
		ctx, _ := spanContext(t)
		l.Add(&kgo.Record{Headers: InjectHeaders(ctx, nil)})
	}
	if len(l.Links()) != MaxLinks {
		t.Errorf("%d links, want at most %d", len(l.Links()), MaxLinks)
	}
}

func TestTraceHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := slog.New(NewTraceHandler(slog.NewJSONHandler(&buf, nil))).With(slog.String("k", "v"))
	ctx, span := spanContext(t)
	other, otherSpan := spanContext(t)
	line := func(log func()) map[string]any {
		buf.Reset()
		log()
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		log  func()
		want trace.Span
	}{
		{"no span", func() { base.Info("m") }, nil},
		{"the context's span", func() { base.InfoContext(ctx, "m") }, span},
		{"the bound span", func() { LoggerWithSpan(ctx, base).Info("m") }, span},
		{"the context's span over the bound one", func() { LoggerWithSpan(ctx, base).InfoContext(other, "m") }, otherSpan},
		{"bound again", func() { LoggerWithSpan(other, LoggerWithSpan(ctx, base)).With("x", 1).Info("m") }, otherSpan},
	} {
		m := line(tc.log)
		want := map[string]any{"k": "v"}
		if tc.want != nil {
			want[LogTraceID] = tc.want.SpanContext().TraceID().String()
			want[LogSpanID] = tc.want.SpanContext().SpanID().String()
		}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("%s: %s = %v, want %v", tc.name, k, m[k], v)
			}
		}
		if _, ok := m[LogTraceID]; ok && tc.want == nil {
			t.Errorf("%s: trace_id without a span", tc.name)
		}
	}
	plain := slog.New(slog.DiscardHandler)
	if LoggerWithSpan(ctx, plain) != plain {
		t.Error("a logger without the trace handler was rebound")
	}
}
