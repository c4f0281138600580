package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// Check is a named readiness check run by GET /ready: Postgres, Redis,
// Kafka, the schema registry. Fn must honour ctx's deadline.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// health answers liveness probes: the process serves HTTP.
func (s *Server) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ready runs every check concurrently, each bounded by ReadyTimeout, and
// answers 200 when all pass or a 503 problem naming the failing ones. Causes
// are logged, not returned, since the endpoint is open to anyone.
func (s *Server) ready(c echo.Context) error {
	results := make(map[string]string, len(s.checks))
	var (
		mu     sync.Mutex
		failed []string
		wg     sync.WaitGroup
	)
	for _, chk := range s.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.runCheck(c.Request().Context(), chk)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results[chk.Name] = "ok"
				return
			case errors.Is(err, context.DeadlineExceeded):
				results[chk.Name] = "timeout"
			default:
				results[chk.Name] = "failed"
			}
			failed = append(failed, chk.Name)
			s.requestLogger(c).Warn("readiness check failed", slog.String("check", chk.Name), slog.Any("error", err))
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		slices.Sort(failed)
		p := NewProblem(http.StatusServiceUnavailable, "not-ready", "not ready: "+describeFailed(failed, results))
		p.Extensions = map[string]any{"checks": results}
		return p
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "checks": results})
}

func (s *Server) runCheck(parent context.Context, chk Check) (err error) {
	ctx, cancel := context.WithTimeout(parent, s.cfg.ReadyTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("check panicked: %v", r)
			}
		}()
		done <- chk.Fn(ctx)
	}()
	// A check that ignores ctx must not hold the probe past the timeout.
	select {
	case err = <-done:
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func describeFailed(failed []string, results map[string]string) string {
	parts := make([]string, len(failed))
	for i, name := range failed {
		parts[i] = fmt.Sprintf("%s (%s)", name, results[name])
	}
	return strings.Join(parts, ", ")
}
