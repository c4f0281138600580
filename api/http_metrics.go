package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// unmatchedRoute labels requests that matched no route, so that scanners
// probing random paths cannot blow up the metrics' cardinality.
const unmatchedRoute = "unmatched"

// metricsMiddleware counts responses and observes latency labelled with the
// route template (/v1/runs/:run_id), never the raw path.
func (s *Server) metricsMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route, method := s.routeLabel(c), methodLabel(c.Request().Method)
		s.metrics.HTTPRequests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		s.metrics.HTTPRequestDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// routeLabel is the route template c matched, or "unmatched".
func (s *Server) routeLabel(c echo.Context) string {
	if p := c.Path(); s.routePaths[p] {
		return p
	}
	return unmatchedRoute
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
