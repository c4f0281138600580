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
}
