package store

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The columns of every table: docs/CONTRACTS.md#records fields for market data, docs/CONTRACTS.md#scenarios
// resources for tenant data. A change here is a schema change for readers.
var wantColumns = map[string][]string{
	"curve": {"id", "curve_key", "asset_class", "iso", "region", "location", "market", "product", "block",
		"spark_location", "currency", "per_unit", "units_raw", "latest_asof", "price_types", "tenor_types"},
	"curve_observation": {"ingest_ts", "value", "bid", "ask", "mid", "curve_id", "asof_date",
		"contract_month", "price_type", "tenor_type", "tenor_label"},
	"curve_latest_stale": {"ingest_ts", "value", "bid", "ask", "mid", "curve_id", "asof_date",
		"contract_month", "price_type", "tenor_type", "tenor_label"},
	"iso_location": {"id", "iso_code", "location_id", "location_name", "location_type", "currency", "uom", "markets"},
	"iso_lmp": {"interval_start", "interval_end", "ingest_ts", "price_total", "price_energy", "price_congestion",
		"price_loss", "iso_location_id", "market"},
	"iso_area": {"id", "iso_code", "area"},
	"iso_load": {"interval_start", "interval_end", "ingest_ts", "mw", "iso_area_id", "forecast"},
	"ext_series": {"id", "provider", "series_id", "unit", "frequency", "geo_id", "dataset", "title", "description",
		"source_url", "first_ts", "last_ts", "updated_ts"},
	"ext_timeseries_observation": {"ts", "ingest_ts", "value", "ext_series_id", "asof_date", "quality_flag",
		"value_raw"},
	"scenario": {"id", "tenant_id", "name", "description", "curve_filter", "drivers", "parameters", "tags",
		"version", "created_at", "updated_at", "deleted_at"},
	"scenario_run": {"id", "tenant_id", "scenario_id", "state", "asof_date", "input_hash", "priority",
		"attempt", "timeout_seconds", "max_retries", "seed", "requested_by", "idempotency_key",
		"progress_percent", "queued_at", "started_at", "completed_at", "error", "output_count",
		"cancel_requested_at", "terminal_published_at", "idempotency_fingerprint",
		"output_drivers", "outputs_computed_at"},
	"scenario_output": {"tenant_id", "run_id", "curve_id", "tenor_type", "tenor_label", "contract_month",
		"metric", "value", "band_lower", "band_upper", "deltas"},
	"outbox": {"id", "tenant_id", "topic", "key", "value", "payload", "headers", "created_at",
		"published_at", "attempts", "last_error"},
}

var tenantTables = []string{"scenario", "scenario_run", "scenario_output", "outbox"}

func TestSchemaTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	for table, want := range wantColumns {
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			rows, err := s.Pool().Query(ctx, `SELECT column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("columns\n got %v\nwant %v", got, want)
			}

			var rls, forced bool
			if err := s.Pool().QueryRow(ctx, `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
				WHERE oid = to_regclass($1)`, table).Scan(&rls, &forced); err != nil {
				t.Fatal(err)
			}
			tenant := slices.Contains(tenantTables, table)
			if rls != tenant || forced != tenant {
				t.Errorf("row security enabled=%v forced=%v, want %v", rls, forced, tenant)
			}

			var granted bool
			if err := s.Pool().QueryRow(ctx, `SELECT has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE')`,
				AppRole, table).Scan(&granted); err != nil {
				t.Fatal(err)
			}
			if !granted {
				t.Errorf("%s lacks read/write privileges", AppRole)
			}
		})
	}
}

func TestAppRoleAttributes(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	for _, role := range []string{AppRole, RelayRole} {
		var login, super, bypass bool
		if err := s.Pool().QueryRow(context.Background(),
			`SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, role).
			Scan(&login, &super, &bypass); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if login || super || bypass {
			t.Errorf("%s: login=%v superuser=%v bypassrls=%v, want all false", role, login, super, bypass)
		}
	}
}

// TestUniqueKeys inserts each row twice: the second insert must conflict,
// and an upsert on the key must leave one row.
func TestUniqueKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	const tenant = "acme"
	var scenarioID, runID string
	err := s.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO scenario (tenant_id, name) VALUES ($1, 'base') RETURNING id`,
			tenant).Scan(&scenarioID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds)
			VALUES ($1, $2, '2025-01-02', 'h0', 60) RETURNING id`, tenant, scenarioID).Scan(&runID)
	})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		tenant string // "" for market data
		insert string
		args   []any
		upsert string // ON CONFLICT clause making insert an idempotent write
		count  string
	}{
		{
			name: "curve (curve_key)",
			insert: `INSERT INTO curve (curve_key, asset_class, units_raw, latest_asof, price_types, tenor_types)
				VALUES ('k1', 'power', '$/MWh', '2025-01-02', '{MID}', '{MONTHLY}')`,
			upsert: ` ON CONFLICT (curve_key) DO UPDATE SET units_raw = EXCLUDED.units_raw`,
			count:  `SELECT count(*) FROM curve`,
		},
		{
			name: "curve_observation (curve_id, asof_date, tenor_label, price_type)",
			insert: `INSERT INTO curve_observation (curve_id, asof_date, price_type, tenor_type, tenor_label, mid,
				ingest_ts) VALUES (1, '2025-01-02', 'MID', 'MONTHLY', '2025-02', 41.5, now())`,
			upsert: ` ON CONFLICT (curve_id, asof_date, tenor_label, price_type) DO UPDATE SET mid = EXCLUDED.mid`,
			count:  `SELECT count(*) FROM curve_observation`,
		},
		{
			name: "curve_latest_stale (curve_id, tenor_label, price_type)",
			insert: `INSERT INTO curve_latest_stale (curve_id, asof_date, price_type, tenor_type, tenor_label, mid,
				ingest_ts) VALUES (1, '2025-01-02', 'MID', 'MONTHLY', '2025-02', 41.5, now())`,
			upsert: ` ON CONFLICT (curve_id, tenor_label, price_type) DO UPDATE SET mid = EXCLUDED.mid`,
			count:  `SELECT count(*) FROM curve_latest_stale`,
		},
		{
			name: "iso_location (iso_code, location_id)",
			insert: `INSERT INTO iso_location (iso_code, location_id, location_type, currency, uom, markets)
				VALUES ('PJM', 'WESTERN HUB', 'HUB', 'USD', 'MWh', '{DAY_AHEAD}')`,
			upsert: ` ON CONFLICT (iso_code, location_id) DO UPDATE SET location_type = EXCLUDED.location_type`,
			count:  `SELECT count(*) FROM iso_location`,
		},
		{
			name: "iso_lmp (iso_location_id, market, interval_start)",
			insert: `INSERT INTO iso_lmp (iso_location_id, market, interval_start, price_total, ingest_ts)
				VALUES (1, 'DAY_AHEAD', '2025-01-02T05:00:00Z', 35.2, now())`,
			upsert: ` ON CONFLICT (iso_location_id, market, interval_start) DO UPDATE SET price_total = EXCLUDED.price_total`,
			count:  `SELECT count(*) FROM iso_lmp`,
		},
		{
			name:   "iso_area (iso_code, area)",
			insert: `INSERT INTO iso_area (iso_code, area) VALUES ('ERCOT', 'SYSTEM')`,
			upsert: ` ON CONFLICT (iso_code, area) DO NOTHING`,
			count:  `SELECT count(*) FROM iso_area`,
		},
		{
			name: "iso_load (iso_area_id, interval_start, forecast)",
			insert: `INSERT INTO iso_load (iso_area_id, interval_start, mw, forecast, ingest_ts)
				VALUES (1, '2025-01-02T05:00:00Z', 41000, false, now())`,
			upsert: ` ON CONFLICT (iso_area_id, interval_start, forecast) DO UPDATE SET mw = EXCLUDED.mw`,
			count:  `SELECT count(*) FROM iso_load`,
		},
		{
			name:   "ext_series (provider, series_id)",
			insert: `INSERT INTO ext_series (provider, series_id, title, updated_ts) VALUES ('FRED', 'GDP', 'Gross Domestic Product', now())`,
			upsert: ` ON CONFLICT (provider, series_id) DO UPDATE SET title = EXCLUDED.title`,
			count:  `SELECT count(*) FROM ext_series`,
		},
		{
			name: "ext_timeseries_observation (ext_series_id, ts, asof_date)",
			insert: `INSERT INTO ext_timeseries_observation (ext_series_id, ts, value, asof_date, ingest_ts)
				VALUES (1, '2024-10-01', NULL, '2025-01-30', now())`,
			upsert: ` ON CONFLICT (ext_series_id, ts, asof_date) DO UPDATE SET value = EXCLUDED.value`,
			count:  `SELECT count(*) FROM ext_timeseries_observation`,
		},
		{
			name:   "scenario_run (tenant_id, scenario_id, input_hash)",
			tenant: tenant,
			insert: `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds)
				VALUES ($1, $2, '2025-01-02', 'h1', 60)`,
			args:   []any{tenant, scenarioID},
			upsert: ` ON CONFLICT (tenant_id, scenario_id, input_hash) DO NOTHING`,
			count:  `SELECT count(*) FROM scenario_run WHERE input_hash = 'h1'`,
		},
		{
			name:   "scenario_run (tenant_id, idempotency_key)",
			tenant: tenant,
			insert: `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds, idempotency_key)
				VALUES ($1, $2, '2025-01-02', md5(random()::text), 60, 'key-1')`,
			args:   []any{tenant, scenarioID},
			upsert: ` ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
			count:  `SELECT count(*) FROM scenario_run WHERE idempotency_key = 'key-1'`,
		},
		{
			name:   "scenario_output (run_id, curve_id, tenor_type, tenor_label, metric)",
			tenant: tenant,
			insert: `INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type, tenor_label, contract_month,
				metric, value, deltas)
				VALUES ($1, $2, 1, 'MONTHLY', '2025-02', '2025-02-01', 'mid', 43.1, '{1.6}')`,
			args:   []any{tenant, runID},
			upsert: ` ON CONFLICT (run_id, curve_id, tenor_type, tenor_label, metric) DO UPDATE SET value = EXCLUDED.value`,
			count:  `SELECT count(*) FROM scenario_output`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := func(fn func(pgx.Tx) error) error {
				if tc.tenant == "" {
					return s.InTx(ctx, fn)
				}
				return s.InTenant(ctx, tc.tenant, fn)
			}
			exec := func(sql string) error {
				return in(func(tx pgx.Tx) error { _, err := tx.Exec(ctx, sql, tc.args...); return err })
			}
			if err := exec(tc.insert); err != nil {
				t.Fatalf("first insert: %v", err)
			}
			if err := exec(tc.insert); pgCode(err) != codeUniqueViolation {
				t.Fatalf("duplicate insert: %v, want unique violation %s", err, codeUniqueViolation)
			}
			if err := exec(tc.insert + tc.upsert); err != nil {
				t.Fatalf("upsert: %v", err)
			}
			var n int
			if err := in(func(tx pgx.Tx) error { return tx.QueryRow(ctx, tc.count).Scan(&n) }); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d rows after insert, duplicate and upsert; want 1", n)
			}
		})
	}
}

func TestConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	cases := []struct {
		name     string
		tenant   string
		sql      string
		wantCode string
	}{
		{
			name: "curve observation without any price",
			sql: `INSERT INTO curve_observation (curve_id, asof_date, price_type, tenor_type, tenor_label,
				ingest_ts) VALUES (1, '2025-01-02', 'MID', 'MONTHLY', '2025-02', now())`,
			wantCode: codeCheckViolation,
		},
		{
			name:     "catalogued series without a title",
			sql:      `INSERT INTO ext_series (provider, series_id, updated_ts) VALUES ('FRED', 'GDP', now())`,
			wantCode: codeCheckViolation,
		},
		{
			name:     "LMP price of a market not of the contract",
			sql:      `INSERT INTO iso_lmp (iso_location_id, market, interval_start, price_total, ingest_ts) VALUES (1, 'INTRADAY', now(), 1, now())`,
			wantCode: "22P02", // invalid_text_representation
		},
		{
			name:     "run of a missing scenario",
			tenant:   "acme",
			sql:      `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds) VALUES ('acme', gen_random_uuid(), '2025-01-02', 'h', 60)`,
			wantCode: "23503", // foreign_key_violation
		},
		{
			name:     "outbox row without value or payload",
			tenant:   "acme",
			sql:      `INSERT INTO outbox (tenant_id, topic) VALUES ('acme', 'aurum.scenario.request.v1')`,
			wantCode: codeCheckViolation,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn := func(tx pgx.Tx) error { _, err := tx.Exec(ctx, tc.sql); return err }
			var err error
			if tc.tenant == "" {
				err = s.InTx(ctx, fn)
			} else {
				err = s.InTenant(ctx, tc.tenant, fn)
			}
			if pgCode(err) != tc.wantCode {
				t.Errorf("got %v, want SQLSTATE %s", err, tc.wantCode)
			}
		})
	}
}

func TestTimescaleHypertables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	ts, err := s.Timescale(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !ts {
		t.Skip("timescaledb is not installed on this server; market tables are plain tables")
	}
	rows, err := s.Pool().Query(ctx, `SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"curve_observation", "ext_timeseries_observation", "iso_lmp", "iso_load"}
	if !slices.Equal(got, want) {
		t.Errorf("hypertables %v, want %v", got, want)
	}
}
