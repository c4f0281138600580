package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
)

// gcraScript is the generic cell rate algorithm, atomically in Redis: the key
// holds the tenant's theoretical arrival time (TAT) in microseconds of Redis
// server time, so every API instance shares one clock and one budget.
//
//	KEYS[1]  bucket key
//	ARGV[1]  emission interval (µs per request) = 1e6 / rate
//	ARGV[2]  burst (requests that may arrive at once)
//
// Returns {allowed (1|0), remaining, retry_after_µs}.
var gcraScript = redis.NewScript(`
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local limit = interval * burst
local new_tat = tat + interval
local over = new_tat - now - limit
if over > 0 then
  return {0, 0, math.ceil(over)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', math.ceil((new_tat - now) / 1000) + 1))
return {1, math.floor((limit - (new_tat - now)) / interval), 0}
`)

// rateLimitKeyPrefix namespaces the per-tenant buckets in Redis.
const rateLimitKeyPrefix = "aurum:ratelimit:"

// rateLimitTimeout bounds the Redis round trip so a slow Redis cannot make
// the API slow.
const rateLimitTimeout = 250 * time.Millisecond

// rateLimitMiddleware spends one token of the caller's tenant per request and
// answers 429 with Retry-After when the bucket is empty.
//
// When Redis is unreachable or slow it fails open: the request proceeds and a
// warning is logged. Rate limiting protects shared capacity from one noisy
// tenant; refusing every tenant because the limiter's store is down would
// turn a Redis incident into a full API outage, and /ready already reports
// Redis as down to the operator.
func (s *Server) rateLimitMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	interval := int64(math.Ceil(1e6 / s.cfg.RateLimit.RequestsPerSecond))
	burst := s.cfg.RateLimit.Burst
	if s.cfg.RateLimit.Disabled {
		return next
	}
	return func(c echo.Context) error {
		p, ok := PrincipalFrom(c.Request().Context())
		if !ok {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), rateLimitTimeout)
		res, err := gcraScript.Run(ctx, s.redis, []string{rateLimitKeyPrefix + p.Tenant}, interval, burst).Int64Slice()
		cancel()
		if err != nil || len(res) != 3 {
			s.requestLogger(c).Warn("rate limiter unavailable; allowing request", slog.Any("error", err))
			return next(c)
		}
		h := c.Response().Header()
		h.Set("RateLimit-Limit", strconv.Itoa(burst))
		h.Set("RateLimit-Remaining", strconv.FormatInt(res[1], 10))
		if res[0] == 1 {
			return next(c)
		}
		retry := int(math.Ceil(float64(res[2]) / 1e6))
		if retry < 1 {
			retry = 1
		}
		prob := NewProblem(http.StatusTooManyRequests, "rate-limited",
			fmt.Sprintf("tenant %q exceeded %g requests per second (burst %d); retry after %d s",
				p.Tenant, s.cfg.RateLimit.RequestsPerSecond, burst, retry))
		prob.RetryAfter = retry
		return prob
	}
}
