package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRateLimitPerTenant(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{
		Auth:      AuthConfig{Mode: AuthNone},
		RateLimit: RateLimitConfig{RequestsPerSecond: 0.5, Burst: 3},
	}, Deps{})
	s.addTestRoutes()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	busy, quiet := "busy-"+suffix, "quiet-"+suffix

	for i := range 3 {
		rec := s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: busy})
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i+1, rec.Code, rec.Body)
		}
		if got, want := rec.Header().Get("RateLimit-Remaining"), strconv.Itoa(2-i); got != want {
			t.Errorf("request %d: RateLimit-Remaining = %s, want %s", i+1, got, want)
		}
	}
	rec := s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: busy})
	p := problemOf(t, rec, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || retry < 1 || retry > 2 {
		t.Fatalf("Retry-After = %q, want 1..2 seconds at 0.5 req/s", rec.Header().Get("Retry-After"))
	}
	if !strings.Contains(p["detail"].(string), busy) {
		t.Errorf("detail = %v", p["detail"])
	}

	// The bucket is one key per tenant holding an integer TAT that expires.
	ctx := context.Background()
	tat, err := s.redis.Get(ctx, rateLimitKeyPrefix+busy).Result()
	if _, perr := strconv.ParseInt(tat, 10, 64); err != nil || perr != nil {
		t.Errorf("bucket value %q (%v), want integer microseconds", tat, err)
	}
	if ttl := s.redis.PTTL(ctx, rateLimitKeyPrefix+busy).Val(); ttl <= 0 || ttl > 7*time.Second {
		t.Errorf("bucket TTL = %s, want about burst/rate", ttl)
	}

	if rec := s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: quiet}); rec.Code != http.StatusOK {
		t.Fatalf("other tenant limited too: %d %s", rec.Code, rec.Body)
	}
	if rec := s.do(t, http.MethodGet, "/health", map[string]string{HeaderTenant: busy}); rec.Code != http.StatusOK {
		t.Fatalf("open routes are not rate limited: %d", rec.Code)
	}
}

func TestRateLimitRefills(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{
		Auth:      AuthConfig{Mode: AuthNone},
		RateLimit: RateLimitConfig{RequestsPerSecond: 20, Burst: 1},
	}, Deps{})
	s.addTestRoutes()
	h := map[string]string{HeaderTenant: fmt.Sprintf("refill-%d", time.Now().UnixNano())}
	if rec := s.do(t, http.MethodGet, "/v1/test/curves", h); rec.Code != http.StatusOK {
		t.Fatalf("first: %d", rec.Code)
	}
	if rec := s.do(t, http.MethodGet, "/v1/test/curves", h); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second at once: %d, want 429", rec.Code)
	}
	time.Sleep(120 * time.Millisecond) // > 1/20 s
	if rec := s.do(t, http.MethodGet, "/v1/test/curves", h); rec.Code != http.StatusOK {
		t.Fatalf("after refill: %d", rec.Code)
	}
}

// TestRateLimitFailsOpen: with Redis unreachable, requests pass and a
// warning is logged (see rateLimitMiddleware for why).
func TestRateLimitFailsOpen(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = dead.Close() })
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{RequestsPerSecond: 1, Burst: 1}},
		Deps{Redis: dead})
	s.addTestRoutes()
	for range 3 {
		if rec := s.do(t, http.MethodGet, "/v1/test/curves", nil); rec.Code != http.StatusOK {
			t.Fatalf("status = %d, want 200 while Redis is down", rec.Code)
		}
	}
	if !strings.Contains(s.logs.String(), "rate limiter unavailable") {
		t.Fatalf("no warning logged:\n%s", s.logs)
	}
}
