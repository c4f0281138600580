package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

const runsUsage = `Usage: aurum runs watch [--run ID] [--tenant T] [--from-beginning] [--json]

The reference subscriber of aurum.scenario.run.v1: a read_committed consumer
(no consumer group, nothing committed) that prints each run completion — a
RunEvent in a terminal state (SUCCEEDED, FAILED, CANCELLED, TIMED_OUT) — as a
line: time, tenant, run, scenario, state, attempt, output count, error.

  --run ID          every state change of that run, from the start of its
                    partition, then exit after its terminal event
  --tenant T        only runs of tenant T
  --from-beginning  completions since the start of the topic (default: from now)
  --json            one JSON object per line instead of text

Kafka and the schema registry default to the embedded ones of ` + "`aurum broker`" + `.
`

// runsWatchFlags are the flags of `aurum runs watch`.
type runsWatchFlags struct {
	run, tenant   string
	fromBeginning bool
	json          bool
}

func (f *runsWatchFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.run, "run", "", "follow every state of this run id and exit after its terminal event")
	fs.StringVar(&f.tenant, "tenant", "", "only runs of this tenant")
	fs.BoolVar(&f.fromBeginning, "from-beginning", false, "start at the beginning of the topic instead of now")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per event")
}

func runRuns(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "watch" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(os.Stderr, runsUsage)
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: aurum runs watch [--run ID] [--tenant T] [--from-beginning]", errUsage)
	}
	var flags runsWatchFlags
	inv, err := parse("runs watch", runsUsage, args[1:], flags.register)
	if err != nil {
		return err
	}
	if len(inv.args) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, inv.args[0])
	}
	if flags.run != "" {
		flags.run = strings.ToLower(flags.run)
	}
	return ignoreCanceled(watchRuns(ctx, inv.cfg, inv.logger, flags, os.Stdout))
}

// watchRuns connects to the registry and Kafka and prints run events to out
// until ctx ends or, with flags.run, the run's terminal event was printed.
func watchRuns(ctx context.Context, cfg config.Config, logger *slog.Logger, flags runsWatchFlags, out io.Writer) error {
	src, err := registryClient(cfg)
	if err != nil {
		return err
	}
	if err := pingRegistry(ctx, src); err != nil {
		return err
	}
	sd, err := serde.New(ctx, src, logger)
	if err != nil {
		return fmt.Errorf("%s: %w", config.SchemaRegistryURL.Env, err)
	}
	opts, err := watchPosition(ctx, cfg, logger, flags)
	if err != nil {
		return err
	}
	cl, err := kafkaClient(cfg, logger, nil, "runs-watch", append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	w := &runWatcher{flags: flags, serde: sd, logger: logger, out: out, seen: newRecentIDs(10_000)}
	return w.consume(ctx, cl)
}

// watchPosition is where the watch starts: with --run the run's partition
// (Kafka's murmur2 partitioner, as every Aurum producer uses) from its
// start; otherwise every partition from the end, or the start with
// --from-beginning.
func watchPosition(ctx context.Context, cfg config.Config, logger *slog.Logger, flags runsWatchFlags) ([]kgo.Opt, error) {
	if flags.run == "" {
		at := kgo.NewOffset().AtEnd()
		if flags.fromBeginning {
			at = kgo.NewOffset().AtStart()
		}
		return []kgo.Opt{kgo.ConsumeTopics(topology.TopicScenarioRun), kgo.ConsumeResetOffset(at)}, nil
	}
	meta, err := kafkaClient(cfg, logger, nil, "runs-watch")
	if err != nil {
		return nil, err
	}
	defer meta.Close()
	if err := pingKafka(ctx, meta); err != nil {
		return nil, err
	}
	tds, err := admin(meta).ListTopics(ctx, topology.TopicScenarioRun)
	if err == nil {
		err = tds.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", topology.TopicScenarioRun, err)
	}
	n := len(tds[topology.TopicScenarioRun].Partitions)
	if n == 0 {
		return nil, fmt.Errorf("topic %s has no partitions", topology.TopicScenarioRun)
	}
	p := topology.Partition(topology.TopicScenarioRun, []byte(flags.run), n)
	return []kgo.Opt{kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topology.TopicScenarioRun: {p: kgo.NewOffset().AtStart()},
	})}, nil
}

// runWatcher filters and prints run events.
type runWatcher struct {
	flags runsWatchFlags
	serde interface {
		Decode(ctx context.Context, topic string, b []byte, v any) error
	}
	logger *slog.Logger
	out    io.Writer
	seen   *recentIDs
}

// consume prints the events polled from cl until ctx ends (returning its
// error) or, with --run, after the run's terminal event (returning nil).
func (w *runWatcher) consume(ctx context.Context, cl *kgo.Client) error {
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		if fetches.IsClientClosed() {
			return errors.New("kafka client closed")
		}
		fetches.EachError(func(topic string, p int32, err error) {
			w.logger.Warn("fetch failed; retrying", slog.String("topic", topic), slog.Int("partition", int(p)),
				slog.String("error", err.Error()))
		})
		for iter := fetches.RecordIter(); !iter.Done(); {
			done, err := w.handle(ctx, iter.Next())
			if err != nil || done {
				return err
			}
		}
	}
}

// handle prints rec if it passes the filters; done is true once the
// followed run's terminal event was printed.
func (w *runWatcher) handle(ctx context.Context, rec *kgo.Record) (done bool, err error) {
	if w.flags.run != "" && string(rec.Key) != w.flags.run {
		return false, nil
	}
	var ev schemas.RunEvent
	if err := w.serde.Decode(ctx, rec.Topic, rec.Value, &ev); err != nil {
		w.logger.Warn("skipping undecodable record", slog.Int("partition", int(rec.Partition)),
			slog.Int64("offset", rec.Offset), slog.String("error", err.Error()))
		return false, nil
	}
	switch {
	case w.flags.tenant != "" && ev.TenantID != w.flags.tenant,
		w.flags.run != "" && ev.RunID != w.flags.run,
		w.flags.run == "" && !ev.State.Terminal():
		return false, nil
	}
	// Delivery is at least once: a republished event keeps its id.
	if !w.seen.add(ev.EventID) {
		return false, nil
	}
	if err := w.print(ev); err != nil {
		return false, fmt.Errorf("write: %w", err)
	}
	return w.flags.run != "" && ev.State.Terminal(), nil
}

func (w *runWatcher) print(ev schemas.RunEvent) error {
	if w.flags.json {
		b, err := json.Marshal(runEventLine{
			EventID: ev.EventID, RunID: ev.RunID, ScenarioID: ev.ScenarioID, TenantID: ev.TenantID,
			State: string(ev.State), Attempt: ev.Attempt, ProgressPercent: ev.ProgressPercent,
			OutputCount: ev.OutputCount, Error: ev.Error, OccurredTS: ev.OccurredTS.UTC(),
		})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w.out, "%s\n", b)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s tenant=%s run=%s scenario=%s state=%s attempt=%d",
		ev.OccurredTS.UTC().Format("2006-01-02T15:04:05.000Z"), ev.TenantID, ev.RunID, ev.ScenarioID, ev.State, ev.Attempt)
	if ev.ProgressPercent != nil && !ev.State.Terminal() {
		fmt.Fprintf(&b, " progress=%g%%", *ev.ProgressPercent)
	}
	if ev.OutputCount != nil {
		fmt.Fprintf(&b, " outputs=%d", *ev.OutputCount)
	}
	if ev.Error != nil {
		fmt.Fprintf(&b, " error=%q", *ev.Error)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w.out, b.String())
	return err
}

// runEventLine is a RunEvent as --json prints it.
type runEventLine struct {
	EventID         string    `json:"event_id"`
	RunID           string    `json:"run_id"`
	ScenarioID      string    `json:"scenario_id"`
	TenantID        string    `json:"tenant_id"`
	State           string    `json:"state"`
	Attempt         int32     `json:"attempt"`
	ProgressPercent *float64  `json:"progress_percent"`
	OutputCount     *int64    `json:"output_count"`
	Error           *string   `json:"error"`
	OccurredTS      time.Time `json:"occurred_ts"`
}

// recentIDs remembers the last n ids added, to drop redeliveries.
type recentIDs struct {
	ids  map[string]struct{}
	ring []string
	next int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ids: make(map[string]struct{}, n), ring: make([]string, n)}
}

// add reports whether id is new, remembering it.
func (r *recentIDs) add(id string) bool {
	if _, ok := r.ids[id]; ok {
		return false
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.ids[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
	return true
}
