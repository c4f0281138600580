package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aurum-energy/aurum/internal/redisclient"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/testenv"
)

// answerDeadline is how long a test waits for an answer while a dependency
// hangs. It is far above every budget of the API: a request that needs it
// waited for the outage to end instead of answering.
const answerDeadline = 20 * time.Second

// getWithin requests path as a viewer (with extra headers) and fails the
// test unless an answer comes back within answerDeadline.
func (s *curveServer) getWithin(t *testing.T, path string, extra ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range viewer {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		done <- rec
	}()
	select {
	case rec := <-done:
		return rec
	case <-time.After(answerDeadline):
		t.Fatalf("GET %s: no answer within %s", path, answerDeadline)
		return nil
	}
}

// eventually polls cond until it holds, failing the test after a minute.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a minute", what)
		}
	}
}

// readinessChecks are the database and Redis checks cmd/aurum gives the API.
func readinessChecks(st *store.Store, rdb *redis.Client) []Check {
	return []Check{
		{Name: "postgres", Fn: st.Ping},
		{Name: "redis", Fn: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
	}
}

// TestHungRedis: with Redis paused, reads are served from the database and
// tenants are rate-limited by the instance, with the same burst; once Redis
// answers again the limiter and the cache go back to it by themselves.
func TestHungRedis(t *testing.T) {
	t.Parallel()
	server := testenv.OwnRedis(t)
	rdb, err := redisclient.New(server.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	s := newCurveServer(t, Config{RateLimit: RateLimitConfig{RequestsPerSecond: 0.01, Burst: 3}}, Deps{Redis: rdb})
	ctx := context.Background()

	if rec := s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofA, HeaderTenant, "before"); rec.Code != http.StatusOK {
		t.Fatalf("before the outage: %d %s", rec.Code, rec.Body)
	}
	if err := server.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Resume() })

	// A page no instance has served: Redis is asked, does not answer, and
	// the database serves it.
	for i := range 3 {
		rec := s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofB, HeaderTenant, "during")
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d with Redis hung: %d %s", i+1, rec.Code, rec.Body)
		}
		var p listPage
		decodeInto(t, rec, &p)
		if len(p.Data) != 25 {
			t.Fatalf("request %d with Redis hung: %d rows, want 25", i+1, len(p.Data))
		}
		if got, want := rec.Header().Get("RateLimit-Remaining"), strconv.Itoa(2-i); got != want {
			t.Errorf("request %d: RateLimit-Remaining = %s, want %s from the instance's bucket", i+1, got, want)
		}
	}
	rec := s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofB, HeaderTenant, "during")
	p := problemOf(t, rec, http.StatusTooManyRequests)
	if !strings.Contains(p["detail"].(string), `"during"`) || rec.Header().Get("Retry-After") == "" {
		t.Errorf("over the burst with Redis hung: detail %v, Retry-After %q", p["detail"], rec.Header().Get("Retry-After"))
	}
	if rec := s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofB, HeaderTenant, "other"); rec.Code != http.StatusOK {
		t.Fatalf("another tenant with Redis hung: %d %s", rec.Code, rec.Body)
	}

	if err := server.Resume(); err != nil {
		t.Fatal(err)
	}
	// Back on Redis: the buckets of new tenants are there, and so is a page
	// served twice.
	n := 0
	eventually(t, "the rate limiter back on Redis", func() bool {
		n++
		tenant := "after-" + strconv.Itoa(n)
		if rec := s.getWithin(t, "/v1/curves?iso=ERCOT", HeaderTenant, tenant); rec.Code != http.StatusOK {
			t.Fatalf("after the outage: %d %s", rec.Code, rec.Body)
		}
		return rdb.Exists(ctx, rateLimitKeyPrefix+tenant).Val() == 1
	})
	s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofA+"&limit=7", HeaderTenant, "after-cache")
	s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofA+"&limit=7", HeaderTenant, "after-cache")
	if keys := rdb.Keys(ctx, s.cache.prefix+"*").Val(); len(keys) == 0 {
		t.Errorf("no page in Redis after it came back")
	}
	if !strings.Contains(s.logs.String(), "Redis available again") {
		t.Errorf("the end of the outage was not logged:\n%s", s.logs)
	}
}

// TestHungPostgres: with PostgreSQL paused, market reads and tenant
// requests are answered 503 with Retry-After instead of waiting for it,
// /ready names it, and requests succeed again once it answers.
func TestHungPostgres(t *testing.T) {
	t.Parallel()
	pg := testenv.OwnPostgres(t)
	rdb := testRedis(t)
	s := newCurveServerOn(t, store.Config{URL: pg.DefaultURL(), Timeout: DefaultDatabaseTimeout}, Config{}, Deps{Redis: rdb})
	s.checks = readinessChecks(s.store, rdb)
	s.followVersions(t)

	if rec := s.getWithin(t, "/v1/curves?iso=PJM&asof="+asofA); rec.Code != http.StatusOK {
		t.Fatalf("before the outage: %d %s", rec.Code, rec.Body)
	}
	if err := pg.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Resume() })

	for _, path := range []string{
		"/v1/curves?iso=PJM&asof=" + asofB, // a market read: the page is not cached
		"/v1/scenarios",                    // a tenant transaction
	} {
		rec := s.getWithin(t, path)
		p := problemOf(t, rec, http.StatusServiceUnavailable)
		if p["type"] != problemTypeBase+"timeout" || rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s with PostgreSQL hung: type %v, Retry-After %q", path, p["type"], rec.Header().Get("Retry-After"))
		}
	}
	rec := s.getWithin(t, "/ready")
	p := problemOf(t, rec, http.StatusServiceUnavailable)
	checks := p["checks"].(map[string]any)
	if checks["postgres"] != "timeout" || checks["redis"] != "ok" || !strings.Contains(p["detail"].(string), "postgres") {
		t.Errorf("/ready with PostgreSQL hung: %s", rec.Body)
	}

	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/curves?iso=PJM&asof=" + asofB, "/v1/scenarios", "/ready"} {
		eventually(t, "GET "+path+" after the outage", func() bool {
			return s.getWithin(t, path).Code == http.StatusOK
		})
	}
}
