package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/topology"
)

const workerUsage = `Usage: aurum worker [flags]

Runs the scenario worker (group ` + topology.GroupScenarioWorker + `): executes the run requests of
` + topology.TopicScenarioRequest + ` against the base curves in curve_observation, keeps each run's
state on its scenario_run row, writes scenario_output, and publishes the outputs
(` + topology.TopicScenarioOutput + `), the terminal RunEvent (` + topology.TopicScenarioRun + `) and the
request's offset in one Kafka transaction. A RUNNING event is published as each
attempt starts. Poison requests go to ` + topology.TopicScenarioRequestDLQ + `.

Needs AURUM_DATABASE_URL; Kafka and the schema registry default to the embedded
ones of ` + "`aurum broker`" + `. Each worker running at one time needs its own
--transactional-id, kept across restarts (the default uses the host name).
Ctrl-C finishes the runs in hand and commits them.
`

// workerFlags are the flags of `aurum worker` beyond the shared settings.
type workerFlags struct {
	metricsAddr     string
	concurrency     int
	transactionalID string
}

func (f *workerFlags) register(fs *flag.FlagSet) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "local"
	}
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on http://ADDR/metrics (empty: off)")
	fs.IntVar(&f.concurrency, "concurrency", scenario.DefaultConcurrency, "runs executed at once, started round-robin across tenants; while others wait, at most half of them one tenant's")
	fs.StringVar(&f.transactionalID, "transactional-id", topology.GroupScenarioWorker+"-"+host,
		"transactional ID of this worker: unique among running workers, stable across restarts")
}

// runWorker is `aurum worker`; commands() in main.go lists it.
func runWorker(ctx context.Context, args []string) error {
	var flags workerFlags
	inv, err := parse("worker", workerUsage, args, flags.register)
	if err != nil {
		return err
	}
	if len(inv.args) != 0 {
		return fmt.Errorf("%w: aurum worker takes no arguments, got %q", errUsage, inv.args)
	}
	return runOn(ctx, inv, flags.metricsAddr, connectData, func(p *platform) (runner, error) {
		return p.newScenarioWorker(flags.transactionalID, flags.concurrency)
	})
}

// newScenarioWorker builds the scenario worker on the platform.
func (p *platform) newScenarioWorker(transactionalID string, concurrency int) (*scenario.Worker, error) {
	return scenario.New(scenario.Config{
		Brokers:         p.cfg.Brokers(),
		TransactionalID: transactionalID,
		Concurrency:     concurrency,
		KafkaOptions:    kafkaOptions(p.logger, nil, "scenario-worker"),
		// The session's client is the one that registers client metrics:
		// the worker runs several clients, and kprom names must be unique.
		SessionOptions: []kgo.Opt{telemetry.KafkaHooks(p.registry, "scenario-worker")},
	}, scenario.Deps{DB: p.store, Serde: p.serde, Metrics: p.metrics, Logger: p.logger,
		Tracer: p.tracing.Tracer(scopeWorker)})
}
