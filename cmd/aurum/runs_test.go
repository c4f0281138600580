package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// runsTopic holds the events of three runs, as the relay and the worker
// publish them: committed, one aborted attempt, one duplicate.
func runsTopic(t *testing.T) (*testenv.Kafka, []schemas.RunEvent) {
	t.Helper()
	ctx := context.Background()
	kafka := testenv.NewKafka(t)
	src, err := sr.NewClient(sr.URLs(kafka.RegistryURL))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := serde.New(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafka.Brokers...), kgo.TransactionalID("test-worker"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	at := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	ev := func(tenant, run string, state schemas.RunState, attempt int32) schemas.RunEvent {
		at = at.Add(time.Second)
		e := schemas.RunEvent{EventID: run[:4] + "-" + string(state), RunID: run, ScenarioID: "5c000000-0000-4000-8000-00000000000" + run[35:],
			TenantID: tenant, State: state, Attempt: attempt, OccurredTS: at}
		switch state {
		case schemas.RunSucceeded:
			n := int64(240)
			e.OutputCount = &n
		case schemas.RunFailed:
			msg := "no base curves for 2026-05-01"
			e.Error = &msg
		case schemas.RunRunning:
			p := 0.0
			e.ProgressPercent = &p
		}
		return e
	}
	const (
		runA = "a0000000-0000-4000-8000-00000000000a"
		runB = "b0000000-0000-4000-8000-00000000000b"
		runC = "c0000000-0000-4000-8000-00000000000c"
	)
	events := []schemas.RunEvent{
		ev("acme", runA, schemas.RunQueued, 1),
		ev("globex", runB, schemas.RunQueued, 1),
		ev("acme", runA, schemas.RunRunning, 1),
		ev("globex", runB, schemas.RunRunning, 1),
		ev("acme", runA, schemas.RunSucceeded, 1),
		ev("globex", runB, schemas.RunFailed, 1),
		ev("acme", runC, schemas.RunQueued, 1),
		ev("acme", runC, schemas.RunCancelled, 1),
	}
	produce := func(commit bool, evs ...schemas.RunEvent) {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			b, err := sd.Encode(topology.TopicScenarioRun, e)
			if err != nil {
				t.Fatal(err)
			}
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topology.TopicScenarioRun, Key: []byte(e.RunID), Value: b}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	produce(true, events[:4]...)
	// An attempt that was aborted: its terminal event is never seen.
	aborted := ev("acme", runA, schemas.RunFailed, 1)
	aborted.EventID = "aborted"
	produce(false, aborted)
	produce(true, events[4:]...)
	produce(true, events[7]) // a republished CANCELLED
	return kafka, events
}

func TestRunsWatch(t *testing.T) {
	t.Parallel()
	kafka, events := runsTopic(t)
	var (
		runASucceeded = "2026-05-04T09:30:05.000Z tenant=acme run=a0000000-0000-4000-8000-00000000000a scenario=5c000000-0000-4000-8000-00000000000a state=SUCCEEDED attempt=1 outputs=240"
		runBFailed    = `2026-05-04T09:30:06.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=FAILED attempt=1 error="no base curves for 2026-05-01"`
		runCCancelled = "2026-05-04T09:30:08.000Z tenant=acme run=c0000000-0000-4000-8000-00000000000c scenario=5c000000-0000-4000-8000-00000000000c state=CANCELLED attempt=1"
	)
	tests := []struct {
		name  string
		args  []string
		want  []string
		exits bool // returns by itself (--run)
	}{
		{name: "completions of every tenant", args: []string{"--from-beginning"},
			want: []string{runASucceeded, runBFailed, runCCancelled}},
		{name: "completions of one tenant", args: []string{"--from-beginning", "--tenant", "acme"},
			want: []string{runASucceeded, runCCancelled}},
		{name: "every state of one run, then exit", args: []string{"--run", "B0000000-0000-4000-8000-00000000000B"}, exits: true,
			want: []string{
				"2026-05-04T09:30:02.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=QUEUED attempt=1",
				"2026-05-04T09:30:04.000Z tenant=globex run=b0000000-0000-4000-8000-00000000000b scenario=5c000000-0000-4000-8000-00000000000b state=RUNNING attempt=1 progress=0%",
				runBFailed,
			}},
		{name: "a run of another tenant", args: []string{"--run", "b0000000-0000-4000-8000-00000000000b", "--tenant", "acme"}},
		{name: "from now", args: nil},
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
			if flags.run != "" {
				flags.run = strings.ToLower(flags.run)
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
			got := out.Lines()
			if len(tc.want) == 0 && got[0] == "" {
				return
			}
			// Runs are on different partitions: only the order of one run's
			// events is defined, and their times increase.
			want := slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		var out testenv.Buffer
		w := &runWatcher{flags: runsWatchFlags{json: true}, out: &out, seen: newRecentIDs(2)}
		if err := w.print(events[5]); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out.Lines()[0]), &got); err != nil {
			t.Fatal(err)
		}
		if got["tenant_id"] != "globex" || got["state"] != "FAILED" || got["error"] != "no base curves for 2026-05-01" ||
			got["output_count"] != nil || got["occurred_ts"] != "2026-05-04T09:30:06Z" {
			t.Errorf("json line %v", got)
		}
	})
}

func TestRecentIDs(t *testing.T) {
	t.Parallel()
	r := newRecentIDs(2)
	for i, tc := range []struct {
		id   string
		want bool
	}{{"a", true}, {"a", false}, {"b", true}, {"c", true}, {"a", true}, {"c", false}} {
		if got := r.add(tc.id); got != tc.want {
			t.Errorf("step %d add(%q) = %v, want %v", i, tc.id, got, tc.want)
		}
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
