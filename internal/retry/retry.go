// Package retry is how Aurum's long-running components wait out a failure
// that passes on its own — a database restarting, a broker electing a
// leader, a provider answering 503: capped exponential backoff with equal
// jitter (Backoff), a sleep that ends with its context (Sleep), a log level
// that keeps a long outage from flooding the log (Throttle), and Do, which
// retries an operation until it succeeds or its caller stops.
//
// The collector's HTTP client, the materialiser, the scenario worker and
// the outbox relay all wait this way; each keeps its own bounds (a Backoff
// in its Config, defaulted with Or).
package retry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff is capped exponential backoff with equal jitter. The wait after
// the n-th consecutive failure (counting from 0) is drawn uniformly from
// [d/2, d], where d is Min·2ⁿ capped at Max. The fixed half spaces the
// attempts out as the outage lasts; the random half keeps instances that
// failed together from retrying in lockstep. (Full jitter, drawing from
// [0, d], would let an attempt follow a failure at once.)
//
// Min is meant to be positive and at most Max; a zero Backoff does not
// wait.
type Backoff struct {
	Min, Max time.Duration
}

// Validate reports bounds that are negative or out of order. A zero Max
// is left for the caller's default, as every Config here does.
func (b Backoff) Validate() error {
	switch {
	case b.Min < 0 || b.Max < 0:
		return errors.New("backoff must not be negative")
	case b.Max > 0 && b.Min > b.Max:
		return fmt.Errorf("min backoff %s exceeds max backoff %s", b.Min, b.Max)
	}
	return nil
}

// Or is b with the bounds it leaves zero taken from def: a Config's
// defaults.
func (b Backoff) Or(def Backoff) Backoff {
	return Backoff{Min: cmp.Or(b.Min, def.Min), Max: cmp.Or(b.Max, def.Max)}
}

// Delay is the wait after the n-th consecutive failure, from 0.
func (b Backoff) Delay(n int) time.Duration {
	d := min(b.Min, b.Max)
	for ; n > 0 && d > 0 && d < b.Max; n-- {
		d += min(d, b.Max-d) // doubles, stopping at Max
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Sleep waits for d, or until ctx ends and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
