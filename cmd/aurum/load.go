package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/aurum-energy/aurum/producers/curvefile"
	"github.com/aurum-energy/aurum/topology"
)

const loadUsage = `Usage: aurum load curves [flags] FILE...

Publishes end-of-day forward-curve files (CSV, or the first sheet of an XLSX
workbook) to ` + topology.TopicCurveObservation + `, one record per row keyed by curve_key.
The header row names CurveObservation fields (case-insensitive):

  asof_date asset_class iso region location market product block spark_location
  price_type tenor_type tenor_label contract_month value bid ask mid
  currency per_unit units_raw

asof_date, asset_class, price_type, tenor_type, tenor_label, one of value/bid/ask/mid
and units_raw (or currency and per_unit) are required; other columns are an error.
Rows that cannot be parsed or break the contract go to ` + topology.TopicCurveObservationDLQ + `
with the reason in the aurum.error.reason header, and never stop the load.
A summary is printed per file. The exit code is 1 when a file cannot be read, its
columns are wrong, or the broker refuses records.
`

// runLoad implements `aurum load curves FILE...`.
func runLoad(ctx context.Context, args []string) error {
	// Flags may come before or after the "curves" verb.
	verb := len(args) > 0 && args[0] == "curves"
	if verb {
		args = args[1:]
	}
	var noProgress bool
	inv, err := parse("load", loadUsage, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&noProgress, "no-progress", false, "never draw a progress bar (it is drawn only when stderr is a terminal)")
	})
	if err != nil {
		return err
	}
	files := inv.args
	if !verb && len(files) > 0 && files[0] == "curves" {
		verb, files = true, files[1:]
	}
	if !verb || len(files) == 0 {
		return fmt.Errorf("%w: aurum load curves FILE [FILE ...]", errUsage)
	}

	cl, err := openKafka(ctx, inv.cfg, inv.logger, nil, "load", curvefile.ProducerOpts()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	_, sd, err := connectSerde(ctx, inv.cfg, inv.logger)
	if err != nil {
		return err
	}
	var progress io.Writer
	if !noProgress && term.IsTerminal(int(os.Stderr.Fd())) {
		progress = os.Stderr
	}
	loader, err := curvefile.New(curvefile.Config{Progress: progress},
		curvefile.Deps{Client: cl, Serde: sd, Logger: inv.logger})
	if err != nil {
		return err
	}

	var total curvefile.Summary
	var failed []string
	for _, path := range files {
		sum, err := loader.Load(ctx, path)
		total.Add(sum)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				printSummary(os.Stdout, sum)
				return err
			}
			fmt.Fprintf(os.Stderr, "aurum: %v\n", err)
			failed = append(failed, path)
			continue
		}
		printSummary(os.Stdout, sum)
	}
	if len(files) > 1 {
		total.File = fmt.Sprintf("total (%d files)", len(files))
		printSummary(os.Stdout, total)
	}
	if total.Quarantined > 0 {
		fmt.Printf("quarantined rows are on %s\n", topology.TopicCurveObservationDLQ)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d file(s) failed: %s", len(failed), len(files), strings.Join(failed, ", "))
	}
	return nil
}

// printSummary writes one line per file:
//
//	sample.csv: read 52, published 47, quarantined 5 (bad_date 1, no_price 4) in 0.2s, 260 rows/s
func printSummary(w io.Writer, s curvefile.Summary) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: read %d, published %d, quarantined %d", s.File, s.Read, s.Published, s.Quarantined)
	if len(s.ByReason) > 0 {
		reasons := make([]string, 0, len(s.ByReason))
		for r, n := range s.ByReason {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(reasons)
		fmt.Fprintf(&b, " (%s)", strings.Join(reasons, ", "))
	}
	if secs := s.Duration.Seconds(); secs > 0 {
		fmt.Fprintf(&b, " in %.1fs, %.0f rows/s", secs, float64(s.Read)/secs)
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(w, b.String())
}
