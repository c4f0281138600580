package scenario

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/aurum-energy/aurum/internal/retry"
)

// errAbandon says the worker is stopping (or an operation cannot succeed
// now) and its requests must not commit: they are handled again.
var errAbandon = errors.New("run abandoned")

// persist runs fn until it succeeds, for operations that must happen
// (loading a run, writing its terminal state): transient errors are retried
// with backoff for as long as it takes (retry.Do). Each try gets OpTimeout
// and is not cut short when ctx is cancelled; the waits are, and persist
// then returns errAbandon. Errors matching a sentinel in final are returned
// at once.
func (w *Worker) persist(ctx context.Context, log *slog.Logger, op string, fn func(ctx context.Context) error, final ...error) error {
	err := retry.Do(ctx, op, retry.Policy{
		Backoff:        w.cfg.Backoff,
		AttemptTimeout: w.cfg.OpTimeout,
		Permanent: func(err error) bool {
			return slices.ContainsFunc(final, func(f error) bool { return errors.Is(err, f) })
		},
		Logger: log,
	}, fn)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return errAbandon
	}
	return err
}
