package api

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// redisRetryAfter is how long Redis is left alone after a failure before it
// is tried again.
const redisRetryAfter = 5 * time.Second

// redisBreaker tells the response cache and the rate limiter whether Redis
// is worth trying. Redis only accelerates (the cache) or shares state
// between instances (the limiter), and both have an answer without it; so
// after a failure every request takes that answer for redisRetryAfter
// instead of each spending its Redis budget to find the outage again. The
// first success afterwards ends the outage: recovery needs no operator.
type redisBreaker struct {
	logger *slog.Logger
	// retryAt is the Unix nanosecond time before which Redis is not tried;
	// non-zero while Redis is considered down.
	retryAt atomic.Int64
}

// available reports whether Redis should be tried now.
func (b *redisBreaker) available() bool {
	at := b.retryAt.Load()
	return at == 0 || time.Now().UnixNano() >= at
}

// failed records a failed Redis call made under ctx, logging only the first
// failure of an outage. A request whose own context ended is not Redis's
// fault and changes nothing.
func (b *redisBreaker) failed(ctx context.Context, err error) {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return
	}
	if b.retryAt.Swap(time.Now().Add(redisRetryAfter).UnixNano()) == 0 {
		b.logger.Warn("Redis unavailable: the response cache is bypassed and rate limits are kept per instance",
			slog.Any("error", err))
	}
}

// succeeded records a Redis call that worked, logging the end of an outage.
func (b *redisBreaker) succeeded() {
	if b.retryAt.Load() != 0 && b.retryAt.Swap(0) != 0 {
		b.logger.Info("Redis available again")
	}
}
