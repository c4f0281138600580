package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/producers/demo"
	"github.com/aurum-energy/aurum/schemas"
)

// fileColumns is the curve file layout of DESIGN §11, in file order.
var fileColumns = []string{"asof_date", "asset_class", "iso", "region", "location", "market", "product",
	"block", "spark_location", "price_type", "tenor_type", "tenor_label", "contract_month",
	"value", "bid", "ask", "mid", "currency", "per_unit", "units_raw"}

// writeCurveFile writes at least rows rows of demo curves, one business day
// after another, and returns the file's path. The demo model is the same
// one `aurum dev` publishes, so the rows look like a vendor's EOD files.
func (e *env) writeCurveFile(ctx context.Context, rows int) (path string, written int, err error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.broker.Addrs()...))
	if err != nil {
		return "", 0, err
	}
	defer cl.Close()
	src, err := sr.NewClient(sr.URLs(e.registry.URL()))
	if err != nil {
		return "", 0, err
	}
	sd, err := serde.New(ctx, src, e.logger)
	if err != nil {
		return "", 0, err
	}
	model, err := demo.New(demo.Config{Seed: 7}, demo.Deps{Client: cl, Serde: sd, Logger: e.logger})
	if err != nil {
		return "", 0, err
	}
	path = filepath.Join(e.dir, "curves.csv")
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = f.Close() }()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	if err := w.Write(fileColumns); err != nil {
		return "", 0, err
	}
	for day := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC); written < rows; day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		obs := model.Day(day)
		for i := range obs {
			if err := w.Write(fileRow(&obs[i])); err != nil {
				return "", 0, err
			}
		}
		written += len(obs)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", 0, err
	}
	return path, written, bw.Flush()
}

func fileRow(o *schemas.CurveObservation) []string {
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	month := ""
	if o.ContractMonth != nil {
		month = o.ContractMonth.Format(time.DateOnly)
	}
	return []string{o.AsofDate.Format(time.DateOnly), string(o.AssetClass), str(o.ISO), str(o.Region),
		str(o.Location), str(o.Market), str(o.Product), str(o.Block), str(o.SparkLocation),
		string(o.PriceType), string(o.TenorType), o.TenorLabel, month,
		num(o.Value), num(o.Bid), num(o.Ask), num(o.Mid), str(o.Currency), str(o.PerUnit), o.UnitsRaw}
}

// normalized is the SQL of one identity value as curve.Key normalises it.
func normalized(col string) string {
	return fmt.Sprintf(`lower(regexp_replace(btrim(coalesce(s.%s, '')), '\s+', ' ', 'g'))`, col)
}

// onConflict is the upsert clause of both psql baselines.
const onConflict = `ON CONFLICT (curve_key, tenor_label, asof_date, price_type) DO UPDATE SET
    value = EXCLUDED.value, bid = EXCLUDED.bid, ask = EXCLUDED.ask, mid = EXCLUDED.mid,
    currency = EXCLUDED.currency, per_unit = EXCLUDED.per_unit, units_raw = EXCLUDED.units_raw,
    contract_month = EXCLUDED.contract_month, source_file = EXCLUDED.source_file,
    version_hash = EXCLUDED.version_hash, ingest_ts = EXCLUDED.ingest_ts;`

// baselineScript is what a DBA would run with psql: COPY the file into a
// temporary table and upsert it with one INSERT … ON CONFLICT, computing
// curve_key and a version hash in SQL as the platform does in Go.
func baselineScript(file string) string {
	identity := []string{"asset_class", "iso", "region", "location", "market", "product", "block", "spark_location"}
	parts := make([]string, len(identity))
	for i, c := range identity {
		parts[i] = normalized(c)
	}
	key := "encode(sha256(convert_to(concat_ws('|', " + strings.Join(parts, ", ") + "), 'UTF8')), 'hex')"
	version := `encode(sha256(convert_to(concat_ws(chr(31), k.curve_key, s.asof_date, s.price_type, s.tenor_type,
        s.tenor_label, s.contract_month, s.value, s.bid, s.ask, s.mid, s.currency, s.per_unit, s.units_raw), 'UTF8')), 'hex')`
	return `\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE stage (asof_date date, asset_class text, iso text, region text, location text,
    market text, product text, block text, spark_location text, price_type text, tenor_type text,
    tenor_label text, contract_month date, value float8, bid float8, ask float8, mid float8,
    currency text, per_unit text, units_raw text) ON COMMIT DROP;
\copy stage FROM '` + file + `' WITH (FORMAT csv, HEADER true)
INSERT INTO curve_observation AS t (asof_date, curve_key, asset_class, iso, region, location, market,
    product, block, spark_location, price_type, tenor_type, tenor_label, contract_month, value, bid,
    ask, mid, currency, per_unit, units_raw, source_file, version_hash, ingest_ts)
SELECT s.asof_date, k.curve_key, s.asset_class, s.iso, s.region, s.location, s.market, s.product,
    s.block, s.spark_location, s.price_type, s.tenor_type, s.tenor_label, s.contract_month, s.value,
    s.bid, s.ask, s.mid, s.currency, s.per_unit, s.units_raw, 'curves.csv', ` + version + `, now()
FROM stage s CROSS JOIN LATERAL (SELECT ` + key + ` AS curve_key) k
` + onConflict + `
COMMIT;
`
}

// measureMaterialisation runs (a) and (c).
func measureMaterialisation(ctx context.Context, e *env, file string, rows int, r *report) error {
	r.rows = rows
	if err := e.resetCurves(ctx); err != nil {
		return err
	}
	progress("baseline: psql COPY + INSERT … ON CONFLICT of %d rows", rows)
	script := filepath.Join(e.dir, "baseline.sql")
	if err := os.WriteFile(script, []byte(baselineScript(file)), 0o644); err != nil {
		return err
	}
	psql, err := e.psql()
	if err != nil {
		return err
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, psql, "-q", "-X", "-d", e.pg.DefaultURL(), "-f", script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql baseline: %w: %s", err, out)
	}
	r.baselineLoad = time.Since(start)
	if n, err := e.count(ctx); err != nil || n != rows {
		return fmt.Errorf("baseline loaded %d rows, want %d (%v)", n, rows, err)
	}
	if r.preparedLoad, err = e.preparedBaseline(ctx, psql); err != nil {
		return err
	}

	if err := e.resetCurves(ctx); err != nil {
		return err
	}
	progress("pipeline: aurum load curves → Kafka → aurum consume curves → PostgreSQL")
	consumer := exec.CommandContext(ctx, e.aurum, "consume", "curves")
	consumer.Env = e.childEnv()
	consumer.Stderr = os.Stderr
	if err := consumer.Start(); err != nil {
		return err
	}
	defer func() {
		_ = consumer.Process.Signal(syscall.SIGTERM)
		_ = consumer.Wait()
	}()
	time.Sleep(2 * time.Second) // let it join the group before the clock starts

	start = time.Now()
	load := exec.CommandContext(ctx, e.aurum, "load", "curves", "--no-progress", file)
	load.Env = e.childEnv()
	if out, err := load.CombinedOutput(); err != nil {
		return fmt.Errorf("aurum load curves: %w: %s", err, out)
	}
	r.loaderDone = time.Since(start)
	for {
		n, err := e.count(ctx)
		if err != nil {
			return err
		}
		if n == rows {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("pipeline: %d of %d rows after 10 minutes", n, rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.pipelineLoad = time.Since(start)
	r.consumerPeakRSS, err = peakRSS(consumer.Process.Pid)
	return err
}

// preparedBaseline is the strictest baseline: the rows with curve_key and
// version hash already computed (exported from the first baseline, untimed),
// so that psql does nothing but COPY and one INSERT … ON CONFLICT.
func (e *env) preparedBaseline(ctx context.Context, psql string) (time.Duration, error) {
	prepared := filepath.Join(e.dir, "prepared.csv")
	export := exec.CommandContext(ctx, psql, "-q", "-X", "-d", e.pg.DefaultURL(), "-c",
		`\copy curve_observation TO '`+prepared+`' WITH (FORMAT csv)`)
	if out, err := export.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("export prepared rows: %w: %s", err, out)
	}
	if err := e.resetCurves(ctx); err != nil {
		return 0, err
	}
	script := filepath.Join(e.dir, "prepared.sql")
	sql := `\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE stage (LIKE curve_observation) ON COMMIT DROP;
\copy stage FROM '` + prepared + `' WITH (FORMAT csv)
INSERT INTO curve_observation SELECT * FROM stage
` + onConflict + `
COMMIT;
`
	if err := os.WriteFile(script, []byte(sql), 0o644); err != nil {
		return 0, err
	}
	start := time.Now()
	if out, err := exec.CommandContext(ctx, psql, "-q", "-X", "-d", e.pg.DefaultURL(), "-f", script).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("psql prepared baseline: %w: %s", err, out)
	}
	return time.Since(start), nil
}

func (e *env) resetCurves(ctx context.Context) error {
	if _, err := e.pool.Exec(ctx, "TRUNCATE curve_observation, curve_latest"); err != nil {
		return err
	}
	_, err := e.pool.Exec(ctx, "CHECKPOINT")
	return err
}

func (e *env) count(ctx context.Context) (int, error) {
	var n int
	err := e.pool.QueryRow(ctx, "SELECT count(*) FROM curve_observation").Scan(&n)
	return n, err
}

// psql finds the client next to the server the run started.
func (e *env) psql() (string, error) {
	if p, err := exec.LookPath("psql"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("psql not found (install postgresql-client)")
}

// peakRSS reads a process's high-water resident set size from /proc.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}
