package market_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// lastOldModel is the last migration of the model before the normalised
// one: databases built up to it hold the wide tables.
const lastOldModel = 6

var (
	day1 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	day2 = time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC)
)

// upgradeFixture is what both databases of TestUpgradeEqualsFresh hold:
// two as-of dates of the test curves, Henry Hub's last tenor observed on
// day 1 only, and a row whose producer set a version hash that is not hex.
func upgradeFixture() []schemas.CurveObservation {
	rows := observations(day1, 0)
	rows[len(rows)-1].VersionHash = "producer-v7"
	for _, o := range observations(day2, 0.25) {
		if o.Location != nil && *o.Location == "HENRY HUB" && o.TenorLabel == "2027-12" {
			continue
		}
		rows = append(rows, o)
	}
	return rows
}

// TestUpgradeEqualsFresh builds one database with the old migrations and
// the old model's rows — curves, ISO prices and load, external series —
// then migrates it; builds another fresh and writes the same records
// through the materialisers' path; and requires the two to have the same
// schema and to answer every read the same.
func TestUpgradeEqualsFresh(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		rows := upgradeFixture()

		upgraded := open(t, url)
		if _, err := upgraded.MigrateTo(ctx(t), lastOldModel); err != nil {
			t.Fatal(err)
		}
		insertOldModel(t, upgraded, rows)
		insertOldISOAndSeries(t, upgraded)
		if _, err := upgraded.Migrate(ctx(t)); err != nil {
			t.Fatalf("migrate the old model's database: %v", err)
		}

		fresh := migrated(t, url)
		writeCurves(t, fresh, rows)
		writeISOAndSeries(t, fresh)

		fs, us := schemaOf(t, fresh), schemaOf(t, upgraded)
		for part := range fs {
			if d := firstDifference(fs[part], us[part]); d != "" {
				t.Errorf("schema %s of the upgraded database differs from a fresh one: %s", part, d)
			}
		}
		fr, ur := market.NewReader(fresh.Pool()), market.NewReader(upgraded.Pool())
		for _, asof := range [][]time.Time{nil, {day1}, {day2}, {day1, day2}} {
			want := allCurves(t, fr, market.CurveFilter{}, asof, 7)
			got := allCurves(t, ur, market.CurveFilter{}, asof, 7)
			if len(want) == 0 {
				t.Fatalf("as of %v: the fresh database reads nothing", asof)
			}
			if d := firstDifference(want, got); d != "" {
				t.Errorf("as of %v, reads differ: %s", asof, d)
			}
		}
		for _, q := range []string{
			`SELECT curve_key, asset_class, iso, location, block, currency, per_unit, units_raw, latest_asof FROM curve ORDER BY curve_key`,
			`SELECT c.curve_key, o.tenor_label, o.price_type::text, o.asof_date, o.ingest_ts, o.mid, o.bid, o.ask FROM curve_latest_stale o JOIN curve c ON c.id = o.curve_id ORDER BY 1, 2, 3`,
			`SELECT c.curve_key, o.asof_date, o.tenor_label, o.price_type::text, o.mid, o.bid, o.ask, o.ingest_ts FROM curve_observation o JOIN curve c ON c.id = o.curve_id ORDER BY 1, 2, 3, 4`,
		} {
			if d := firstDifference(rowStrings(t, fresh, q), rowStrings(t, upgraded, q)); d != "" {
				t.Errorf("%s differs: %s", q, d)
			}
		}
		compareISOAndSeries(t, fresh, upgraded)
	})
}

// insertOldModel writes rows into the wide tables of migration 0006, as its
// materialiser did.
func insertOldModel(t *testing.T, st *store.Store, rows []schemas.CurveObservation) {
	t.Helper()
	b := &pgx.Batch{}
	for _, o := range rows {
		b.Queue(`INSERT INTO curve_observation (asof_date, curve_key, asset_class, iso, region, location, market,
			product, block, spark_location, price_type, tenor_type, tenor_label, contract_month, value, bid, ask, mid,
			currency, per_unit, units_raw, source_file, sheet_name, version_hash, ingest_ts)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
			'old.csv', NULL, $22, $23)`,
			o.AsofDate, o.CurveKey, string(o.AssetClass), o.ISO, o.Region, o.Location, o.Market, o.Product, o.Block,
			o.SparkLocation, string(o.PriceType), string(o.TenorType), o.TenorLabel, o.ContractMonth, o.Value, o.Bid,
			o.Ask, o.Mid, o.Currency, o.PerUnit, o.UnitsRaw, o.VersionHash, o.IngestTS)
	}
	b.Queue(`INSERT INTO curve_latest SELECT DISTINCT ON (curve_key, tenor_label, price_type) *
		FROM curve_observation ORDER BY curve_key, tenor_label, price_type, asof_date DESC`)
	if err := st.Pool().SendBatch(ctx(t), b).Close(); err != nil {
		t.Fatalf("insert the old model's rows: %v", err)
	}
}

// schemaOf describes everything of a database's schema that its users
// depend on: tables and columns, indexes, constraints, types, grants,
// views, triggers, and TimescaleDB's hypertables, dimensions and
// compression settings.
func schemaOf(t *testing.T, st *store.Store) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"columns": `SELECT table_name || '.' || column_name || ' ' || udt_name || ' ' || is_nullable || ' ' ||
			coalesce(column_default, '') || ' #' || ordinal_position
			FROM information_schema.columns WHERE table_schema = 'public'`,
		"indexes":     `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'`,
		"constraints": `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
		"types":       `SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid GROUP BY t.typname`,
		"grants":      `SELECT grantee || ' ' || table_name || ' ' || privilege_type FROM information_schema.role_table_grants WHERE table_schema = 'public' AND grantee LIKE 'aurum_%'`,
		"views":       `SELECT viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'`,
		"triggers":    `SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text NOT LIKE '\_timescaledb%'`,
		"migrations":  `SELECT version || ' ' || name FROM schema_migrations`,
	}
	if timescale(t, st) {
		queries["hypertables"] = `SELECT hypertable_name || ' ' || compression_enabled FROM timescaledb_information.hypertables`
		queries["dimensions"] = `SELECT hypertable_name || ' ' || column_name || ' ' || coalesce(time_interval::text, '') FROM timescaledb_information.dimensions`
		queries["compression"] = `SELECT hypertable_name || ' ' || attname || ' ' || coalesce(segmentby_column_index::text, '-') || ' ' ||
			coalesce(orderby_column_index::text, '-') || ' ' || coalesce(orderby_asc::text, '-') FROM timescaledb_information.compression_settings`
		queries["aggregates"] = `SELECT view_name || ' ' || materialized_only FROM timescaledb_information.continuous_aggregates`
	}
	out := map[string][]string{}
	for name, q := range queries {
		out[name] = rowStrings(t, st, q)
	}
	return out
}

// rowStrings runs q and returns its rows, each as one string, sorted.
func rowStrings(t *testing.T, st *store.Store, q string) []string {
	t.Helper()
	rows, err := st.Pool().Query(ctx(t), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// firstDifference describes where want (of the fresh database) and got (of
// the upgraded one) first differ, or returns "" when they are equal.
func firstDifference[T any](want, got []T) string {
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(want):
			return fmt.Sprintf("extra %+v", got[i])
		case i >= len(got):
			return fmt.Sprintf("missing %+v", want[i])
		case !reflect.DeepEqual(want[i], got[i]):
			return fmt.Sprintf("row %d: fresh %+v, upgraded %+v", i, want[i], got[i])
		}
	}
	return ""
}
