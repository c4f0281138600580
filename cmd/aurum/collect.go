package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/topology"
)

const collectUsage = `Usage: aurum collect <source> [flags]

Collects a data provider's series into Kafka (` + topology.TopicExtTimeseriesObs + `,
` + topology.TopicExtSeriesCatalog + `, ISO topics), one transaction per page
with the series' checkpoint on ` + topology.TopicCollectorCheckpoint + `: a crash
or Ctrl-C fetches the page in flight again, never skips or duplicates one.
A finished series resumes after its last observation, so a second run over the
same window adds nothing (--recollect publishes it again); --every repeats the
collection on a schedule.

Sources:
%s
Each source reads AURUM_<SOURCE>_BASE_URL (default: the provider's real URL) and
AURUM_<SOURCE>_API_KEY, e.g. AURUM_FRED_API_KEY. A provider answer that cannot be
read is logged and fetched again a few times; then its series fails, the others
continue, and the exit code is 1.
`

// window is --since and --until of src: a date names an operating day in
// the source's market zone (UTC for series providers), both days
// included.
func (f *collectFlags) window(src collector.Source) (collector.Window, error) {
	w, err := collector.ParseWindow(f.since, f.until, collector.ZoneOf(src))
	if err != nil {
		return w, fmt.Errorf("%w: %v", errUsage, err)
	}
	return w, nil
}

// sourceList is the Sources section of the usage.
func sourceList() string {
	var b strings.Builder
	for _, n := range sourceNames() {
		src := collectSources[n]
		fmt.Fprintf(&b, "  %-10s %s\n  %-10s flags: %s\n", n, src.summary, "", flagList(src.flags))
	}
	return b.String()
}

// runCollect implements `aurum collect <source>`.
func runCollect(ctx context.Context, args []string) error {
	// Accept the source before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append(append([]string(nil), args[1:]...), args[0])
	}
	var flags collectFlags
	inv, err := parse("collect", fmt.Sprintf(collectUsage, sourceList()), args, flags.register)
	if err != nil {
		return err
	}
	if len(inv.args) != 1 {
		return fmt.Errorf("%w: aurum collect <source> (sources: %s)", errUsage, strings.Join(sourceNames(), ", "))
	}
	name := inv.args[0]
	entry, ok := collectSources[name]
	if !ok {
		return fmt.Errorf("%w: unknown source %q (sources: %s)", errUsage, name, strings.Join(sourceNames(), ", "))
	}
	if err := flags.checkSourceFlags(name, entry); err != nil {
		return err
	}
	src, err := entry.build(&flags)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	w, err := flags.window(src)
	if err != nil {
		return err
	}
	logger := inv.logger
	reg := telemetry.NewRegistry()
	metrics := telemetry.NewMetrics(reg)

	httpc, err := sourceClient(name, entry, "", metrics, logger)
	if err != nil {
		return err
	}

	var cl closers
	defer cl.close()
	tracing, err := inv.tracing(&cl)
	if err != nil {
		return err
	}
	kc, err := kafkaClient(inv.cfg, logger, reg, "collect-"+name)
	if err != nil {
		return err
	}
	cl.add(kc.Close)
	if err := pingKafka(ctx, kc); err != nil {
		return err
	}
	rc, err := registryClient(inv.cfg)
	if err != nil {
		return err
	}
	if err := pingRegistry(ctx, rc); err != nil {
		return err
	}
	sd, err := serde.New(ctx, rc, logger)
	if err != nil {
		return err
	}
	if flags.metricsAddr != "" {
		stop, err := serveMetrics(flags.metricsAddr, reg, logger)
		if err != nil {
			return err
		}
		cl.add(stop)
	}
	var progress io.Writer
	if !flags.noProgress && term.IsTerminal(int(os.Stderr.Fd())) {
		progress = os.Stderr
	}
	c, err := collector.New(collector.Config{Window: w, Every: flags.every, Recollect: flags.recollect, Progress: progress},
		collector.Deps{Source: src, HTTP: httpc, Kafka: kc, Serde: sd, Logger: logger, Tracer: tracing.Tracer(scopeCollector)})
	if err != nil {
		return err
	}
	return ignoreCanceled(c.Run(ctx))
}

// sourceClient is the HTTP client of source name: its defaults, with
// AURUM_<SOURCE>_BASE_URL (else fallbackURL, when not empty) and
// AURUM_<SOURCE>_API_KEY from the environment.
func sourceClient(name string, entry collectSource, fallbackURL string, metrics *telemetry.Metrics, logger *slog.Logger) (*collector.Client, error) {
	env := "AURUM_" + strings.ToUpper(name) + "_"
	hc := entry.client()
	if u := os.Getenv(env + "BASE_URL"); u != "" {
		hc.BaseURL = u
	} else if fallbackURL != "" {
		hc.BaseURL = fallbackURL
	}
	hc.APIKey = os.Getenv(env + "API_KEY")
	hc.Metrics, hc.Logger = metrics, logger
	c, err := collector.NewClient(hc)
	if err != nil {
		return nil, fmt.Errorf("%sBASE_URL: %w", env, err)
	}
	return c, nil
}

// sourceNames are the registered sources, sorted.
func sourceNames() []string {
	names := make([]string, 0, len(collectSources))
	for n := range collectSources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
