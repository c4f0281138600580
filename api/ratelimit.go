package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// gcraScript is the generic cell rate algorithm, atomically in Redis: the key
// holds the tenant's theoretical arrival time (TAT) in microseconds of Redis
// server time, so every API instance shares one clock and one budget. It
// grants up to ARGV[3] requests at once, as many as the bucket holds (an
// instance's lease, rateLimiter).
//
//	KEYS[1]  bucket key
//	ARGV[1]  emission interval (µs per request) = 1e6 / rate
//	ARGV[2]  burst (requests that may arrive at once)
//	ARGV[3]  requests wanted
//
// Returns {granted (0 when refused), remaining, retry_after_µs}.
var gcraScript = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local limit = interval * burst
local avail = math.floor((limit - (tat - now)) / interval)
if avail < 1 then
  return {0, 0, math.ceil(tat + interval - now - limit)}
end
local n = math.min(want, avail)
local new_tat = tat + n * interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', math.ceil((new_tat - now) / 1000) + 1))
return {n, avail - n, 0}
`)

// rateLimitKeyPrefix namespaces the per-tenant buckets in Redis.
const rateLimitKeyPrefix = "aurum:ratelimit:"

// rateLimitTimeout bounds the Redis round trip so a slow Redis cannot make
// the API slow.
const rateLimitTimeout = 250 * time.Millisecond

// maxLocalTenants bounds the tenants the in-process limiter tracks, and so
// its memory (about 100 bytes each).
const maxLocalTenants = 10_000

// rateLimitMiddleware spends one token of the caller's tenant per request and
// answers 429 with Retry-After when the bucket is empty.
func (s *Server) rateLimitMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	if s.cfg.RateLimit.Disabled {
		return next
	}
	burst := s.cfg.RateLimit.Burst
	return func(c echo.Context) error {
		p, ok := PrincipalFrom(c.Request().Context())
		if !ok {
			return next(c)
		}
		d := s.limiter.take(c.Request().Context(), p.Tenant)
		h := c.Response().Header()
		h.Set("RateLimit-Limit", strconv.Itoa(burst))
		h.Set("RateLimit-Remaining", strconv.FormatInt(d.remaining, 10))
		if d.allowed {
			return next(c)
		}
		retry := max(int(math.Ceil(d.retryAfter.Seconds())), 1)
		prob := NewProblem(http.StatusTooManyRequests, "rate-limited",
			fmt.Sprintf("tenant %q exceeded %g requests per second (burst %d); retry after %d s",
				p.Tenant, s.cfg.RateLimit.RequestsPerSecond, burst, retry))
		prob.RetryAfter = retry
		return prob
	}
}

// limitDecision is the answer of a rate limiter to one request.
type limitDecision struct {
	allowed    bool
	remaining  int64
	retryAfter time.Duration
}

// rateLimiter keeps each tenant's bucket in Redis, so that every API
// instance shares one budget per tenant. An instance takes a tenant's
// requests from Redis a lease at a time — a tenth of the smaller of the
// rate per second and the burst, at least one — and grants them until the
// lease is spent or as old as the time those requests take to refill, so
// that a busy tenant costs Redis a call per lease rather than per request;
// a limit of a few requests stays exact. An instance renews a tenant's
// lease once at a time, however many requests find it spent. A lease left
// unspent is lost to the tenant, which errs on the side of the limit.
//
// While Redis is down (breaker) it keeps the buckets in process instead,
// with the same rate and burst: each instance then grants a tenant that
// budget on its own, so the limit holds per instance rather than across
// them. Refusing every request would turn a Redis incident into an outage
// of the API, and allowing every one would let one tenant take the
// database for the length of the incident.
type rateLimiter struct {
	rdb      *redis.Client
	breaker  *redisBreaker
	interval int64 // µs per request: 1e6 / rate
	burst    int
	lease    int64 // requests taken from Redis at once
	local    *localLimiter

	mu      sync.Mutex
	leases  map[string]*lease // tenant → its lease, at most maxLocalTenants
	refills singleflight.Group
}

// lease is the requests of a tenant's bucket an instance took from Redis
// and has not granted yet.
type lease struct {
	left    int64 // requests left to grant
	shared  int64 // what the bucket in Redis held beside the lease
	expires int64 // µs on this process's clock
}

func newRateLimiter(cfg RateLimitConfig, rdb *redis.Client, breaker *redisBreaker) *rateLimiter {
	interval := int64(math.Ceil(1e6 / cfg.RequestsPerSecond))
	return &rateLimiter{
		rdb: rdb, breaker: breaker, interval: interval, burst: cfg.Burst,
		lease:  max(1, int64(math.Min(cfg.RequestsPerSecond, float64(cfg.Burst))/10)),
		local:  &localLimiter{interval: interval, burst: int64(cfg.Burst), maxTenants: maxLocalTenants, tat: map[string]int64{}},
		leases: map[string]*lease{},
	}
}

// take spends one request of tenant's bucket.
func (l *rateLimiter) take(ctx context.Context, tenant string) limitDecision {
	for l.breaker.available() && ctx.Err() == nil {
		now := time.Now().UnixMicro()
		if d, ok := l.fromLease(tenant, now); ok {
			return d
		}
		if l.lease == 1 {
			// No lease to share: each request is a call of its own.
			if d, err := l.takeShared(ctx, tenant, now); err == nil {
				return d
			}
			break
		}
		// One lease at a time per tenant: requests that find it spent
		// together wait for one call to Redis and then draw from what it
		// leased, instead of each leasing and all but one lease being
		// lost; those it leaves out go round again.
		leader := false
		v, err, _ := l.refills.Do(tenant, func() (any, error) {
			leader = true
			return l.takeShared(ctx, tenant, now)
		})
		if err != nil {
			break
		}
		if d := v.(limitDecision); leader || !d.allowed {
			return d // the leader's own request, or the bucket is empty
		}
	}
	return l.local.take(tenant, time.Now().UnixMicro())
}

// fromLease grants a request of tenant's lease, if it has one left.
func (l *rateLimiter) fromLease(tenant string, now int64) (limitDecision, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.leases[tenant]
	if ls == nil || ls.left == 0 || now >= ls.expires {
		return limitDecision{}, false
	}
	ls.left--
	return limitDecision{allowed: true, remaining: ls.shared + ls.left}, true
}

// takeShared runs the GCRA on the tenant's bucket in Redis for a lease,
// grants one request of it and keeps the rest, reporting the outcome to
// the breaker.
func (l *rateLimiter) takeShared(ctx context.Context, tenant string, now int64) (limitDecision, error) {
	ctx, cancel := context.WithTimeout(ctx, rateLimitTimeout)
	defer cancel()
	res, err := gcraScript.Run(ctx, l.rdb, []string{rateLimitKeyPrefix + tenant}, l.interval, l.burst, l.lease).Int64Slice()
	if err == nil && len(res) != 3 {
		err = fmt.Errorf("rate limit script returned %v", res)
	}
	if err != nil {
		l.breaker.failed(ctx, err)
		return limitDecision{}, err
	}
	l.breaker.succeeded()
	granted, shared := res[0], res[1]
	if granted == 0 {
		return limitDecision{retryAfter: time.Duration(res[2]) * time.Microsecond}, nil
	}
	if granted > 1 {
		l.keep(tenant, &lease{left: granted - 1, shared: shared, expires: now + granted*l.interval}, now)
	}
	return limitDecision{allowed: true, remaining: shared + granted - 1}, nil
}

// keep holds ls as tenant's lease, making room among at most
// maxLocalTenants leases by forgetting spent or expired ones (at now) and,
// should none be, an arbitrary one (its requests are lost to its tenant).
func (l *rateLimiter) keep(tenant string, ls *lease, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.leases[tenant]; !ok && len(l.leases) >= maxLocalTenants {
		for t, old := range l.leases {
			if old.left == 0 || old.expires <= now {
				delete(l.leases, t)
			}
		}
		for t := range l.leases {
			if len(l.leases) < maxLocalTenants {
				break
			}
			delete(l.leases, t)
		}
	}
	l.leases[tenant] = ls
}

// localLimiter is gcraScript in process memory, on this process's clock,
// for at most maxTenants tenants.
type localLimiter struct {
	interval   int64 // µs per request
	burst      int64
	maxTenants int

	mu  sync.Mutex
	tat map[string]int64 // tenant → theoretical arrival time, µs
}

// take spends one token of tenant's bucket at now (µs).
func (l *localLimiter) take(tenant string, now int64) limitDecision {
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, ok := l.tat[tenant]
	if !ok && len(l.tat) >= l.maxTenants {
		l.evict(now)
	}
	tat = max(tat, now)
	limit := l.interval * l.burst
	newTAT := tat + l.interval
	if over := newTAT - now - limit; over > 0 {
		return limitDecision{retryAfter: time.Duration(over) * time.Microsecond}
	}
	l.tat[tenant] = newTAT
	return limitDecision{allowed: true, remaining: (limit - (newTAT - now)) / l.interval}
}

// evict makes room for a tenant: it forgets the buckets that are full again
// (forgetting them changes no answer) and, should none be, an arbitrary one,
// which gives that tenant a fresh burst: the price of bounded memory.
func (l *localLimiter) evict(now int64) {
	for tenant, tat := range l.tat {
		if tat <= now {
			delete(l.tat, tenant)
		}
	}
	for tenant := range l.tat {
		if len(l.tat) < l.maxTenants {
			return
		}
		delete(l.tat, tenant)
	}
}
