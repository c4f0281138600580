package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/redisclient"
)

func TestRateLimitPerTenant(t *testing.T) {
	t.Parallel()
	s := limited(t, 0.5, 3, Deps{})
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
	s, h := limited(t, 20, 1, Deps{}), freshTenant("refill")
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

// TestRateLimitWithoutRedis: with Redis unreachable, the instance limits
// each tenant with the same rate and burst (see rateLimiter for why), and
// logs the outage once.
func TestRateLimitWithoutRedis(t *testing.T) {
	t.Parallel()
	dead, err := redisclient.New("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dead.Close() })
	s := limited(t, 0.01, 2, Deps{Redis: dead})
	busy := map[string]string{HeaderTenant: "busy"}
	for i := range 2 {
		if rec := s.do(t, http.MethodGet, "/v1/test/curves", busy); rec.Code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d, want 200 while Redis is down", i+1, rec.Code)
		}
	}
	rec := s.do(t, http.MethodGet, "/v1/test/curves", busy)
	problemOf(t, rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if rec := s.do(t, http.MethodGet, "/v1/test/curves", map[string]string{HeaderTenant: "quiet"}); rec.Code != http.StatusOK {
		t.Fatalf("another tenant: %d, want 200", rec.Code)
	}
	if n := strings.Count(s.logs.String(), "Redis unavailable"); n != 1 {
		t.Fatalf("logged the Redis outage %d times, want once:\n%s", n, s.logs)
	}
}

func TestLocalLimiter(t *testing.T) {
	t.Parallel()
	const interval = int64(time.Second / time.Microsecond) // 1 request/s
	newLimiter := func() *localLimiter {
		return &localLimiter{interval: interval, burst: 2, maxTenants: 3, tat: map[string]int64{}}
	}

	t.Run("burst then rate", func(t *testing.T) {
		t.Parallel()
		l := newLimiter()
		for i, want := range []limitDecision{
			{allowed: true, remaining: 1},
			{allowed: true, remaining: 0},
			{retryAfter: time.Second},
		} {
			if got := l.take("acme", 0); got != want {
				t.Errorf("request %d at once: %+v, want %+v", i+1, got, want)
			}
		}
		if got := l.take("acme", interval); !got.allowed {
			t.Errorf("a second later: %+v, want allowed", got)
		}
	})

	t.Run("bounded tenants", func(t *testing.T) {
		t.Parallel()
		l := newLimiter()
		for i := range 10 {
			l.take(fmt.Sprint("tenant-", i), 0)
			if len(l.tat) > l.maxTenants {
				t.Fatalf("%d tenants tracked, at most %d wanted", len(l.tat), l.maxTenants)
			}
		}
	})

	t.Run("full buckets are forgotten first", func(t *testing.T) {
		t.Parallel()
		l := newLimiter()
		l.take("idle", 0)            // full again after a second
		l.take("busy", 10*interval)  // both tokens spent
		l.take("busy", 10*interval)  //
		l.take("other", 10*interval) //
		l.take("new", 10*interval+1) // the limiter is full: idle goes
		if _, ok := l.tat["busy"]; !ok {
			t.Fatal("evicted a tenant whose bucket is not full while a full one was tracked")
		}
		if got := l.take("busy", 10*interval+1); got.allowed {
			t.Errorf("busy after eviction: %+v, want refused", got)
		}
	})
}

// TestRateLimitLeases: with a rate and burst of a hundred, an instance
// takes a tenant's requests from Redis ten at a time and grants them from
// its lease without asking Redis; another instance sees what the lease
// took.
func TestRateLimitLeases(t *testing.T) {
	t.Parallel()
	a, b, h := limited(t, 100, 100, Deps{}), limited(t, 100, 100, Deps{}), freshTenant("leases")
	bucket := func() string { return a.redis.Get(context.Background(), rateLimitKeyPrefix+h[HeaderTenant]).Val() }
	remaining := func(s *testServer) int {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/v1/test/curves", h)
		n, err := strconv.Atoi(rec.Header().Get("RateLimit-Remaining"))
		if rec.Code != http.StatusOK || err != nil {
			t.Fatalf("status %d, RateLimit-Remaining %q: want 200 and a number", rec.Code, rec.Header().Get("RateLimit-Remaining"))
		}
		return n
	}

	first := time.Now()
	if got := remaining(a); got != 99 {
		t.Errorf("A's first request: RateLimit-Remaining %d, want 99 (90 in Redis, 9 leased)", got)
	}
	leased := bucket()
	// One request refills in 10 ms: B sees A's lease gone from the bucket.
	if got := remaining(b); got < 80 || got > 90 {
		t.Errorf("B's first request: RateLimit-Remaining %d, want 80 to 90 with A's lease of 10 taken", got)
	}
	if bucket() == leased {
		t.Fatal("B's lease did not move the bucket")
	}
	leased = bucket()
	for range 9 {
		remaining(a)
	}
	if time.Since(first) > 90*time.Millisecond {
		// The lease lives as long as its requests take to refill, 100 ms.
		t.Skipf("the machine took %s for 11 requests: A's lease may have expired", time.Since(first))
	}
	if got := bucket(); got != leased {
		t.Errorf("A went to Redis with requests of its lease left (TAT %s → %s)", leased, got)
	}
	remaining(a)
	if bucket() == leased {
		t.Error("A's spent lease was not renewed from Redis")
	}
}

// TestRateLimitLeasesHoldTheBudget: leases of two (rate 20, burst 40)
// grant a tenant no more than its burst and what refilled meanwhile.
func TestRateLimitLeasesHoldTheBudget(t *testing.T) {
	t.Parallel()
	s, h := limited(t, 20, 40, Deps{}), freshTenant("budget")
	start := time.Now()
	allowed, refused := tally(t, s, h, 100, false)
	budget := 40 + int(time.Since(start).Seconds()*20) + 1
	if refused == 0 || allowed < 40 || allowed > budget {
		t.Errorf("100 requests at once: %d allowed, %d refused; want 40 to %d allowed", allowed, refused, budget)
	}
}

// TestRateLimitLeasesUnderConcurrency: requests that find a tenant's lease
// spent at the same moment share one renewal instead of each leasing and
// dropping all but one lease: 50 concurrent requests within a burst of 100
// are all allowed; then 150 more at once get what is left of the burst and
// what refilled meanwhile, and the rest 429, none waiting on another.
func TestRateLimitLeasesUnderConcurrency(t *testing.T) {
	t.Parallel()
	s, h := limited(t, 100, 100, Deps{}), freshTenant("herd")
	start := time.Now()
	if allowed, refused := tally(t, s, h, 50, true); refused > 0 {
		t.Errorf("%d of 50 concurrent requests refused within a burst of 100 (%d allowed)", refused, allowed)
	}
	allowed, refused := tally(t, s, h, 150, true)
	budget := 50 + int(time.Since(start).Seconds()*100) + 10 // a lease's worth of slack
	if refused == 0 || allowed < 40 || allowed > budget {
		t.Errorf("150 more at once: %d allowed, %d refused; want 40 to %d allowed", allowed, refused, budget)
	}
}

// limited is a test server whose tenants may make rps requests a second
// and burst at once, on deps' Redis (default the test Redis).
func limited(t *testing.T, rps float64, burst int, deps Deps) *testServer {
	t.Helper()
	s := newTestServer(t, Config{Auth: AuthConfig{Mode: AuthNone}, RateLimit: RateLimitConfig{RequestsPerSecond: rps, Burst: burst}}, deps)
	s.addTestRoutes()
	return s
}

// freshTenant is the headers of a tenant no other run has used, named
// after prefix: its bucket in the shared Redis starts full.
func freshTenant(prefix string) map[string]string {
	return map[string]string{HeaderTenant: fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())}
}

// tally makes n requests as the tenant of h, all at once when concurrent,
// and counts those allowed and those refused with 429.
func tally(t *testing.T, s *testServer, h map[string]string, n int, concurrent bool) (allowed, refused int) {
	t.Helper()
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		request := func() { codes <- s.do(t, http.MethodGet, "/v1/test/curves", h).Code }
		if concurrent {
			wg.Go(request)
		} else {
			request()
		}
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		switch code {
		case http.StatusOK:
			allowed++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("status %d", code)
		}
	}
	return allowed, refused
}
