package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/fred"
	"github.com/aurum-energy/aurum/topology"
)

// collectSource is one source `aurum collect` knows: its HTTP client's
// defaults and how to build it from the parsed flags.
type collectSource struct {
	summary string
	client  func() collector.ClientConfig
	build   func(f *collectFlags) (collector.Source, error)
}

// collectSources is the registry of sources, one line each, by the name
// given to `aurum collect`.
var collectSources = map[string]collectSource{
	"fred": {
		summary: "FRED series and their metadata: --series GDP,CPILFESL",
		client:  fred.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return fred.New(fred.Config{Series: f.seriesList()})
		},
	},
}

const collectUsage = `Usage: aurum collect <source> [flags]

Collects a data provider's series into Kafka (` + topology.TopicExtTimeseriesObs + `,
` + topology.TopicExtSeriesCatalog + `, ISO topics), one transaction per page
with the series' checkpoint on ` + topology.TopicCollectorCheckpoint + `: a crash
or Ctrl-C fetches the page in flight again, never skips or duplicates one.
A finished series resumes after its last observation, so a second run over the
same window adds nothing; --every repeats the collection on a schedule.

Sources:
%s
Each source reads AURUM_<SOURCE>_BASE_URL (default: the provider's real URL) and
AURUM_<SOURCE>_API_KEY, e.g. AURUM_FRED_API_KEY. A provider answer that cannot be
read is logged and fetched again a few times; then its series fails, the others
continue, and the exit code is 1.
`

// collectFlags are the flags of `aurum collect` beyond the shared settings.
// Sources needing more add them here.
type collectFlags struct {
	since, until string
	every        time.Duration
	series       string
	noProgress   bool
	metricsAddr  string
}

func (f *collectFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.since, "since", "", "collect observations from this date or RFC 3339 time on (empty: the provider's first)")
	fs.StringVar(&f.until, "until", "", "collect observations up to this date (inclusive) or RFC 3339 time (empty: the latest)")
	fs.DurationVar(&f.every, "every", 0, "collect again every D (e.g. 1h) until stopped (0: once)")
	fs.StringVar(&f.series, "series", "", "comma-separated series to collect (fred: series ids)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "never draw a progress bar (it is drawn only when stderr is a terminal)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on http://ADDR/metrics (empty: off)")
}

// seriesList is --series split on commas, blanks dropped.
func (f *collectFlags) seriesList() []string {
	var out []string
	for _, s := range strings.Split(f.series, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// window is --since and --until; a date alone as --until means the end of
// that day.
func (f *collectFlags) window() (collector.Window, error) {
	var w collector.Window
	var err error
	if w.Since, _, err = parseInstant(f.since); err != nil {
		return w, fmt.Errorf("%w: --since: %v", errUsage, err)
	}
	var dateOnly bool
	if w.Until, dateOnly, err = parseInstant(f.until); err != nil {
		return w, fmt.Errorf("%w: --until: %v", errUsage, err)
	}
	if dateOnly {
		w.Until = w.Until.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	return w, nil
}

func parseInstant(s string) (t time.Time, dateOnly bool, err error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t.UTC(), false, nil
}

// sourceList is the Sources section of the usage.
func sourceList() string {
	var b strings.Builder
	for _, n := range sourceNames() {
		fmt.Fprintf(&b, "  %-10s %s\n", n, collectSources[n].summary)
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
	w, err := flags.window()
	if err != nil {
		return err
	}
	src, err := entry.build(&flags)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	logger := inv.logger
	reg := telemetry.NewRegistry()
	metrics := telemetry.NewMetrics(reg)

	env := "AURUM_" + strings.ToUpper(name) + "_"
	hc := entry.client()
	if u := os.Getenv(env + "BASE_URL"); u != "" {
		hc.BaseURL = u
	}
	hc.APIKey = os.Getenv(env + "API_KEY")
	hc.Metrics, hc.Logger = metrics, logger
	httpc, err := collector.NewClient(hc)
	if err != nil {
		return fmt.Errorf("%sBASE_URL: %w", env, err)
	}

	var cl closers
	defer cl.close()
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
	c, err := collector.New(collector.Config{Window: w, Every: flags.every, Progress: progress},
		collector.Deps{Source: src, HTTP: httpc, Kafka: kc, Serde: sd, Logger: logger})
	if err != nil {
		return err
	}
	return ignoreCanceled(c.Run(ctx))
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
