// Command bench measures Aurum's curve path against baselines run in the
// same process on the same machine and database, and prints ratios:
//
//	(a) end-to-end materialisation: a curve file through `aurum load curves`,
//	    Kafka and `aurum consume curves` until the last row is queryable,
//	    against psql loading the same file (COPY into a temp table and one
//	    INSERT … ON CONFLICT);
//	(b) GET /v1/curves at 32 concurrent connections, cache hit and miss,
//	    against the same SQL run directly with the same concurrency;
//	(c) the materialiser's peak memory during (a);
//	(d) scenario runs: latency from POST run to the terminal event seen by
//	    a Kafka subscriber (p50, p99), and runs/s at saturation, beside the
//	    engine's pure compute time for the same runs.
//
// It starts its own private PostgreSQL and Redis, an embedded broker and
// registry, and builds bin/aurum-equivalent binaries in a temporary
// directory. Run it with `make bench`.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var opts options
	flag.IntVar(&opts.rows, "rows", 300_000, "curve rows in the generated file (≥ 300000 for the issue's figure)")
	flag.IntVar(&opts.concurrency, "concurrency", 32, "concurrent HTTP connections and SQL sessions")
	flag.DurationVar(&opts.duration, "duration", 5*time.Second, "how long each HTTP/SQL measurement runs")
	flag.IntVar(&opts.runs, "runs", 200, "scenario runs for the latency and saturation figures")
	flag.BoolVar(&opts.verbose, "v", false, "log what the platform does")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	rows        int
	concurrency int
	duration    time.Duration
	runs        int
	verbose     bool
}

func run(ctx context.Context, opts options) error {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if opts.verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	env, err := startEnv(ctx, logger)
	if err != nil {
		return err
	}
	defer env.close()

	progress("generating %d curve rows", opts.rows)
	file, rows, err := env.writeCurveFile(ctx, opts.rows)
	if err != nil {
		return err
	}

	var report report
	if err := measureMaterialisation(ctx, env, file, rows, &report); err != nil {
		return err
	}
	if err := measureReads(ctx, env, opts, &report); err != nil {
		return err
	}
	if err := measureRuns(ctx, env, opts, &report); err != nil {
		return err
	}
	report.print(os.Stdout, opts)
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
