package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/aurum-energy/aurum/internal/config"
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

// collectFlags are the flags of `aurum collect` every source takes; the
// sources' own are declared by the registry (sources.Bind).
type collectFlags struct {
	since, until string
	every        time.Duration
	recollect    bool
	noProgress   bool
	metricsAddr  string
	sources      *collector.Bound
}

func (f *collectFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.since, "since", "", "collect observations from this date (an operating day in the market's zone, UTC for series providers) or RFC 3339 time on (empty: the provider's first, or the source's lookback)")
	fs.StringVar(&f.until, "until", "", "collect observations up to this date (an operating day, included) or RFC 3339 time (included; empty: the latest)")
	fs.DurationVar(&f.every, "every", 0, "collect again every D (e.g. 1h) until stopped (0: once)")
	fs.BoolVar(&f.recollect, "recollect", false, "collect the window again from --since, whatever the checkpoints say (e.g. after a change of series ids)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "never draw a progress bar (it is drawn only when stderr is a terminal)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on http://ADDR/metrics (empty: off)")
	f.sources = sources.Bind(fs)
}

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
	for _, n := range sources.Names() {
		fmt.Fprintf(&b, "  %-10s %s\n  %-10s flags: %s\n  %-10s e.g.   aurum collect %s %s\n", n, sources.Summary(n),
			"", collector.FlagList(sources.Flags(n)), "", n, strings.Join(sources.Example(n), " "))
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
		return fmt.Errorf("%w: aurum collect <source> (sources: %s)", errUsage, strings.Join(sources.Names(), ", "))
	}
	name := inv.args[0]
	src, err := flags.sources.Build(name)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	w, err := flags.window(src)
	if err != nil {
		return err
	}
	var progress io.Writer
	if !flags.noProgress && term.IsTerminal(int(os.Stderr.Fd())) {
		progress = os.Stderr
	}
	return runOn(ctx, inv, flags.metricsAddr, connectProducer("collect-"+name), func(p *platform) (runner, error) {
		httpc, err := sourceClient(inv.cfg, name, "", p.metrics, p.logger)
		if err != nil {
			return nil, err
		}
		return collector.New(collector.Config{Window: w, Every: flags.every, Recollect: flags.recollect, Progress: progress},
			collector.Deps{Source: src, HTTP: httpc, Kafka: p.kafka, Serde: p.serde, Logger: p.logger, Tracer: p.tracing.Tracer(scopeCollector)})
	})
}

// sourceClient is the HTTP client of source name: its defaults, with its
// provider's settings (AURUM_<SOURCE>_BASE_URL, else fallbackURL when not
// empty, and AURUM_<SOURCE>_API_KEY).
func sourceClient(cfg config.Config, name, fallbackURL string, metrics *telemetry.Metrics, logger *slog.Logger) (*collector.Client, error) {
	hc, err := sources.Client(name)
	if err != nil {
		return nil, err
	}
	p := cfg.Provider(name)
	hc.BaseURL = cmp.Or(p.BaseURL, fallbackURL, hc.BaseURL)
	hc.APIKey = p.APIKey
	hc.Metrics, hc.Logger = metrics, logger
	c, err := collector.NewClient(hc)
	if err != nil {
		baseURL, _ := config.ProviderSettings(name)
		return nil, fmt.Errorf("%s: %w", baseURL.Env, err)
	}
	return c, nil
}
