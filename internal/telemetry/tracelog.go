package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Attributes of a log line written inside a span.
const (
	LogTraceID = "trace_id"
	LogSpanID  = "span_id"
)

// traceHandler adds the trace_id and span_id of the current span to every
// record: the span of the context the record is logged with, else the span
// the logger was bound to by LoggerWithSpan.
type traceHandler struct {
	slog.Handler
	span trace.SpanContext
}

// NewTraceHandler wraps h so that log lines written inside a span carry
// its trace_id and span_id. cmd/aurum installs it when tracing is on.
func NewTraceHandler(h slog.Handler) slog.Handler { return traceHandler{Handler: h} }

// Handle adds the span's ids to r.
func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		sc = h.span
	}
	if sc.IsValid() {
		r.AddAttrs(slog.String(LogTraceID, sc.TraceID().String()), slog.String(LogSpanID, sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the bound span.
func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{Handler: h.Handler.WithAttrs(attrs), span: h.span}
}

// WithGroup keeps the bound span.
func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{Handler: h.Handler.WithGroup(name), span: h.span}
}

// LoggerWithSpan returns l bound to the span in ctx: its lines carry the
// span's ids even when logged without a context (l.Info), as most of
// Aurum's are. l is returned as it is when it has no NewTraceHandler
// (tracing off) or ctx no span.
func LoggerWithSpan(ctx context.Context, l *slog.Logger) *slog.Logger {
	h, ok := l.Handler().(traceHandler)
	sc := trace.SpanContextFromContext(ctx)
	if !ok || !sc.IsValid() {
		return l
	}
	h.span = sc
	return slog.New(h)
}
