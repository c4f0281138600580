package store

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/testenv"
)

// TestNarrowOutputsMigration: migration 0015 moves the outputs of the wide
// table into the narrow one (curve id, deltas; the drivers and computed
// time on the run), keeps an output whose curve it cannot find in the old
// table, and a run's deletion still removes its outputs.
func TestNarrowOutputsMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, Config{URL: testenv.DatabaseURL(t)})
	if _, err := s.MigrateTo(ctx, 14); err != nil {
		t.Fatalf("MigrateTo(14): %v", err)
	}
	const tenant = "acme"
	var curveID int
	if err := s.Pool().QueryRow(ctx, `INSERT INTO curve (curve_key, asset_class, units_raw, latest_asof, price_types, tenor_types)
		VALUES ('k1', 'power', 'USD/MWh', '2025-01-02', '{MID}', '{MONTHLY}') RETURNING id`).Scan(&curveID); err != nil {
		t.Fatal(err)
	}
	var scenarioID, runID string
	err := s.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO scenario (tenant_id, name) VALUES ($1, 'base') RETURNING id`,
			tenant).Scan(&scenarioID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO scenario_run (tenant_id, scenario_id, asof_date, input_hash, timeout_seconds,
			state, output_count) VALUES ($1, $2, '2025-01-02', 'h', 60, 'SUCCEEDED', 3) RETURNING id`,
			tenant, scenarioID).Scan(&runID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO scenario_output (tenant_id, run_id, scenario_id, asof_date, curve_key, tenor_type,
			tenor_label, contract_month, metric, value, band_lower, band_upper, attribution, input_hash, computed_ts)
			VALUES ($1, $2, $3, '2025-01-02', 'k1', 'MONTHLY', '2025-02', '2025-02-01', 'price', 43.5, 40, 47,
			        '[{"driver": "fuel_price", "delta": 1.5}, {"driver": "carbon_policy", "delta": -0.25}]', 'h', '2025-01-02T10:00:00Z'),
			       ($1, $2, $3, '2025-01-02', 'k1', 'QUARTER', '2025-Q1', NULL, 'price', 44, NULL, NULL,
			        '[{"driver": "fuel_price", "delta": 2}, {"driver": "carbon_policy", "delta": 0}]', 'h', '2025-01-02T10:00:00Z'),
			       ($1, $2, $3, '2025-01-02', 'gone', 'MONTHLY', '2025-02', '2025-02-01', 'price', 1, NULL, NULL,
			        '[]', 'h', '2025-01-02T10:00:00Z')`,
			tenant, runID, scenarioID)
		return err
	})
	if err != nil {
		t.Fatalf("seed the wide table: %v", err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}

	type output struct {
		curveID     int
		tenor, note string
		value       float64
		deltas      []float64
	}
	var (
		got     []output
		drivers []string
		left    int
	)
	err = s.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT curve_id, tenor_type::text, tenor_label || coalesce(' ' || band_lower || '-' || band_upper, ''),
			value, deltas FROM scenario_output WHERE run_id = $1 ORDER BY tenor_type::text`, runID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o output
			if err := rows.Scan(&o.curveID, &o.tenor, &o.note, &o.value, &o.deltas); err != nil {
				return err
			}
			got = append(got, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var computed bool
		if err := tx.QueryRow(ctx, `SELECT output_drivers, outputs_computed_at = '2025-01-02T10:00:00Z' FROM scenario_run WHERE id = $1`,
			runID).Scan(&drivers, &computed); err != nil || !computed {
			t.Errorf("run's outputs_computed_at is not the outputs' computed_ts (%v)", err)
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM scenario_output_0014 WHERE curve_key = 'gone'`).Scan(&left)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []output{
		{curveID, "MONTHLY", "2025-02 40-47", 43.5, []float64{1.5, -0.25}},
		{curveID, "QUARTER", "2025-Q1", 44, []float64{2, 0}},
	}
	if !slices.EqualFunc(got, want, func(a, b output) bool {
		return a.curveID == b.curveID && a.tenor == b.tenor && a.note == b.note && a.value == b.value && slices.Equal(a.deltas, b.deltas)
	}) {
		t.Errorf("narrow outputs %+v, want %+v", got, want)
	}
	if !slices.Equal(drivers, []string{"fuel_price", "carbon_policy"}) {
		t.Errorf("output_drivers %v, want fuel_price, carbon_policy", drivers)
	}
	if left != 1 {
		t.Errorf("%d outputs of an unknown curve kept in scenario_output_0014, want 1", left)
	}

	// Deleting the scenario deletes its runs (a foreign key) and so their
	// outputs (the trigger).
	err = s.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM scenario WHERE id = $1`, scenarioID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d outputs left after their run's deletion (%v), want 0", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
