package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

// tracingMiddleware makes a server span of each request, named for the
// method and the route template ("POST /v1/scenarios/:id/runs"), which
// continues the caller's trace when the request carries a valid
// traceparent. The request's logger is bound to the span, so its lines
// carry trace_id and span_id; the run records a request announces carry
// the span's context (outboxHeaders). It is installed only when the
// server has a tracer.
func (s *Server) tracingMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		name := req.Method
		if route := c.Path(); s.routePaths[route] {
			name += " " + route
		}
		ctx, span := s.tracer.Start(telemetry.ExtractHTTP(req.Context(), req.Header), name,
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", req.Method),
				attribute.String("http.route", s.routeLabel(c)),
				attribute.String("url.path", req.URL.Path),
				attribute.String("aurum.request_id", requestID(c)),
			))
		defer span.End()
		ctx = telemetry.ContextWithLogger(ctx, telemetry.LoggerWithSpan(ctx, telemetry.LoggerFromContext(ctx, s.logger)))
		c.SetRequest(req.WithContext(ctx))

		err := next(c)
		if err != nil {
			c.Error(err) // normally done by errorMiddleware; here for safety
		}
		status := c.Response().Status
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if p, ok := PrincipalFrom(c.Request().Context()); ok {
			span.SetAttributes(attribute.String("aurum.tenant", p.Tenant))
		}
		if status >= http.StatusInternalServerError {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		return nil
	}
}
