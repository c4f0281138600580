package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// report holds the figures of one run.
type report struct {
	rows            int
	baselineLoad    time.Duration
	preparedLoad    time.Duration
	pipelineLoad    time.Duration
	loaderDone      time.Duration
	consumerPeakRSS int64
	reads           []readResult
	runs            int
	runP50, runP99  time.Duration
	runsPerSecond   float64
	runPoints       int
	computeTime     time.Duration
}

type readResult struct {
	shape    string
	api, sql float64 // operations per second
}

func (r report) print(w io.Writer, opts options) {
	rate := func(d time.Duration) float64 { return float64(r.rows) / d.Seconds() }
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\n(a) end-to-end materialisation of %d curve rows (same file, same database)\n", r.rows)
	fmt.Fprintln(tw, "path\tseconds\trows/s\t")
	fmt.Fprintf(tw, "psql COPY + INSERT … ON CONFLICT (baseline)\t%.2f\t%.0f\t\n", r.baselineLoad.Seconds(), rate(r.baselineLoad))
	fmt.Fprintf(tw, "psql COPY + INSERT of rows with keys precomputed (strict)\t%.2f\t%.0f\t\n", r.preparedLoad.Seconds(), rate(r.preparedLoad))
	fmt.Fprintf(tw, "aurum load → Kafka → aurum consume (last row queryable)\t%.2f\t%.0f\t\n", r.pipelineLoad.Seconds(), rate(r.pipelineLoad))
	fmt.Fprintf(tw, "  of which the loader publishing\t%.2f\t%.0f\t\n", r.loaderDone.Seconds(), rate(r.loaderDone))
	_ = tw.Flush()
	fmt.Fprintf(w, "ratio pipeline/baseline: %.2f (goal ≥ 0.80); against the strict baseline: %.2f\n",
		r.baselineLoad.Seconds()/r.pipelineLoad.Seconds(), r.preparedLoad.Seconds()/r.pipelineLoad.Seconds())

	fmt.Fprintf(w, "\n(b) GET /v1/curves?iso=PJM, %d concurrent, %s each, against the same SQL run directly\n", opts.concurrency, opts.duration)
	fmt.Fprintln(tw, "cache\tAPI req/s\tSQL queries/s\tratio\t")
	for _, rr := range r.reads {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f\t\n", rr.shape, rr.api, rr.sql, rr.api/rr.sql)
	}
	_ = tw.Flush()

	fmt.Fprintf(w, "\n(c) materialiser peak resident memory during (a): %.1f MiB\n", float64(r.consumerPeakRSS)/(1<<20))

	fmt.Fprintf(w, "\n(d) %d runs of the standard scenario (3 drivers, %d base points: 20 power curves × 72 months)\n", r.runs, r.runPoints)
	fmt.Fprintln(tw, "measure\tvalue\t")
	fmt.Fprintf(tw, "POST run → terminal event at a subscriber, p50\t%s\t\n", r.runP50.Round(time.Millisecond))
	fmt.Fprintf(tw, "POST run → terminal event at a subscriber, p99\t%s\t\n", r.runP99.Round(time.Millisecond))
	fmt.Fprintf(tw, "runs/s at saturation (all posted at once)\t%.1f\t\n", r.runsPerSecond)
	fmt.Fprintf(tw, "engine compute per run (same base points)\t%s\t\n", r.computeTime.Round(10*time.Microsecond))
	fmt.Fprintf(tw, "engine-only runs/s (one core)\t%.0f\t\n", 1/r.computeTime.Seconds())
	_ = tw.Flush()
}
