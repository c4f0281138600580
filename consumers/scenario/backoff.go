package scenario

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"
)

// backoff is the wait after the n-th consecutive failure (from 0):
// lo·2^n capped at hi, half of it fixed and half random, so workers that
// failed together do not retry in lockstep.
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := hi
	if n < 30 {
		if e := lo << n; e > 0 && e < d {
			d = e
		}
	}
	half := d / 2
	return half + rand.N(half+1)
}

// sleep waits for d; it returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// errAbandon says the worker is stopping (or an operation cannot succeed
// now) and its requests must not commit: they are handled again.
var errAbandon = errors.New("run abandoned")

// persist runs fn until it succeeds, for operations that must happen
// (loading a run, writing its terminal state): transient errors are retried
// with backoff for as long as it takes. Each try gets OpTimeout and is not
// cut short when ctx is cancelled; the waits are, and persist then returns
// errAbandon. Errors matching a sentinel in final are returned at once.
func (w *Worker) persist(ctx context.Context, log *slog.Logger, op string, fn func(ctx context.Context) error, final ...error) error {
	base := context.WithoutCancel(ctx)
	for n := 0; ; n++ {
		tctx, cancel := context.WithTimeout(base, w.cfg.OpTimeout)
		err := fn(tctx)
		cancel()
		if err == nil {
			if n > 0 {
				log.Info(op+" succeeded after retries", slog.Int("tries", n+1))
			}
			return nil
		}
		for _, f := range final {
			if errors.Is(err, f) {
				return err
			}
		}
		wait := backoff(w.cfg.MinBackoff, w.cfg.MaxBackoff, n)
		level := slog.LevelWarn
		if n > 0 && n%10 != 0 {
			level = slog.LevelDebug
		}
		log.Log(ctx, level, op+" failed; retrying", slog.Int("try", n+1),
			slog.Duration("backoff", wait), slog.String("error", err.Error()))
		if !sleep(ctx, wait) {
			return errAbandon
		}
	}
}
