package retry_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/retry"
)

func TestDelayGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	b := retry.Backoff{Min: 100 * time.Millisecond, Max: 10 * time.Second}
	tests := []struct {
		name    string
		b       retry.Backoff
		n       int
		ceiling time.Duration // the wait lies in [ceiling/2, ceiling]
	}{
		{"first failure", b, 0, 100 * time.Millisecond},
		{"second failure", b, 1, 200 * time.Millisecond},
		{"third failure", b, 2, 400 * time.Millisecond},
		{"at the cap", b, 7, 10 * time.Second},
		{"past the cap", b, 40, 10 * time.Second},
		{"far past the cap", b, 1 << 20, 10 * time.Second},
		{"Min equal to Max", retry.Backoff{Min: time.Second, Max: time.Second}, 3, time.Second},
		{"Max near overflow", retry.Backoff{Min: time.Hour, Max: 1<<63 - 1}, 200, 1<<63 - 1},
		{"zero", retry.Backoff{}, 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for range 100 {
				if d := tc.b.Delay(tc.n); d < tc.ceiling/2 || d > tc.ceiling {
					t.Fatalf("Delay(%d) = %s, want in [%s, %s]", tc.n, d, tc.ceiling/2, tc.ceiling)
				}
			}
		})
	}
}

func TestDelayIsJittered(t *testing.T) {
	t.Parallel()
	b := retry.Backoff{Min: time.Second, Max: time.Minute}
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[b.Delay(3)] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 delays after the same failure are all %v: instances would retry in lockstep", seen)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	if err := retry.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := retry.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep with an ended context = %v, want context.Canceled", err)
	}
	if err := retry.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) with an ended context = %v, want context.Canceled", err)
	}
}

var fast = retry.Backoff{Min: time.Microsecond, Max: time.Millisecond}

func TestDoRetriesUntilSuccess(t *testing.T) {
	t.Parallel()
	calls, waits := 0, 0
	err := retry.Do(context.Background(), "op", retry.Policy{Backoff: fast, BeforeWait: func() { waits++ }},
		func(context.Context) error {
			if calls++; calls < 4 {
				return errors.New("unavailable")
			}
			return nil
		})
	if err != nil || calls != 4 || waits != 3 {
		t.Errorf("Do = %v after %d calls and %d waits, want nil after 4 calls and 3 waits", err, calls, waits)
	}
}

func TestDoReturnsPermanentErrors(t *testing.T) {
	t.Parallel()
	errGone := errors.New("gone")
	calls := 0
	err := retry.Do(context.Background(), "op", retry.Policy{Backoff: fast,
		Permanent: func(err error) bool { return errors.Is(err, errGone) }},
		func(context.Context) error {
			if calls++; calls < 2 {
				return errors.New("unavailable")
			}
			return errGone
		})
	if err != errGone || calls != 2 {
		t.Errorf("Do = %v after %d calls, want %v after 2", err, calls, errGone)
	}
}

// TestDoStopsWaitingWhenCtxEnds cancels ctx during an attempt: the attempt
// runs to its end unhurt, and Do returns instead of waiting for another.
func TestDoStopsWaitingWhenCtxEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	errDown := errors.New("database down")
	calls := 0
	err := retry.Do(ctx, "write batch", retry.Policy{Backoff: retry.Backoff{Min: time.Hour, Max: time.Hour}},
		func(actx context.Context) error {
			calls++
			cancel()
			if actx.Err() != nil {
				t.Errorf("the attempt's context ended with the caller's: %v", actx.Err())
			}
			return errDown
		})
	if calls != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, errDown) {
		t.Errorf("Do = %v after %d calls, want one call and an error wrapping context.Canceled and the last error", err, calls)
	}
}

func TestDoBoundsEachAttempt(t *testing.T) {
	t.Parallel()
	calls := 0
	err := retry.Do(context.Background(), "op", retry.Policy{Backoff: fast, AttemptTimeout: time.Millisecond},
		func(ctx context.Context) error {
			if calls++; calls == 1 {
				<-ctx.Done() // a hung connection
				return ctx.Err()
			}
			return nil
		})
	if err != nil || calls != 2 {
		t.Errorf("Do = %v after %d calls, want the hung attempt given up and the next one succeeding", err, calls)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	var th retry.Throttle
	if got := th.Next(); got != slog.LevelWarn {
		t.Errorf("first failure logs at %v, want WARN", got)
	}
	for i := range 5 {
		if got := th.Next(); got != slog.LevelDebug {
			t.Errorf("failure %d right after logs at %v, want DEBUG", i+2, got)
		}
	}
}

func TestBackoffValidate(t *testing.T) {
	for _, tc := range []struct {
		b  retry.Backoff
		ok bool
	}{
		{retry.Backoff{}, true},
		{retry.Backoff{Min: time.Second}, true}, // Max to be defaulted
		{retry.Backoff{Min: time.Second, Max: time.Minute}, true},
		{retry.Backoff{Min: -time.Second}, false},
		{retry.Backoff{Max: -time.Second}, false},
		{retry.Backoff{Min: time.Minute, Max: time.Second}, false},
	} {
		if err := tc.b.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v.Validate() = %v, want ok %v", tc.b, err, tc.ok)
		}
	}
}

func TestBackoffOr(t *testing.T) {
	t.Parallel()
	def := retry.Backoff{Min: time.Second, Max: time.Minute}
	for _, tc := range []struct{ b, want retry.Backoff }{
		{retry.Backoff{}, def},
		{retry.Backoff{Max: 5 * time.Second}, retry.Backoff{Min: time.Second, Max: 5 * time.Second}},
		{retry.Backoff{Min: 10 * time.Millisecond}, retry.Backoff{Min: 10 * time.Millisecond, Max: time.Minute}},
	} {
		if got := tc.b.Or(def); got != tc.want {
			t.Errorf("%+v.Or(%+v) = %+v, want %+v", tc.b, def, got, tc.want)
		}
	}
}
