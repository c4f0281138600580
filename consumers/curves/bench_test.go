package curves_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// BenchmarkMaterialize measures the curve materialiser from records on the
// topic to their rows committed (the group's committed offsets reach the
// end of the topic), against writing the same rows directly as `psql`
// would: COPY into a temporary table and one INSERT … ON CONFLICT into a
// plain table of the file's columns. Both start from empty tables. It reports rows/s for
// both and their ratio; -short uses 50,000 rows instead of 300,000.
func BenchmarkMaterialize(b *testing.B) {
	rows := 300_000
	if testing.Short() {
		rows = 50_000
	}
	e := newEnv(b)
	obs := make([]schemas.CurveObservation, rows)
	recs := make([]*kgo.Record, rows)
	for i := range rows {
		obs[i] = observation(i, 0, float64(i))
		recs[i] = e.encode(b, obs[i])
	}
	e.Produce(b, recs...)

	var (
		direct, materialised time.Duration
		busy                 ticks
	)
	for i := 0; b.Loop(); i++ {
		e.truncate(b)
		direct += e.directLoad(b, obs)
		e.truncate(b)
		groupName := fmt.Sprintf("bench-%d", i)
		stop := e.start(b, materializer.Config{Group: groupName}, nil)
		e.waitJoined(b, groupName)
		start, cpu0 := time.Now(), cpuTicks()
		e.WaitCaughtUp(b, groupName, topology.TopicCurveObservation, 10*time.Minute)
		materialised += time.Since(start)
		busy = busy.add(cpuTicks().since(cpu0))
		if err := stop(); err != nil {
			b.Fatal(err)
		}
		if n := e.Count(b, `SELECT count(*) FROM curve_observation`); n != int64(rows) {
			b.Fatalf("curve_observation has %d rows, want %d", n, rows)
		}
	}
	n := float64(b.N * rows)
	b.ReportMetric(n/materialised.Seconds(), "rows/s")
	b.ReportMetric(n/direct.Seconds(), "direct-rows/s")
	b.ReportMetric(direct.Seconds()/materialised.Seconds(), "ratio")
	if busy.total > 0 {
		// How much of the machine the materialiser kept busy (it and the
		// database share it): below 100 %, it waited on itself.
		b.ReportMetric(100*float64(busy.total-busy.idle)/float64(busy.total), "busy-%")
	}
}

// ticks are the machine's CPU time, all and idle, from /proc/stat (zero
// where there is none).
type ticks struct{ idle, total int64 }

func cpuTicks() ticks {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return ticks{}
	}
	var t ticks
	line, _, _ := strings.Cut(string(raw), "\n")
	for i, f := range strings.Fields(line)[1:] { // user nice system idle iowait ...
		n, _ := strconv.ParseInt(f, 10, 64)
		t.total += n
		if i == 3 || i == 4 {
			t.idle += n
		}
	}
	return t
}

func (t ticks) since(u ticks) ticks { return ticks{t.idle - u.idle, t.total - u.total} }
func (t ticks) add(u ticks) ticks   { return ticks{t.idle + u.idle, t.total + u.total} }

// waitJoined waits until group has its partitions assigned: the clock
// starts when consuming can, not when the process does.
func (e *env) waitJoined(tb testing.TB, group string) {
	tb.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		gs, err := e.Admin.DescribeGroups(context.Background(), group)
		if err == nil && gs[group].State == "Stable" {
			return
		}
	}
	tb.Fatalf("group %s did not stabilise", group)
}

func (e *env) truncate(tb testing.TB) {
	tb.Helper()
	if _, err := e.Store.Pool().Exec(context.Background(), `TRUNCATE curve, curve_observation, curve_latest_stale`); err != nil {
		tb.Fatal(err)
	}
}

// plainTable is the baseline's table: the curve file's twenty columns in
// one plain table keyed by the curve's usual names (make bench's baseline).
const plainTable = `CREATE TABLE IF NOT EXISTS bench_plain (
    asof_date date, asset_class text, iso text, region text, location text, market text, product text,
    block text, spark_location text, price_type text, tenor_type text, tenor_label text, contract_month date,
    value float8, bid float8, ask float8, mid float8, currency text, per_unit text, units_raw text,
    PRIMARY KEY (iso, location, block, asof_date, tenor_label, price_type));
TRUNCATE bench_plain`

// directLoad writes rows the way the psql baseline does — COPY into a
// temporary table and one INSERT … ON CONFLICT into the plain table — and
// returns how long it took.
func (e *env) directLoad(tb testing.TB, rows []schemas.CurveObservation) time.Duration {
	tb.Helper()
	ctx := context.Background()
	if _, err := e.Store.Pool().Exec(ctx, plainTable); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	err := pgx.BeginFunc(ctx, e.Store.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stage (LIKE bench_plain) ON COMMIT DROP`); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"stage"}, plainColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			o := &rows[i]
			return []any{o.AsofDate, string(o.AssetClass), o.ISO, o.Region, o.Location, o.Market, o.Product,
				o.Block, o.SparkLocation, string(o.PriceType), string(o.TenorType), o.TenorLabel, o.ContractMonth,
				o.Value, o.Bid, o.Ask, o.Mid, o.Currency, o.PerUnit, o.UnitsRaw}, nil
		}))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO bench_plain SELECT * FROM stage
			ON CONFLICT (iso, location, block, asof_date, tenor_label, price_type) DO UPDATE SET
			value = EXCLUDED.value, bid = EXCLUDED.bid, ask = EXCLUDED.ask, mid = EXCLUDED.mid`)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

var plainColumns = []string{
	"asof_date", "asset_class", "iso", "region", "location", "market", "product", "block", "spark_location",
	"price_type", "tenor_type", "tenor_label", "contract_month", "value", "bid", "ask", "mid", "currency",
	"per_unit", "units_raw",
}
