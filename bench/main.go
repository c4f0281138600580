// Command bench measures Aurum's curve storage against baselines run in the
// same process, on the same machine and the same database server, and
// prints each figure as a ratio to its baseline.
//
// The workload is one end-of-day curve file of 300,000 monthly rows (1,250
// MISO locations × blocks ON and OFF × 120 tenors) as of a business day
// about 60 days ago, and the next business day's file. For each database
// set-up — plain PostgreSQL, and TimescaleDB where it is installed — on a
// fresh private server:
//
//  1. file → queryable rows/s: `aurum load curves` through Kafka until the
//     curve materialiser has committed every record, against psql COPYing
//     the file into a temporary table and upserting it with one INSERT …
//     ON CONFLICT into a plain 20-column table (bench_plain);
//  2. database growth per row, and again after the compression policies
//     ran (TimescaleDB);
//  3. rows and WAL written by loading the same file again;
//  4. the next day's file: rows/s and growth per row;
//  5. GET /v1/curves for one curve's 120 points, every request a cache
//     miss, against pgbench running the same read on bench_plain (right
//     before and after aurum's reads, `aurum dev` idle: the mean of both);
//  6. the same with every request a cache hit;
//  7. the peak resident memory of `aurum dev` during the first load.
//
// Then (d), scenario runs, on a set-up of its own with the API, the scenario
// worker and the outbox relay in process:
//
//   - one run at a time, the latency from POST run to its terminal event at
//     a read_committed Kafka subscriber (p50, p99), beside a baseline
//     measured first: the same with the outbox relay as it was, polling
//     every 200 ms with no waker;
//   - runs/s of a burst posted at once, round-robin across 8 tenants;
//   - fairness: tenant B's latency, one run at a time, while a burst of
//     tenant A's runs is in flight, and A's runs/s;
//   - the engine's pure compute time for the same scenario.
//
// Every run must end SUCCEEDED with exactly one terminal event, or the
// bench fails.
//
// It builds aurum into a temporary directory and runs `aurum dev` there
// against its private PostgreSQL and Redis. Run it with `make bench`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	var opts options
	var setups string
	flag.IntVar(&opts.locations, "locations", 1250, "MISO locations of the curve files; each has 2 blocks × 120 tenors (1250: the issue's 300,000 rows)")
	flag.StringVar(&setups, "setups", "plain,timescale", "database set-ups to measure, comma-separated: plain, timescale (empty: none, runs only)")
	flag.IntVar(&opts.concurrency, "concurrency", 16, "concurrent HTTP connections and pgbench clients")
	flag.DurationVar(&opts.duration, "duration", 5*time.Second, "how long each read measurement runs")
	flag.IntVar(&opts.runs, "runs", 200, "scenario runs one at a time for the latency figure; the polling-relay baseline runs a quarter as many, at least 20 (0: skip every scenario-run figure)")
	flag.IntVar(&opts.burst, "burst", 400, "scenario runs posted at once across 8 tenants, for runs/s (0: skip)")
	flag.IntVar(&opts.fairness, "fairness", 300, "scenario runs of tenant A posted at once while tenant B posts one at a time, for B's latency (0: skip)")
	flag.BoolVar(&opts.verbose, "v", false, "log what the platform does")
	flag.Parse()
	kinds, err := parseSetups(setups)
	if err == nil && (opts.locations < 1 || opts.concurrency < 1 || opts.duration <= 0 || opts.runs < 0 || opts.burst < 0 || opts.fairness < 0) {
		err = errors.New("-locations, -concurrency and -duration must be positive, -runs, -burst and -fairness not negative")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	opts.setups = kinds

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	locations   int
	setups      []setupKind
	concurrency int
	duration    time.Duration
	runs        int
	burst       int // runs posted at once across tenants
	fairness    int // runs of tenant A's burst under which tenant B's latency is measured
	verbose     bool
}

func parseSetups(list string) ([]setupKind, error) {
	var kinds []setupKind
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	for _, name := range strings.Split(list, ",") {
		i := slices.IndexFunc(setupKinds, func(k setupKind) bool { return k.flag == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("-setups: unknown set-up %q (plain, timescale)", name)
		}
		kinds = append(kinds, setupKinds[i])
	}
	return kinds, nil
}

func run(ctx context.Context, opts options) error {
	began := time.Now()
	logger := slog.New(slog.DiscardHandler)
	if opts.verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	dir, err := os.MkdirTemp("", "aurum-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	// The private servers run as unprivileged users when we are root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	t, err := findTools()
	if err != nil {
		return err
	}
	progress("building aurum")
	t.aurum = filepath.Join(dir, "aurum")
	build := exec.CommandContext(ctx, "go", "build", "-o", t.aurum, "./cmd/aurum")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build aurum (run from the repository root): %w", err)
	}
	w, err := newWorkload(dir, opts.locations, time.Now())
	if err != nil {
		return err
	}
	progress("curve files of %d rows each, as of %s and %s", w.rows(), w.day1.Format(time.DateOnly), w.day2.Format(time.DateOnly))

	var reports []*setupReport
	for _, kind := range opts.setups {
		r, err := measureSetup(ctx, kind, filepath.Join(dir, kind.flag), t, w, opts, logger)
		if err != nil {
			return fmt.Errorf("%s: %w", kind.name, err)
		}
		reports = append(reports, r)
	}
	var runs *runsReport
	if opts.runs > 0 {
		if runs, err = measureScenarioRuns(ctx, filepath.Join(dir, "runs"), opts, logger); err != nil {
			return fmt.Errorf("scenario runs: %w", err)
		}
	}

	fmt.Println()
	if len(reports) > 0 {
		fmt.Printf("Curve storage: %d rows per file (%d MISO locations × ON/OFF × %d monthly tenors), as of %s and %s.\n",
			w.rows(), w.locations, tenors, w.day1.Format(time.DateOnly), w.day2.Format(time.DateOnly))
	}
	fmt.Println("ratio = aurum / baseline; the target says whether higher (≥) or lower (≤) is better.")
	for _, r := range reports {
		r.print(os.Stdout, opts)
	}
	if runs != nil {
		runs.print(os.Stdout)
	}
	fmt.Printf("\nbench took %s\n", time.Since(began).Round(time.Second))
	return nil
}

// measureSetup measures figures 1–7 on a fresh server of kind: the
// baselines first, then `aurum dev` on the same server.
func measureSetup(ctx context.Context, kind setupKind, dir string, t tools, w *workload, opts options, logger *slog.Logger) (*setupReport, error) {
	r := &setupReport{kind: kind, rows: w.rows()}
	progress("%s: starting PostgreSQL and Redis", kind.name)
	s, err := startSetup(ctx, kind, dir, logger)
	if errors.Is(err, errNoTimescale) {
		r.skipped = err.Error()
		progress("%s: skipped: %v", kind.name, err)
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.measureBaseline(ctx, t, w, r); err != nil {
		return nil, err
	}
	progress("%s: starting aurum dev", kind.name)
	if err := s.startDev(ctx, t.aurum); err != nil {
		return nil, err
	}
	if err := s.measureAurum(ctx, t.aurum, w, r); err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return nil, err
	}
	if err := s.measureReads(ctx, t, w, opts, r); err != nil {
		return nil, err
	}
	return r, nil
}

// measureScenarioRuns measures (d) on a set-up of its own.
func measureScenarioRuns(ctx context.Context, dir string, opts options, logger *slog.Logger) (*runsReport, error) {
	progress("runs: starting PostgreSQL, Redis, Kafka and the schema registry")
	e, err := startEnv(ctx, dir, logger)
	if err != nil {
		return nil, err
	}
	defer e.close()
	progress("runs: one day of demo curves")
	if err := e.seedDemoCurves(ctx); err != nil {
		return nil, err
	}
	var r runsReport
	if err := measureRuns(ctx, e, opts, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
