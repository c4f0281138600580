package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/subscriber"
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
	return ignoreCanceled(watchRuns(ctx, inv.cfg, inv.logger, flags, os.Stdout))
}

// watchRuns connects to the registry and follows the run events that flags
// select, printing them to out, until ctx ends or, with flags.run, the
// run's terminal event was printed.
func watchRuns(ctx context.Context, cfg config.Config, logger *slog.Logger, flags runsWatchFlags, out io.Writer) error {
	_, sd, err := connectSerde(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if flags.run != "" {
		// Following a run starts with a question to a broker (the topic's
		// partitions): fail fast, naming the setting, when none answers.
		cl, err := openKafka(ctx, cfg, logger, nil, "runs-watch")
		if err != nil {
			return err
		}
		cl.Close()
	}
	sub, err := subscriber.New(subscriber.Config{
		Brokers:       cfg.Brokers(),
		KafkaOptions:  kafkaOptions(logger, nil, "runs-watch"),
		RunID:         flags.run,
		Tenant:        flags.tenant,
		FromBeginning: flags.fromBeginning,
	}, subscriber.Deps{Decoder: sd, Logger: logger})
	if err != nil {
		return err
	}
	handle := subscriber.WriteText(out)
	if flags.json {
		handle = subscriber.WriteJSON(out)
	}
	return sub.Run(ctx, handle)
}
