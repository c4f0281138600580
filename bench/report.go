package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// setupReport holds the storage figures of one database set-up.
type setupReport struct {
	kind    setupKind
	skipped string // why the set-up was not measured, if it was not
	rows    int
	base    loadFigures // psql on bench_plain
	aurum   loadFigures // aurum load → Kafka → materialiser
	// compression is figure 2 after the compression policies ran
	// (TimescaleDB only).
	compression compressionFigures
	// compressionBoth is the same once the next day's file is in too.
	compressionBoth  compressionFigures
	pgbench          readFigures // baseline of figures 5 and 6
	pgbenchRates     [2]float64  // its two runs' tps, before and after aurum's reads
	uncached, cached readFigures
	peakRSS          int64 // VmHWM of `aurum dev` after the first load
	// loader is how long `aurum load curves` itself ran, of r.aurum.load.
	loader time.Duration
}

// loadFigures are figures 1–4 of one side.
type loadFigures struct {
	load       time.Duration // file → queryable
	growth     int64         // bytes the database grew by with the first file
	reload     writeFigures  // the same file again
	day2       time.Duration // the next day's file → queryable
	day2Growth int64
}

// writeFigures are what loading a file already loaded wrote.
type writeFigures struct {
	rows int64 // rows inserted, updated or deleted
	wal  int64 // WAL bytes
	took time.Duration
}

type compressionFigures struct {
	jobs            int   // compression policy jobs run
	growth          int64 // database growth since before the first load, after they ran
	compressedBytes int64 // TimescaleDB's compressed size of every hypertable
	haveCompressed  bool
}

// runsReport holds the scenario-run figures (d).
type runsReport struct {
	// baseline is one run at a time with the outbox relay as it was:
	// polling only; aurum is the same with the relay the database wakes.
	baseline, aurum latencyFigures
	// sse is one run at a time followed over GET /v1/runs/{id}/events.
	sse         latencyFigures
	burst       burstFigures
	fairness    fairnessFigures
	runPoints   int
	computeTime time.Duration
}

// latencyFigures are the latencies from POST run to its terminal event at
// a subscriber, of runs posted one at a time.
type latencyFigures struct {
	runs     int
	p50, p99 time.Duration
}

func latencyOf(latencies []time.Duration) latencyFigures {
	f := latencyFigures{runs: len(latencies)}
	f.p50, f.p99 = percentiles(latencies)
	return f
}

// burstFigures are runs posted at once across tenants (none: not measured).
type burstFigures struct {
	runs, tenants int
	perSecond     float64 // from the first POST to the last terminal event
}

// fairnessFigures are tenant B's runs one at a time while tenant A's burst
// is in flight (aRuns zero: not measured).
type fairnessFigures struct {
	aRuns      int
	aPerSecond float64
	b          latencyFigures
}

// minFairSamples is the fewest of tenant B's runs whose p99 means much.
const minFairSamples = 5

// table accumulates the rows of one set-up's table.
type table struct {
	tw *tabwriter.Writer
}

// newTable starts a table whose first column, the figure's name, is headed
// first.
func newTable(w io.Writer, first string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(first, "baseline", "aurum", "ratio", "target", "met")
	t.row(strings.Repeat("-", len(first)), "--------", "-----", "-----", "------", "---")
	return t
}

func (t *table) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")) }

// ratio is one figure compared with its baseline, aurum/baseline, against
// a target ratio: at least target when higher is better, at most target
// otherwise.
func (t *table) ratio(figure string, base, aurum float64, format string, higherIsBetter bool, target float64, stretch string) {
	r := aurum / base
	cmp, met := "≤", r <= target
	if higherIsBetter {
		cmp, met = "≥", r >= target
	}
	t.row(figure, fmt.Sprintf(format, base), fmt.Sprintf(format, aurum), times(r),
		fmt.Sprintf("%s %.1f×%s", cmp, target, stretch), yesNo(met))
}

// info is a figure with no target.
func (t *table) info(figure string, base, aurum float64, format string) {
	t.row(figure, fmt.Sprintf(format, base), fmt.Sprintf(format, aurum), times(aurum/base), "—", "")
}

// times formats a ratio, with three decimals below 0.1 so that
// a small one does not print as 0.00×.
func times(r float64) string {
	if r < 0.1 {
		return fmt.Sprintf("%.3f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}

func (t *table) flush() { _ = t.tw.Flush() }

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func (r *setupReport) print(w io.Writer, opts options) {
	fmt.Fprintf(w, "\n== %s ==\n", r.kind.name)
	if r.skipped != "" {
		fmt.Fprintf(w, "skipped: %s\n", r.skipped)
		return
	}
	rows := float64(r.rows)
	rate := func(d time.Duration) float64 { return rows / d.Seconds() }
	perRow := func(b int64) float64 { return float64(b) / rows }

	t := newTable(w, "figure")
	t.ratio("1. file → queryable, rows/s", rate(r.base.load), rate(r.aurum.load), "%.0f", true, 0.8, " (stretch 1.0×)")
	t.ratio("2. database growth, bytes/row", perRow(r.base.growth), perRow(r.aurum.growth), "%.1f", false, 1.0, "")
	switch {
	case !r.kind.timescale:
	case r.compression.jobs == 0:
		t.row("2. after compression, bytes/row", "", "no compression policy", "", "≤ 0.2×", "NO")
	default:
		t.ratio("2. after compression, bytes/row", perRow(r.base.growth), perRow(r.compression.growth), "%.1f", false, 0.2, "")
		if r.compression.haveCompressed {
			t.row("   compressed hypertables, bytes/row", "", fmt.Sprintf("%.1f", perRow(r.compression.compressedBytes)), "", "—", "")
		}
	}
	t.row("3. same file again, rows written", fmt.Sprint(r.base.reload.rows), fmt.Sprint(r.aurum.reload.rows),
		times(float64(r.aurum.reload.rows)/float64(r.base.reload.rows)), "≤ 3,000 rows", yesNo(r.aurum.reload.rows <= 3000))
	t.info("   same file again, WAL MiB", mib(r.base.reload.wal), mib(r.aurum.reload.wal), "%.1f")
	t.info("   same file again, seconds", r.base.reload.took.Seconds(), r.aurum.reload.took.Seconds(), "%.2f")
	t.info("4. next day's file → queryable, rows/s", rate(r.base.day2), rate(r.aurum.day2), "%.0f")
	t.info("4. next day's file, growth bytes/row", perRow(r.base.day2Growth), perRow(r.aurum.day2Growth), "%.1f")
	if r.kind.timescale && r.compressionBoth.jobs > 0 {
		both := func(b int64) float64 { return float64(b) / (2 * rows) }
		t.info("4. both days after compression, bytes/row", both(r.base.growth+r.base.day2Growth), both(r.compressionBoth.growth), "%.1f")
	}
	t.ratio("5. one curve uncached, req/s", r.pgbench.rate, r.uncached.rate, "%.0f", true, 0.5, "")
	t.row("5. one curve uncached, p99", ms(r.pgbench.p99), ms(r.uncached.p99), "", "≤ 50 ms", yesNo(r.uncached.p99 <= 50*time.Millisecond))
	t.row("5. one curve uncached, non-2xx", "", fmt.Sprint(r.uncached.non2xx+r.uncached.failed), "", "0",
		yesNo(r.uncached.non2xx+r.uncached.failed == 0))
	t.ratio("6. one curve cached, req/s", r.pgbench.rate, r.cached.rate, "%.0f", true, 1.0, "")
	t.row("7. peak RSS of aurum dev, MiB", "", fmt.Sprintf("%.0f", mib(r.peakRSS)), "", "≤ 300 MiB", yesNo(r.peakRSS <= 300<<20))
	t.flush()

	fmt.Fprintf(w, "1: %d rows; psql %.2f s, aurum %.2f s (from starting `aurum load` to the materialiser's offsets at the end of the topic; the loader itself ran %.2f s)\n",
		r.rows, r.base.load.Seconds(), r.aurum.load.Seconds(), r.loader.Seconds())
	fmt.Fprintf(w, "2: baseline is pg_total_relation_size(bench_plain); aurum is the growth of pg_database_size; %.1f / %.1f MiB\n",
		mib(r.base.growth), mib(r.aurum.growth))
	fmt.Fprintf(w, "3: rows written are n_tup_ins+upd+del over pg_stat_user_tables, read %s after the load\n", statsSettle)
	fmt.Fprintf(w, "5, 6: %d connections for %s; baseline is pgbench -M prepared, the mean of a run before aurum's reads and one after (%.0f and %.0f tps; %d transactions, p50 %s, p99 %s)\n",
		opts.concurrency, opts.duration, r.pgbenchRates[0], r.pgbenchRates[1], r.pgbench.requests, ms(r.pgbench.p50), ms(r.pgbench.p99))
	for _, c := range []struct {
		name string
		f    readFigures
	}{{"uncached", r.uncached}, {"cached", r.cached}} {
		fmt.Fprintf(w, "   %s: %d requests, p50 %s, p99 %s, non-2xx %d, no answer %d, bodies checked %d (%d without the curve's %d points)",
			c.name, c.f.requests, ms(c.f.p50), ms(c.f.p99), c.f.non2xx, c.f.failed, c.f.checked, c.f.badBodies, tenors)
		if c.f.repeated {
			fmt.Fprint(w, "; more requests than distinct URLs, so some were cache hits")
		}
		fmt.Fprintln(w)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func (r *runsReport) print(w io.Writer) {
	fmt.Fprintf(w, "\n== (d) scenario runs ==\n")
	fmt.Fprintf(w, "the standard scenario: 3 drivers on %d base points of the demo model's power curves\n", r.runPoints)
	const none = "—"
	t := newTable(w, "measure")
	t.row("one at a time, POST → terminal event, p50", ms(r.baseline.p50), ms(r.aurum.p50),
		times(r.aurum.p50.Seconds()/r.baseline.p50.Seconds()), none, "")
	t.row("one at a time, POST → terminal event, p99", ms(r.baseline.p99), ms(r.aurum.p99),
		times(r.aurum.p99.Seconds()/r.baseline.p99.Seconds()), "≤ 100 ms", yesNo(r.aurum.p99 <= 100*time.Millisecond))
	if r.sse.runs > 0 {
		t.row("   same, terminal event over SSE, p50", ms(r.aurum.p50), ms(r.sse.p50),
			times(r.sse.p50.Seconds()/r.aurum.p50.Seconds()), none, "")
		t.row("   same, terminal event over SSE, p99", ms(r.aurum.p99), ms(r.sse.p99),
			times(r.sse.p99.Seconds()/r.aurum.p99.Seconds()), "≤ 100 ms", yesNo(r.sse.p99 <= 100*time.Millisecond))
	}
	if b := r.burst; b.runs > 0 {
		t.row(fmt.Sprintf("%d-tenant burst, runs/s to all terminal", b.tenants), none, fmt.Sprintf("%.1f", b.perSecond), "",
			"≥ 50", yesNo(b.perSecond >= 50))
	}
	if f := r.fairness; f.aRuns > 0 {
		t.row("tenant B p99 under tenant A's burst", none, ms(f.b.p99), "",
			"≤ 250 ms", yesNo(f.b.runs > 0 && f.b.p99 <= 250*time.Millisecond))
		t.row("   tenant B p50", none, ms(f.b.p50), "", none, "")
		t.row("   tenant B runs (samples)", none, fmt.Sprint(f.b.runs), "", none, "")
		t.row("   tenant A runs/s to all terminal", none, fmt.Sprintf("%.1f", f.aPerSecond), "", none, "")
	}
	t.row("engine compute per run (same base points)", none, fmt.Sprintf("%.2f ms", float64(r.computeTime.Microseconds())/1000), "", none, "")
	t.row("engine-only runs/s (one core)", none, fmt.Sprintf("%.0f", 1/r.computeTime.Seconds()), "", none, "")
	t.flush()

	fmt.Fprintf(w, "one at a time: each run posted once the previous one's terminal event reached a read_committed subscriber; "+
		"baseline: %d runs, the outbox relay polling every %s with no waker (as before); aurum: %d runs, the relay's defaults and its waker\n",
		r.baseline.runs, pollingRelayInterval, r.aurum.runs)
	if r.sse.runs > 0 {
		fmt.Fprintf(w, "over SSE: %d runs, each followed on GET /v1/runs/{id}/events from its POST; baseline: the Kafka subscriber's figures above\n", r.sse.runs)
	}
	if b := r.burst; b.runs > 0 {
		fmt.Fprintf(w, "burst: %d runs posted at once, round-robin across %d tenants; from the first POST to the last terminal event\n", b.runs, b.tenants)
	}
	if f := r.fairness; f.aRuns > 0 {
		fmt.Fprintf(w, "fairness: %d runs of tenant A posted at once; meanwhile tenant B posted one run at a time until all of A's had ended\n", f.aRuns)
		if f.b.runs < minFairSamples {
			fmt.Fprintf(w, "   tenant B has only %d samples (fewer than %d): its p50 and p99 say little\n", f.b.runs, minFairSamples)
		}
	}
	fmt.Fprintf(w, "every run measured ended SUCCEEDED with exactly one terminal event (checked %s after the last)\n", terminalGrace)
}
