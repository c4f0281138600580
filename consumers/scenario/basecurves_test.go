package scenario_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// TestRunsSeeCurveChanges: runs of one date and filter share the base
// curves the worker read, until a curve write changes them; the next run
// reprices the new price.
func TestRunsSeeCurveChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startWorker(t, scenario.Config{})
	// The base of an output is its value less its deltas.
	base := func(runID string) float64 {
		t.Helper()
		var b float64
		if err := e.Store.Pool().QueryRow(materializertest.Context(t), `
			SELECT o.value - (SELECT sum(d) FROM unnest(o.deltas) d)
			FROM scenario_output o JOIN curve c ON c.id = o.curve_id
			WHERE o.run_id = $1 AND c.location = 'WESTERN HUB' AND o.tenor_label = '2026-04'`, runID).Scan(&b); err != nil {
			t.Fatalf("output of run %s: %v", runID, err)
		}
		return b
	}
	run := func(seed int64) string {
		id := e.createRun(t, runSpec{seed: seed})
		e.waitPublished(t, time.Minute, id)
		if r := e.run(t, id); r.State != "SUCCEEDED" {
			t.Fatalf("run %d: %+v, want SUCCEEDED", seed, r)
		}
		return id
	}

	first, second := run(1), run(2)
	if b1, b2 := base(first), base(second); b1 != 50 || b2 != 50 {
		t.Fatalf("bases %v and %v, want the seeded 50", b1, b2)
	}

	moved := schemas.CurveObservation{
		AsofDate: asof, AssetClass: schemas.AssetClassPower, ISO: new("PJM"), Location: new("WESTERN HUB"), Block: new("ON_PEAK"),
		PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly, TenorLabel: "2026-04",
		ContractMonth: new(time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC)), Mid: new(80.0),
		Currency: new("USD"), PerUnit: new("MWh"), UnitsRaw: "USD/MWh", IngestTS: time.Now().UTC(),
	}
	curve.Complete(&moved)
	if err := e.Store.InTx(materializertest.Context(t), func(tx pgx.Tx) error {
		return market.WriteCurves(materializertest.Context(t), tx, []schemas.CurveObservation{moved})
	}); err != nil {
		t.Fatal(err)
	}
	if b := base(run(3)); b != 80 {
		t.Errorf("base after the curve moved to 80: %v", b)
	}
}
