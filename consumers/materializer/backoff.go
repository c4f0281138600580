package materializer

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// retryLogEvery spaces the warnings of one retry loop.
const retryLogEvery = 15 * time.Second

// retry runs fn until it succeeds, waiting an exponentially growing,
// jittered delay capped at MaxBackoff between attempts. It never gives up
// on its own: a batch is written or the process stops. Each attempt gets a
// context that ctx's cancellation does not cut short (the batch in hand is
// finished on shutdown) but that times out after AttemptTimeout; the waits
// end when ctx is cancelled, and retry then returns ctx's error. waiting,
// if not nil, runs before each wait.
func (m *Materializer[K, R]) retry(ctx context.Context, op string, fn func(ctx context.Context) error, waiting func()) error {
	base := context.WithoutCancel(ctx)
	var since, logged time.Time
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(base, m.cfg.AttemptTimeout)
		err := fn(actx)
		cancel()
		if err == nil {
			if attempt > 0 {
				m.logger.Info(op+" succeeded after retries", slog.Int("attempts", attempt+1),
					slog.Duration("unavailable_for", time.Since(since)))
			}
			return nil
		}
		if attempt == 0 {
			since = time.Now()
		}
		wait := m.backoff(attempt)
		// A long outage logs a warning every retryLogEvery, not every attempt.
		level := slog.LevelDebug
		if time.Since(logged) >= retryLogEvery {
			level, logged = slog.LevelWarn, time.Now()
		}
		m.logger.Log(ctx, level, op+" failed; retrying the same batch", slog.Int("attempt", attempt+1),
			slog.Duration("backoff", wait), slog.String("error", err.Error()))
		if waiting != nil {
			waiting()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is the wait after the attempt-th failure: MinBackoff·2^attempt
// capped at MaxBackoff, with "equal jitter" (half fixed, half random) so
// instances restarting together do not retry in lockstep.
func (m *Materializer[K, R]) backoff(attempt int) time.Duration {
	d := m.cfg.MaxBackoff
	if attempt < 30 {
		if e := m.cfg.MinBackoff << attempt; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(half+1)
}
