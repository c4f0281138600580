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

	"github.com/aurum-energy/aurum/internal/grouplag"
)

// Check is a named readiness check run by GET /ready: Postgres, Redis,
// Kafka, the schema registry. Fn must honour ctx's deadline.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Lags reports consumer groups' lag (*grouplag.Monitor).
type Lags interface {
	Lag(ctx context.Context) (map[string]grouplag.Lag, error)
}

// health answers liveness probes: the process serves HTTP.
func (s *Server) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ready runs every check concurrently, each bounded by ReadyTimeout, and
// answers 200 when all pass or a 503 problem naming the failing ones. Causes
// are logged, not returned, since the endpoint is open to anyone. Beside
// the checks it shows the consumer groups' lag, which informs but never
// fails readiness: a lagging materialiser does not make this instance
// unable to serve.
func (s *Server) ready(c echo.Context) error {
	lagc := make(chan map[string]grouplag.Lag, 1)
	go func() { lagc <- s.consumerLag(c) }()
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
	detail := map[string]any{"checks": results}
	if lag := <-lagc; lag != nil {
		detail["lag"] = lag
	}
	if len(failed) > 0 {
		slices.Sort(failed)
		p := NewProblem(http.StatusServiceUnavailable, "not-ready", "not ready: "+describeFailed(failed, results))
		p.Extensions = detail
		return p
	}
	detail["status"] = "ready"
	return c.JSON(http.StatusOK, detail)
}

// consumerLag is the lag of the consumer groups of Deps.Lags, or nil
// when there is none or it cannot be measured within ReadyTimeout (which is
// logged).
func (s *Server) consumerLag(c echo.Context) map[string]grouplag.Lag {
	if s.lags == nil {
		return nil
	}
	logger := s.requestLogger(c)
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.ReadyTimeout)
	defer cancel()
	done := make(chan map[string]grouplag.Lag, 1)
	go func() {
		lag, err := s.lags.Lag(ctx)
		if err != nil && ctx.Err() == nil { // else logged below
			logger.Warn("consumer lag not measured", slog.Any("error", err))
		}
		done <- lag
	}()
	select {
	case lag := <-done:
		return lag
	case <-ctx.Done():
		logger.Warn("consumer lag not measured", slog.Any("error", ctx.Err()))
		return nil
	}
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
