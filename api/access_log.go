package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// accessLogMiddleware writes one structured line per request: method, route
// template, path, status, duration, bytes, request_id, tenant and user. Probes and
// scrapes (open operational routes) log at debug to keep production logs for
// traffic that matters; 5xx responses log at error.
func (s *Server) accessLogMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // normally done by errorMiddleware; here for safety
		}
		status := c.Response().Status
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case operationalRoutes[c.Path()]:
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request().Method),
			slog.String("route", s.routeLabel(c)),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", c.Response().Size),
		}
		if p, ok := PrincipalFrom(c.Request().Context()); ok && p.Subject != "" {
			attrs = append(attrs, slog.String("user", p.Subject))
		}
		// The request logger already carries request_id and, once the
		// caller is authenticated, tenant.
		s.requestLogger(c).LogAttrs(context.Background(), level, "http request", attrs...)
		return nil
	}
}
