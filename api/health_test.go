package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/grouplag"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{RateLimit: RateLimitConfig{Disabled: true}}, Deps{})
	rec := s.do(t, http.MethodGet, "/health", nil)
	if rec.Code != http.StatusOK || decodeJSON(t, rec)["status"] != "ok" {
		t.Fatalf("GET /health = %d %s", rec.Code, rec.Body)
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }

	t.Run("all ok", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, Config{RateLimit: RateLimitConfig{Disabled: true}}, Deps{
			Checks: []Check{{"postgres", ok}, {"redis", ok}},
		})
		rec := s.do(t, http.MethodGet, "/ready", nil)
		body := decodeJSON(t, rec)
		checks, _ := body["checks"].(map[string]any)
		if rec.Code != http.StatusOK || body["status"] != "ready" || checks["postgres"] != "ok" || checks["redis"] != "ok" {
			t.Fatalf("GET /ready = %d %s", rec.Code, rec.Body)
		}
	})

	t.Run("failing and slow checks", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, Config{ReadyTimeout: 200 * time.Millisecond, RateLimit: RateLimitConfig{Disabled: true}}, Deps{
			Checks: []Check{
				{"postgres", ok},
				{"kafka", func(context.Context) error { return errors.New("dial tcp 10.0.0.1:9092: refused") }},
				{"registry", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
				{"stuck", func(context.Context) error { time.Sleep(2 * time.Second); return nil }},
			},
		})
		start := time.Now()
		rec := s.do(t, http.MethodGet, "/ready", nil)
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("readiness took %s; checks must run concurrently and time out", d)
		}
		p := problemOf(t, rec, http.StatusServiceUnavailable)
		detail := p["detail"].(string)
		for _, name := range []string{"kafka", "registry", "stuck"} {
			if !strings.Contains(detail, name) {
				t.Errorf("detail %q does not name %s", detail, name)
			}
		}
		if strings.Contains(detail, "postgres") || strings.Contains(rec.Body.String(), "10.0.0.1") {
			t.Errorf("body names a healthy check or leaks a cause: %s", rec.Body)
		}
		checks := p["checks"].(map[string]any)
		if checks["postgres"] != "ok" || checks["kafka"] != "failed" || checks["registry"] != "timeout" {
			t.Errorf("checks = %v", checks)
		}
	})
}

// lagFunc is a Lags of a func.
type lagFunc func(ctx context.Context) (map[string]grouplag.Lag, error)

func (f lagFunc) Lag(ctx context.Context) (map[string]grouplag.Lag, error) { return f(ctx) }

// TestReadyShowsLag: /ready shows the consumer groups' lag beside its
// checks, on 200 and 503 alike; a lag that cannot be measured is left out
// and never fails readiness.
func TestReadyShowsLag(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }
	lagging := lagFunc(func(context.Context) (map[string]grouplag.Lag, error) {
		return map[string]grouplag.Lag{"aurum-curve-materializer": {Records: 1200, Seconds: 95.5}}, nil
	})
	for _, tc := range []struct {
		name    string
		checks  []Check
		lags    Lags
		status  int
		wantLag bool
	}{
		{"ready and lagging", []Check{{"postgres", ok}}, lagging, http.StatusOK, true},
		{"not ready", []Check{{"postgres", func(context.Context) error { return errors.New("down") }}}, lagging, http.StatusServiceUnavailable, true},
		{"lag failing", []Check{{"postgres", ok}}, lagFunc(func(context.Context) (map[string]grouplag.Lag, error) {
			return nil, errors.New("broker gone")
		}), http.StatusOK, false},
		{"lag hanging", []Check{{"postgres", ok}}, lagFunc(func(context.Context) (map[string]grouplag.Lag, error) {
			time.Sleep(2 * time.Second)
			return nil, nil
		}), http.StatusOK, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, Config{ReadyTimeout: 200 * time.Millisecond, RateLimit: RateLimitConfig{Disabled: true}},
				Deps{Checks: tc.checks, Lags: tc.lags})
			start := time.Now()
			rec := s.do(t, http.MethodGet, "/ready", nil)
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Errorf("readiness took %s; the lag must be bounded by the timeout", d)
			}
			if rec.Code != tc.status {
				t.Fatalf("GET /ready = %d %s, want %d", rec.Code, rec.Body, tc.status)
			}
			lag, has := decodeJSON(t, rec)["lag"].(map[string]any)
			if has != tc.wantLag {
				t.Fatalf("lag shown %v, want %v: %s", has, tc.wantLag, rec.Body)
			}
			if !has {
				return
			}
			g, _ := lag["aurum-curve-materializer"].(map[string]any)
			if g["records"] != 1200.0 || g["seconds"] != 95.5 {
				t.Errorf("lag = %v", lag)
			}
		})
	}
}
