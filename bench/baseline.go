package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// plainTable is the baseline's table: the file's 20 columns with their
// natural types, keyed as a DBA would key an end-of-day curve table.
const plainTable = `CREATE TABLE bench_plain (
    asof_date date NOT NULL, asset_class text NOT NULL, iso text NOT NULL, region text,
    location text NOT NULL, market text, product text, block text NOT NULL, spark_location text,
    price_type text NOT NULL, tenor_type text NOT NULL, tenor_label text NOT NULL, contract_month date,
    value float8, bid float8, ask float8, mid float8, currency text, per_unit text, units_raw text NOT NULL,
    PRIMARY KEY (iso, location, block, asof_date, tenor_label, price_type))`

// psqlLoadScript is what a DBA would run to load a curve file: COPY it into
// a temporary table and upsert it with one INSERT … ON CONFLICT.
func psqlLoadScript(file string) string {
	return `\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE stage (LIKE bench_plain) ON COMMIT DROP;
\copy stage FROM '` + strings.ReplaceAll(file, "'", "''") + `' WITH (FORMAT csv, HEADER true)
INSERT INTO bench_plain SELECT * FROM stage
ON CONFLICT (iso, location, block, asof_date, tenor_label, price_type) DO UPDATE SET
    asset_class = EXCLUDED.asset_class, region = EXCLUDED.region, market = EXCLUDED.market,
    product = EXCLUDED.product, spark_location = EXCLUDED.spark_location, tenor_type = EXCLUDED.tenor_type,
    contract_month = EXCLUDED.contract_month, value = EXCLUDED.value, bid = EXCLUDED.bid,
    ask = EXCLUDED.ask, mid = EXCLUDED.mid, currency = EXCLUDED.currency,
    per_unit = EXCLUDED.per_unit, units_raw = EXCLUDED.units_raw;
COMMIT;
`
}

// tools are the programs a run uses besides itself.
type tools struct {
	aurum   string // built for this run
	psql    string
	pgbench string
}

func findTools() (tools, error) {
	var t tools
	var err error
	if t.psql, err = findPostgresClient("psql"); err != nil {
		return t, err
	}
	t.pgbench, err = findPostgresClient("pgbench")
	return t, err
}

// findPostgresClient finds name on PATH or beside a PostgreSQL server.
func findPostgresClient(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(found) > 0 {
		slices.Sort(found)
		return found[len(found)-1], nil
	}
	return "", fmt.Errorf("%s not found (install postgresql-client)", name)
}

// measureBaseline runs the baseline side of figures 1–4 on bench_plain,
// before aurum runs on this server (that of figures 5 and 6 runs beside
// aurum's reads: measureReads).
func (s *setup) measureBaseline(ctx context.Context, t tools, w *workload, r *setupReport) error {
	if _, err := s.pool.Exec(ctx, plainTable); err != nil {
		return fmt.Errorf("create bench_plain: %w", err)
	}
	progress("%s: baseline: psql COPY + INSERT … ON CONFLICT of %d rows", s.kind.name, w.rows())
	took, err := s.psqlLoad(ctx, t.psql, w.file1)
	if err != nil {
		return err
	}
	r.base.load = took
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM bench_plain WHERE asof_date = $1", w.day1).Scan(&n); err != nil {
		return err
	}
	if n != w.rows() {
		return fmt.Errorf("baseline loaded %d rows, want %d", n, w.rows())
	}
	if r.base.growth, err = s.checkpointed(ctx, "SELECT pg_total_relation_size('bench_plain')"); err != nil {
		return err
	}

	progress("%s: baseline: loading the same file again", s.kind.name)
	if _, err := s.pool.Exec(ctx, "VACUUM (ANALYZE) bench_plain"); err != nil {
		return err
	}
	mark, err := s.markWrites(ctx)
	if err != nil {
		return err
	}
	if r.base.reload.took, err = s.psqlLoad(ctx, t.psql, w.file1); err != nil {
		return err
	}
	// psql has exited, and a backend flushes its statistics when it exits.
	if r.base.reload.wal, err = s.walSince(ctx, mark); err != nil {
		return err
	}
	if r.base.reload.rows, err = s.rowsWrittenSince(ctx, mark); err != nil {
		return err
	}

	progress("%s: baseline: the next day's file", s.kind.name)
	before, err := s.checkpointed(ctx, "SELECT pg_total_relation_size('bench_plain')")
	if err != nil {
		return err
	}
	if r.base.day2, err = s.psqlLoad(ctx, t.psql, w.file2); err != nil {
		return err
	}
	after, err := s.checkpointed(ctx, "SELECT pg_total_relation_size('bench_plain')")
	if err != nil {
		return err
	}
	r.base.day2Growth = after - before
	_, err = s.pool.Exec(ctx, "VACUUM (ANALYZE) bench_plain")
	return err
}

// psqlLoad runs the load script of file with psql and times the whole run.
func (s *setup) psqlLoad(ctx context.Context, psql, file string) (time.Duration, error) {
	script := filepath.Join(s.dir, "load-"+filepath.Base(file)+".sql")
	if err := os.WriteFile(script, []byte(psqlLoadScript(file)), 0o644); err != nil {
		return 0, err
	}
	start := time.Now()
	out, err := exec.CommandContext(ctx, psql, "-q", "-X", "-d", s.pg.DefaultURL(), "-f", script).CombinedOutput()
	took := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("psql -f %s: %w: %s", script, err, out)
	}
	return took, nil
}

// pgbenchScript reads one curve's points for the first as-of date: a random
// location and block each transaction.
func pgbenchScript(w *workload) string {
	return fmt.Sprintf(`\set n random(1, %d)
\set b random(0, 1)
SELECT * FROM bench_plain WHERE iso = 'MISO' AND location = 'MISO.N' || lpad(:n::text, %d, '0')
    AND block = CASE :b::int WHEN 0 THEN 'ON' ELSE 'OFF' END AND asof_date = '%s';
`, w.locations, w.locationDigits(), w.day1.Format(time.DateOnly))
}

var (
	tpsExcluding = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	tpsAny       = regexp.MustCompile(`tps = ([0-9.]+)`)
)

// pgbench runs the read script with pgbench -M prepared, its log in the
// directory name, and returns its tps and its transactions' latencies.
func (s *setup) pgbench(ctx context.Context, pgbench, name string, w *workload, opts options) (float64, []time.Duration, error) {
	dir := filepath.Join(s.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, err
	}
	script := filepath.Join(dir, "curve.sql")
	if err := os.WriteFile(script, []byte(pgbenchScript(w)), 0o644); err != nil {
		return 0, nil, err
	}
	u, err := url.Parse(s.pg.DefaultURL())
	if err != nil {
		return 0, nil, err
	}
	secs := max(1, int(math.Ceil(opts.duration.Seconds())))
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(opts.concurrency), "-j", strconv.Itoa(min(2, opts.concurrency)),
		"-T", strconv.Itoa(secs), "-f", script, "-l", "--log-prefix", filepath.Join(dir, "log"),
		"-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username(), strings.TrimPrefix(u.Path, "/")}
	out, err := exec.CommandContext(ctx, pgbench, args...).CombinedOutput()
	if err != nil {
		return 0, nil, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	m := tpsExcluding.FindSubmatch(out)
	if m == nil {
		m = tpsAny.FindSubmatch(out)
	}
	if m == nil {
		return 0, nil, fmt.Errorf("pgbench: no tps in its output: %s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, nil, err
	}
	latencies, err := pgbenchLatencies(filepath.Join(dir, "log"))
	return tps, latencies, err
}

// pgbenchLatencies reads the per-transaction logs pgbench -l wrote under
// prefix: "client_id transaction_no latency_us script_no epoch us".
func pgbenchLatencies(prefix string) ([]time.Duration, error) {
	files, err := filepath.Glob(prefix + ".*")
	if err != nil {
		return nil, err
	}
	var latencies []time.Duration
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue
			}
			latencies = append(latencies, time.Duration(us)*time.Microsecond)
		}
		err = sc.Err()
		_ = f.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(latencies) == 0 {
		return nil, fmt.Errorf("pgbench: no transactions in %s.*", prefix)
	}
	return latencies, nil
}
