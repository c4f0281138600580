package api

import (
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves the Prometheus registry (Aurum, Kafka client and Go
// runtime metrics) in the exposition format.
func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{
		ErrorLog:          slogPromLogger{s},
		EnableOpenMetrics: true,
	}))
}

// slogPromLogger adapts promhttp's error log to slog.
type slogPromLogger struct{ s *Server }

func (l slogPromLogger) Println(v ...any) {
	l.s.logger.Error("serve metrics", "error", v)
}
