package market_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// servers are the two database set-ups every behaviour is checked on:
// TimescaleDB (hypertables, compression) where it is installed, and plain
// PostgreSQL.
var servers = []struct {
	name string
	url  func(testing.TB) string
}{
	{"timescale", testenv.DatabaseURL},
	{"plain", testenv.PlainDatabaseURL},
}

// eachServer runs fn as a parallel subtest per database set-up.
func eachServer(t *testing.T, fn func(t *testing.T, url string)) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			fn(t, srv.url(t))
		})
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// open opens a store on url without migrating it.
func open(t testing.TB, url string) *store.Store {
	t.Helper()
	return storetest.Open(t, store.Config{URL: url})
}

// migrated opens a store on a fresh database of url's server, migrated.
func migrated(t testing.TB, url string) *store.Store {
	t.Helper()
	return storetest.Migrated(t, store.Config{URL: url})
}

// timescale reports whether the store's tables are hypertables.
func timescale(t testing.TB, st *store.Store) bool {
	t.Helper()
	ts, err := st.Timescale(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func ptr[T any](v T) *T { return &v }

// curveSpec names a test curve.
type curveSpec struct {
	class              schemas.AssetClass
	iso, loc, block    string
	base               float64
	currency, per, raw string
}

var testCurves = []curveSpec{
	{schemas.AssetClassPower, "PJM", "WESTERN HUB", "ON", 50, "USD", "MWh", "USD/MWh"},
	{schemas.AssetClassPower, "PJM", "WESTERN HUB", "OFF", 30, "USD", "MWh", "USD/MWh"},
	{schemas.AssetClassPower, "ERCOT", "NORTH HUB", "ATC", 40, "USD", "MWh", "USD/MWh"},
	{schemas.AssetClassGas, "", "HENRY HUB", "", 3, "USD", "MMBtu", "$/mmbtu"},
}

// observations returns MONTHLY MID observations of the test curves: 12
// tenors from 2027-01 as of day, mid = base + tenor index + shift.
func observations(day time.Time, shift float64) []schemas.CurveObservation {
	var out []schemas.CurveObservation
	for _, c := range testCurves {
		for m := range 12 {
			month := time.Date(2027, time.January+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			mid := c.base + float64(m) + shift
			o := schemas.CurveObservation{
				AsofDate: day, AssetClass: c.class, Location: ptr(c.loc),
				PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly,
				TenorLabel: month.Format("2006-01"), ContractMonth: ptr(month),
				Bid: ptr(mid - 0.5), Ask: ptr(mid + 0.5), Mid: ptr(mid),
				Currency: ptr(c.currency), PerUnit: ptr(c.per), UnitsRaw: c.raw,
				IngestTS: day.Add(18 * time.Hour),
			}
			if c.iso != "" {
				o.ISO = ptr(c.iso)
			}
			if c.block != "" {
				o.Block = ptr(c.block)
			}
			curve.Complete(&o)
			out = append(out, o)
		}
	}
	return out
}

// writeCurves writes rows as the materialiser does, in one transaction.
func writeCurves(t testing.TB, st *store.Store, rows []schemas.CurveObservation) {
	t.Helper()
	err := st.InTx(ctx(t), func(tx pgx.Tx) error { return market.WriteCurves(ctx(t), tx, rows) })
	if err != nil {
		t.Fatalf("write curves: %v", err)
	}
}

// allCurves reads every page of Curves.
func allCurves(t testing.TB, r *market.Reader, f market.CurveFilter, asof []time.Time, limit int) []market.CurvePoint {
	t.Helper()
	return allPages(t, limit, func(p market.Page) ([]market.CurvePoint, []string, error) { return r.Curves(ctx(t), f, asof, p) })
}

// pointKey identifies a point in test messages.
func pointKey(p *market.CurvePoint) string {
	return fmt.Sprintf("%s %s %s %s", p.AsofDate.Format(time.DateOnly), p.Key[:8], p.TenorLabel, p.PriceType)
}
