package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/curvefile"
	"github.com/aurum-energy/aurum/topology"
)

const dlqUsage = `Usage: aurum dlq inspect TOPIC [--since T] [--until T] [--reason R] [--stage S] [--limit N] [--json]
       aurum dlq replay TOPIC [--since T] [--until T] [--reason R] [--stage S] [--set COLUMN=VALUE]... [--dry-run]

The dead letters of a dead-letter topic, read with read_committed isolation
and no consumer group. TOPIC is one of:
%s

inspect lists them, oldest first: when, partition/offset on TOPIC,
stage/reason, key, the source topic (with the partition/offset of a record
consumed from there), then the raw row of a quarantined file row or a hex
preview of the original bytes. It changes nothing.

replay re-publishes them to their source topic with their original key, value
and headers plus ` + deadletter.HeaderReplayFrom + ` (TOPIC/partition/offset), in Kafka
transactions that also write which dead letters were replayed to
` + topology.TopicCollectorCheckpoint + ` (collector ` + deadletter.ReplayCollector + `): a dead letter is
replayed once, however often replay runs and whatever its filters. A quarantined
curve-file row (stage load) is read again with the loader's rules after --set
replaced its cells; a row still broken is skipped and can be replayed after
another fix. It prints a summary: seen, matched, replayed, skipped.

  --since T, --until T  dead-lettered at or after / at or before T: a UTC day
                        YYYY-MM-DD (included), an RFC 3339 time or an age (2h, 7d)
  --reason R            only these reason codes (missing_units,check_violation)
  --stage S             only this stage (load, decode, validate, materialize, process)
  --limit N             inspect: show the first N (0: all)
  --json                inspect: one JSON object per dead letter
  --set COLUMN=VALUE    replay: a cell of the quarantined curve-file rows
                        (repeatable; implies --stage load)
  --dry-run             replay: list and count what would be replayed, publish nothing
`

// dlqFlags are the flags of `aurum dlq inspect|replay`.
type dlqFlags struct {
	since, until string
	reasons      string
	stage        string
	limit        int
	json         bool
	set          cellFlag
	dryRun       bool
}

func (f *dlqFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.since, "since", "", "dead-lettered at or after: YYYY-MM-DD, RFC 3339 or an age (2h, 7d)")
	fs.StringVar(&f.until, "until", "", "dead-lettered at or before: YYYY-MM-DD, RFC 3339 or an age")
	fs.StringVar(&f.reasons, "reason", "", "only these reason codes (comma-separated)")
	fs.StringVar(&f.stage, "stage", "", "only this stage: load, decode, validate, materialize, process")
	fs.IntVar(&f.limit, "limit", 100, "inspect: show at most this many (0: all)")
	fs.BoolVar(&f.json, "json", false, "inspect: one JSON object per dead letter")
	fs.Var(&f.set, "set", "replay: COLUMN=VALUE for the quarantined curve-file rows (repeatable)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "replay: publish nothing, list what would be replayed")
}

// cellFlag collects --set COLUMN=VALUE.
type cellFlag map[string]string

func (c *cellFlag) String() string { return fmt.Sprint(map[string]string(*c)) }

func (c *cellFlag) Set(s string) error {
	name, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("%q is not COLUMN=VALUE", s)
	}
	if *c == nil {
		*c = cellFlag{}
	}
	(*c)[strings.TrimSpace(name)] = v
	return nil
}

// filter is the Filter the flags select, with ages counted back from now.
func (f *dlqFlags) filter(now time.Time) (deadletter.Filter, error) {
	bound := func(s string) string {
		if age, err := config.ParseAge(s); err == nil && s != "" {
			return now.Add(-age).UTC().Format(time.RFC3339Nano)
		}
		return s
	}
	w, err := collector.ParseWindow(bound(f.since), bound(f.until), time.UTC)
	if err != nil {
		return deadletter.Filter{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	stages := []string{deadletter.StageLoad, deadletter.StageDecode, deadletter.StageValidate, deadletter.StageMaterialize, deadletter.StageProcess}
	if f.stage != "" && !slices.Contains(stages, f.stage) {
		return deadletter.Filter{}, fmt.Errorf("%w: --stage %q is not one of %s", errUsage, f.stage, strings.Join(stages, ", "))
	}
	flt := deadletter.Filter{Stage: f.stage, Since: w.Since, Until: w.Until}
	if f.reasons != "" {
		for r := range strings.SplitSeq(f.reasons, ",") {
			flt.Reasons = append(flt.Reasons, strings.TrimSpace(r))
		}
	}
	if len(f.set) > 0 {
		if f.stage != "" && f.stage != deadletter.StageLoad {
			return flt, fmt.Errorf("%w: --set corrects quarantined rows (stage load), not --stage %s", errUsage, f.stage)
		}
		flt.Stage = deadletter.StageLoad
	}
	return flt, nil
}

// deadLetterTopics lists the declared dead-letter topics, for usage.
func deadLetterTopics() []string {
	var names []string
	for _, t := range topology.Topics() {
		if t.IsDeadLetter() {
			names = append(names, t.Name)
		}
	}
	return names
}

// runDLQ implements `aurum dlq inspect|replay TOPIC`.
func runDLQ(ctx context.Context, args []string) error {
	topics := deadLetterTopics()
	usage := fmt.Sprintf(dlqUsage, "  "+strings.Join(topics, "\n  "))
	if len(args) == 0 || (args[0] != "inspect" && args[0] != "replay") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(os.Stderr, usage)
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: aurum dlq inspect|replay TOPIC [flags]", errUsage)
	}
	verb, rest := args[0], args[1:]
	// Accept the topic before or after the flags.
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		rest = append(append([]string(nil), rest[1:]...), rest[0])
	}
	var flags dlqFlags
	inv, err := parse("dlq "+verb, usage, rest, flags.register)
	if err != nil {
		return err
	}
	if len(inv.args) != 1 {
		return fmt.Errorf("%w: aurum dlq %s TOPIC (one of %s)", errUsage, verb, strings.Join(topics, ", "))
	}
	topic := inv.args[0]
	if t, ok := topology.Lookup(topic); !ok || !t.IsDeadLetter() {
		return fmt.Errorf("%w: %q is not a dead-letter topic (one of %s)", errUsage, topic, strings.Join(topics, ", "))
	}
	if verb == "inspect" {
		return ignoreCanceled(inspectDLQ(ctx, inv.cfg, inv.logger, topic, flags, os.Stdout, os.Stderr))
	}
	return ignoreCanceled(replayDLQ(ctx, inv.cfg, inv.logger, topic, flags, os.Stdout))
}

// readCommitted is the ReadFunc of cl: every committed record up to the
// end of a topic, without a group.
func readCommitted(cl *kgo.Client) deadletter.ReadFunc {
	return func(ctx context.Context, topic string, fn func(*kgo.Record)) error {
		return collector.ReadTopic(ctx, cl, topic, true, fn)
	}
}

// inspectDLQ prints the dead letters of topic that flags select to out,
// and how many there were to summary.
func inspectDLQ(ctx context.Context, cfg config.Config, logger *slog.Logger, topic string, flags dlqFlags, out, summary io.Writer) error {
	if len(flags.set) > 0 || flags.dryRun {
		return fmt.Errorf("%w: --set and --dry-run are flags of replay", errUsage)
	}
	filter, err := flags.filter(time.Now())
	if err != nil {
		return err
	}
	cl, err := openKafka(ctx, cfg, logger, nil, "dlq-inspect")
	if err != nil {
		return err
	}
	defer cl.Close()
	matched, seen, err := deadletter.Inspect(ctx, readCommitted(cl), topic, filter)
	if err != nil {
		return err
	}
	shown := matched
	if flags.limit > 0 && len(shown) > flags.limit {
		shown = shown[:flags.limit]
	}
	write := deadletter.WriteText
	if flags.json {
		write = deadletter.WriteJSON
	}
	for _, l := range shown {
		if err := write(out, l); err != nil {
			return err
		}
	}
	fmt.Fprintf(summary, "%s: %d dead letters, %d matched, %d shown\n", topic, seen, len(matched), len(shown))
	return nil
}

// replayDLQ replays the dead letters of topic that flags select and prints
// the summary to out, after a line per dead letter skipped for a reason
// other than having been replayed already (and, in a dry run, per dead
// letter that would be replayed).
func replayDLQ(ctx context.Context, cfg config.Config, logger *slog.Logger, topic string, flags dlqFlags, out io.Writer) error {
	if flags.json {
		return fmt.Errorf("%w: --json is a flag of inspect", errUsage)
	}
	filter, err := flags.filter(time.Now())
	if err != nil {
		return err
	}
	if len(flags.set) > 0 && topic != topology.TopicCurveObservationDLQ {
		return fmt.Errorf("%w: --set corrects the quarantined rows of curve files, on %s", errUsage, topology.TopicCurveObservationDLQ)
	}
	var opts []kgo.Opt
	if !flags.dryRun {
		opts = append(opts, kgo.TransactionalID(deadletter.ReplayTransactionalID(topic)))
	}
	cl, err := openKafka(ctx, cfg, logger, nil, "dlq-replay", opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	_, sd, err := connectSerde(ctx, cfg, logger)
	if err != nil {
		return err
	}
	deps := deadletter.ReplayDeps{
		Producer: cl, Read: readCommitted(cl), Serde: sd, Logger: logger,
		Report: func(l deadletter.Letter, skipped string) {
			switch {
			case skipped == "" && flags.dryRun:
				fmt.Fprintf(out, "would replay %d/%d to %s\n", l.At.Partition, l.At.Offset, l.Source.Topic)
			case skipped != "" && skipped != deadletter.SkipReplayed:
				fmt.Fprintf(out, "skipped %d/%d: %s\n", l.At.Partition, l.At.Offset, skipped)
			}
		},
	}
	if topic == topology.TopicCurveObservationDLQ {
		rb, err := curvefile.NewRebuilder(sd, flags.set, nil)
		if err != nil {
			return fmt.Errorf("%w: --set: %v", errUsage, err)
		}
		deps.Rebuild = rb.Rebuild
	}
	sum, err := deadletter.Replay(ctx, deadletter.ReplayConfig{Topic: topic, Filter: filter, DryRun: flags.dryRun}, deps)
	fmt.Fprintln(out, sum)
	return err
}
