package subscriber_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/subscriber"
	"github.com/aurum-energy/aurum/subscriber/subscribertest"
)

// The lines of WriteText for the events of subscribertest.
const (
	runAQueued    = "2026-05-04T09:30:01.000Z tenant=acme run=a0000000-0000-4000-8000-00000000000a scenario=5c000000-0000-4000-8000-00000000000a state=QUEUED attempt=1"
	runARunning   = "2026-05-04T09:30:03.000Z tenant=acme run=a0000000-0000-4000-8000-00000000000a scenario=5c000000-0000-4000-8000-00000000000a state=RUNNING attempt=1 progress=0%"
	runASucceeded = "2026-05-04T09:30:05.000Z tenant=acme run=a0000000-0000-4000-8000-00000000000a scenario=5c000000-0000-4000-8000-00000000000a state=SUCCEEDED attempt=1 outputs=240"
	runBFailed    = `2026-05-04T09:30:06.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=FAILED attempt=1 error="no base curves for 2026-05-01"`
	runCQueued    = "2026-05-04T09:30:07.000Z tenant=acme run=c0000000-0000-4000-8000-00000000000c scenario=5c000000-0000-4000-8000-00000000000c state=QUEUED attempt=1"
	runCCancelled = "2026-05-04T09:30:08.000Z tenant=acme run=c0000000-0000-4000-8000-00000000000c scenario=5c000000-0000-4000-8000-00000000000c state=CANCELLED attempt=1"
)

func TestSubscriber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     subscriber.Config
		want    []string
		returns bool // by itself, after the run's terminal event
	}{
		{name: "completions of every tenant", cfg: subscriber.Config{FromBeginning: true},
			want: []string{runASucceeded, runBFailed, runCCancelled}},
		{name: "completions of one tenant", cfg: subscriber.Config{FromBeginning: true, Tenant: "acme"},
			want: []string{runASucceeded, runCCancelled}},
		{name: "every state of one run, whatever the case of its id", cfg: subscriber.Config{RunID: strings.ToUpper(subscribertest.RunA)},
			want: []string{runAQueued, runARunning, runASucceeded}, returns: true},
		{name: "a run cancelled while queued", cfg: subscriber.Config{RunID: subscribertest.RunC},
			want: []string{runCQueued, runCCancelled}, returns: true},
		{name: "a run of another tenant", cfg: subscriber.Config{RunID: subscribertest.RunB, Tenant: "acme"}},
		{name: "from now", cfg: subscriber.Config{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Brokers = brokers
			sub, err := subscriber.New(cfg, subscriber.Deps{Decoder: decoder})
			if err != nil {
				t.Fatal(err)
			}
			// What a subscriber that runs until cancelled hands on arrives in
			// milliseconds from the in-process broker; a second shows that
			// nothing else comes.
			wait := time.Second
			if tc.returns {
				wait = 10 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			var out testenv.Buffer
			err = sub.Run(ctx, subscriber.WriteText(&out))
			switch {
			case tc.returns && err != nil:
				t.Fatalf("Run = %v, want it to return after the terminal event", err)
			case !tc.returns && !errors.Is(err, context.DeadlineExceeded):
				t.Fatalf("Run = %v, want it to run until cancelled", err)
			}
			got := out.Lines()
			if got[0] == "" {
				got = nil
			}
			// Runs are on different partitions: only the order of one run's
			// events is defined, and their times increase.
			want := slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("handled\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestSubscriberHandlerError(t *testing.T) {
	t.Parallel()
	sub, err := subscriber.New(subscriber.Config{Brokers: brokers, FromBeginning: true}, subscriber.Deps{Decoder: decoder})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	errStop := errors.New("stop")
	calls := 0
	err = sub.Run(ctx, func(context.Context, schemas.RunEvent) error {
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) || calls != 1 {
		t.Errorf("Run = %v after %d calls, want the handler's error after its first call", err, calls)
	}
}

// TestSubscriberSkipsUndecodable follows RunB, whose FAILED event comes
// after a record that is not Avro: the record is logged and passed over.
func TestSubscriberSkipsUndecodable(t *testing.T) {
	t.Parallel()
	var logs testenv.Buffer
	sub, err := subscriber.New(subscriber.Config{Brokers: brokers, RunID: subscribertest.RunB},
		subscriber.Deps{Decoder: decoder, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out testenv.Buffer
	if err := sub.Run(ctx, subscriber.WriteText(&out)); err != nil {
		t.Fatalf("Run = %v, want it to return after the terminal event", err)
	}
	if got := out.Lines(); got[len(got)-1] != runBFailed {
		t.Errorf("handled\n%s\nwant it to end with the FAILED event", strings.Join(got, "\n"))
	}
	if !strings.Contains(logs.String(), "skipping undecodable record") {
		t.Errorf("logged %q, want the record skipped", logs.String())
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  subscriber.Config
		deps subscriber.Deps
	}{
		{"no brokers", subscriber.Config{}, subscriber.Deps{Decoder: decoder}},
		{"negative remember", subscriber.Config{Brokers: brokers, Remember: -1}, subscriber.Deps{Decoder: decoder}},
		{"no decoder", subscriber.Config{Brokers: brokers}, subscriber.Deps{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := subscriber.New(tc.cfg, tc.deps); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}
