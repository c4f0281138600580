package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/subscriber/subscribertest"
)

// TestRunsWatch runs `aurum runs watch` on subscribertest's events: each
// flag reaches package subscriber, and the output is the command's format.
func TestRunsWatch(t *testing.T) {
	t.Parallel()
	kafka := testenv.NewKafka(t)
	if err := subscribertest.Publish(context.Background(), kafka.Brokers, kafka.RegistryURL); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		want  []string
		exits bool // returns by itself (--run)
	}{
		{name: "every state of one run, then exit", args: []string{"--run", strings.ToUpper(subscribertest.RunB)}, exits: true,
			want: []string{
				"2026-05-04T09:30:02.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=QUEUED attempt=1",
				"2026-05-04T09:30:04.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=RUNNING attempt=1 progress=0%",
				`2026-05-04T09:30:06.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=FAILED attempt=1 error="no base curves for 2026-05-01"`,
			}},
		{name: "one run as JSON", args: []string{"--run", subscribertest.RunA, "--json"}, exits: true,
			want: []string{
				`{"event_id":"a000-QUEUED","run_id":"a0000000-0000-4000-8000-00000000000a","scenario_id":"5c000000-0000-4000-8000-00000000000a","tenant_id":"acme","state":"QUEUED","attempt":1,"progress_percent":null,"output_count":null,"error":null,"occurred_ts":"2026-05-04T09:30:01Z"}`,
				`{"event_id":"a000-RUNNING","run_id":"a0000000-0000-4000-8000-00000000000a","scenario_id":"5c000000-0000-4000-8000-00000000000a","tenant_id":"acme","state":"RUNNING","attempt":1,"progress_percent":0,"output_count":null,"error":null,"occurred_ts":"2026-05-04T09:30:03Z"}`,
				`{"event_id":"a000-SUCCEEDED","run_id":"a0000000-0000-4000-8000-00000000000a","scenario_id":"5c000000-0000-4000-8000-00000000000a","tenant_id":"acme","state":"SUCCEEDED","attempt":1,"progress_percent":null,"output_count":240,"error":null,"occurred_ts":"2026-05-04T09:30:05Z"}`,
			}},
		{name: "completions of one tenant since the beginning", args: []string{"--from-beginning", "--tenant", "globex"},
			want: []string{
				`2026-05-04T09:30:06.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=FAILED attempt=1 error="no base curves for 2026-05-01"`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var flags runsWatchFlags
			args := append([]string{"--kafka-brokers", strings.Join(kafka.Brokers, ","),
				"--schema-registry-url", kafka.RegistryURL, "--log-level", "error"}, tc.args...)
			inv, err := parse("runs watch", runsUsage, args, flags.register)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			var out testenv.Buffer
			err = watchRuns(ctx, inv.cfg, inv.logger, flags, &out)
			switch {
			case tc.exits && err != nil:
				t.Fatalf("watch = %v, want it to return after the terminal event", err)
			case !tc.exits && !errors.Is(err, context.DeadlineExceeded):
				t.Fatalf("watch = %v, want it to run until cancelled", err)
			}
			if got := out.Lines(); !slices.Equal(got, tc.want) {
				t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestRunsCommandUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"tail"}, {"watch", "extra"}} {
		if err := runRuns(context.Background(), args); !errors.Is(err, errUsage) {
			t.Errorf("runs %v = %v, want a usage error", args, err)
		}
	}
}
