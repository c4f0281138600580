// Command aurum is the one binary of the Aurum market-data platform. Each
// subcommand is a role (api, broker, ...) or an operator task (migrate,
// topology, schemas); `aurum dev` runs the whole platform in one process.
// This file and its siblings are the only composition root: they read the
// configuration, build every dependency and hand it down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"dev", "the whole platform in one process: embedded Kafka and registry, private PostgreSQL and Redis, the API", runDev},
		{"broker", "the embedded Kafka broker and schema registry alone", runBroker},
		{"api", "the HTTP API", runAPI},
		{"migrate", "apply database migrations", runMigrate},
		{"load", "publish curve files: load curves FILE...", runLoad},
		{"consume", "run a consumer group: consume curves", runConsume},
		{"collect", "collect a provider's series: collect <source> [--series ...]", runCollect},
		{"worker", "the scenario worker: executes scenario run requests", runWorker},
		{"dlq", "inspect or replay dead letters: dlq inspect|replay TOPIC [--reason R] [--since T] [--dry-run]", runDLQ},
		{"runs", "follow scenario runs: runs watch [--run ID] [--tenant T] [--from-beginning]", runRuns},
		{"topology", "apply or diff the declared Kafka topics (topology apply|diff)", runTopology},
		{"schemas", "check or register the Avro schemas (schemas check|register)", runSchemas},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stderr)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = nil // stopped by a signal, even while still starting up
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "aurum: %v\n", err)
		}
		stop()
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// errUsage marks a command line that could not be understood.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func usage(w io.Writer) {
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	var b strings.Builder
	b.WriteString("Usage: aurum <command> [flags]\n\nCommands:\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'aurum <command> --help' for a command's flags. Every flag can also be set\n" +
		"through its AURUM_* environment variable; flags win.\n")
	_, _ = io.WriteString(w, b.String())
}

func runVersion(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), "Usage: aurum version\n\nPrints the version of this binary.") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Println("aurum", version)
	return nil
}
