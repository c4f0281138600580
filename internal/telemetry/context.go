package telemetry

import (
	"context"
	"log/slog"
)

type ctxKey int

const (
	loggerKey ctxKey = iota
	requestIDKey
)

// ContextWithLogger returns ctx carrying l, a logger already enriched with
// request- or run-scoped attributes (request_id, tenant, run_id, ...).
func ContextWithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey, l)
}

// LoggerFromContext returns the logger stored by ContextWithLogger, or
// fallback when ctx carries none. A nil fallback yields a logger that
// discards everything, so callers never need a nil check.
func LoggerFromContext(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok && l != nil {
		return l
	}
	if fallback != nil {
		return fallback
	}
	return slog.New(slog.DiscardHandler)
}

// ContextWithRequestID returns ctx carrying the id of the HTTP request that
// started the work, so that producers can set the x-request-id Kafka header.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id stored by ContextWithRequestID,
// or "" when there is none.
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
