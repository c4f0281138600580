package retry

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Policy is how Do retries an operation.
type Policy struct {
	// Backoff spaces the attempts.
	Backoff
	// AttemptTimeout bounds each attempt, so that a hung connection is
	// given up and tried again; zero leaves attempts unbounded.
	AttemptTimeout time.Duration
	// Permanent, if set, reports the errors retrying cannot cure: Do
	// returns them at once.
	Permanent func(error) bool
	// Logger receives the failures, at the level a Throttle gives them,
	// and the success that ends an outage; nil logs nothing.
	Logger *slog.Logger
	// BeforeWait, if set, runs before each wait: the materialiser counts
	// its lag as growing while it waits.
	BeforeWait func()
}

// Do calls op until it returns nil, waiting p.Delay(n) after the n-th
// failure, and returns nil. An attempt runs on a context that ctx's
// cancellation does not end, so the work in hand when a component stops
// is finished rather than torn; only the waits end with ctx, and Do then
// returns an error wrapping ctx's error and the last attempt's. An error
// p.Permanent accepts is returned as it is. name says what op does, in the
// logs ("write batch").
func Do(ctx context.Context, name string, p Policy, op func(ctx context.Context) error) error {
	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := context.WithoutCancel(ctx)
	var (
		since time.Time
		level Throttle
	)
	for n := 0; ; n++ {
		err := p.attempt(base, op)
		if err == nil {
			if n > 0 {
				logger.Info(name+" succeeded after retries", slog.Int("attempts", n+1),
					slog.Duration("unavailable_for", time.Since(since)))
			}
			return nil
		}
		if p.Permanent != nil && p.Permanent(err) {
			return err
		}
		if n == 0 {
			since = time.Now()
		}
		wait := p.Delay(n)
		logger.Log(ctx, level.Next(), name+" failed; retrying", slog.Int("attempt", n+1),
			slog.Duration("backoff", wait), slog.String("error", err.Error()))
		if p.BeforeWait != nil {
			p.BeforeWait()
		}
		if serr := Sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%s: %w (last error: %w)", name, serr, err)
		}
	}
}

// attempt runs op once, within AttemptTimeout.
func (p Policy) attempt(ctx context.Context, op func(ctx context.Context) error) error {
	if p.AttemptTimeout <= 0 {
		return op(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, p.AttemptTimeout)
	defer cancel()
	return op(ctx)
}

// WarnEvery is how often a Throttle lets a warning through.
const WarnEvery = 15 * time.Second

// Throttle picks the level of the log line of a failure that repeats: a
// warning for the first and then at most one every WarnEvery, debug lines
// in between, so that a long outage neither floods the log nor goes
// unreported. The zero value is ready; it is not safe for concurrent use.
type Throttle struct {
	warned time.Time
}

// Next is the level of the next failure's log line.
func (t *Throttle) Next() slog.Level {
	if time.Since(t.warned) < WarnEvery {
		return slog.LevelDebug
	}
	t.warned = time.Now()
	return slog.LevelWarn
}
