package scenario_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/scenario"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
)

// seedERCOT writes curves ERCOT power curves of months MONTHLY points each
// at asof, apart from the curves of seedCurves.
func (e *env) seedERCOT(t testing.TB, curves, months int) {
	t.Helper()
	var rows []schemas.CurveObservation
	for c := range curves {
		for m := range months {
			month := time.Date(2026, time.April+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			o := schemas.CurveObservation{
				AsofDate: asof, AssetClass: schemas.AssetClassPower, ISO: ptr("ERCOT"), Location: ptr(fmt.Sprintf("NODE %03d", c)),
				Block: ptr("ATC"), PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly,
				TenorLabel: month.Format("2006-01"), ContractMonth: ptr(month), Mid: ptr(30 + float64(m%12)),
				Currency: ptr("USD"), PerUnit: ptr("MWh"), UnitsRaw: "USD/MWh", IngestTS: asof.Add(18 * time.Hour),
			}
			curve.Complete(&o)
			rows = append(rows, o)
		}
	}
	ctx := materializertest.Context(t)
	if err := e.Store.InTx(ctx, func(tx pgx.Tx) error { return market.WriteCurves(ctx, tx, rows) }); err != nil {
		t.Fatal(err)
	}
}

// shockDrivers are n curve_shock drivers.
func shockDrivers(n int) []model.Driver {
	return slices.Repeat([]model.Driver{{Type: model.CurveShock, Payload: json.RawMessage(`{"shift_pct": 1.5}`)}}, n)
}

// TestRunOverOutputLimit: a run whose base points alone exceed the output
// limit of its drivers fails before pricing, saying so, with no outputs.
func TestRunOverOutputLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedERCOT(t, 71, 72) // 5,112 base points; 200 drivers allow 5,000 outputs
	runID := e.createRun(t, runSpec{drivers: shockDrivers(model.MaxDrivers), filter: map[string][]string{"iso": {"ERCOT"}}})
	e.startWorker(t, scenario.Config{})
	e.waitPublished(t, time.Minute, runID)

	r := e.run(t, runID)
	if r.State != "FAILED" || r.Error == nil || !strings.Contains(*r.Error, "5112 outputs (one per base point)") ||
		!strings.Contains(*r.Error, "at most 5000") {
		t.Errorf("run = %+v (error %q), want FAILED naming the outputs and the limit", r, deref(r.Error))
	}
	if n := e.count(t, `SELECT count(*) FROM scenario_output WHERE run_id = $1`, runID); n != 0 {
		t.Errorf("%d outputs written", n)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestTenantsScheduledFairly: tenant "heavy" submits four runs, then tenant
// "light" one. With two slots and one run per tenant at once, light's run
// starts beside heavy's first and completes before heavy's queue drains:
// each heavy run waits in its compute step until light's run reaches its
// write step (or its own deadline, which would fail it: heavy's runs
// could then not start before light's ended).
func TestTenantsScheduledFairly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The heavy runs run one after another (one slot for their tenant) and
	// their timeouts count from the request: generous, for a slow machine.
	var heavy []string
	for range 4 {
		heavy = append(heavy, e.createRun(t, runSpec{tenant: "heavy", timeout: 300}))
	}
	light := e.createRun(t, runSpec{tenant: "light"})

	lightWrote := make(chan struct{})
	var (
		mu     sync.Mutex
		writes []string
	)
	e.startWorker(t, scenario.Config{Concurrency: 2, TenantConcurrency: 1,
		BeforeStep: func(ctx context.Context, runID, step string) error {
			switch {
			case step == scenario.StepWrite:
				mu.Lock()
				writes = append(writes, runID)
				mu.Unlock()
				if runID == light {
					close(lightWrote)
				}
			case step == scenario.StepCompute && runID != light:
				select {
				case <-lightWrote:
				case <-ctx.Done():
				}
			}
			return nil
		}})
	e.waitPublished(t, 5*time.Minute, append(heavy, light)...)

	for _, id := range append(heavy, light) {
		if r := e.run(t, id); r.State != "SUCCEEDED" {
			t.Errorf("run %s = %+v, want SUCCEEDED", id, r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(writes) != 5 || writes[0] != light {
		t.Errorf("write steps in order %v, want light's run %s first of 5", writes, light)
	}
}

// TestTenantRunNotBehindBurst: a tenant's run requested after another
// tenant's burst, and so behind it in every partition, takes one of the
// first free slots: runs start from everything polled, round-robin across
// tenants, not in log order. Every run still ends once.
func TestTenantRunNotBehindBurst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var burst []string
	for range 24 {
		burst = append(burst, e.createRun(t, runSpec{tenant: "burst", timeout: 300}))
	}
	single := e.createRun(t, runSpec{tenant: "single"})

	var (
		mu     sync.Mutex
		writes []string
	)
	e.startWorker(t, scenario.Config{Concurrency: 2, TenantConcurrency: 1,
		BeforeStep: func(_ context.Context, runID, step string) error {
			if step == scenario.StepWrite {
				mu.Lock()
				writes = append(writes, runID)
				mu.Unlock()
			}
			return nil
		}})
	all := append(burst, single)
	e.waitPublished(t, 5*time.Minute, all...)

	evs := e.events(t)
	for _, id := range all {
		if n, last := terminals(evs[id]); n != 1 || last.State != schemas.RunSucceeded {
			t.Errorf("run %s: %d terminal events, last %s; want one SUCCEEDED", id, n, last.State)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if i := slices.Index(writes, single); i < 0 || i > 2 {
		t.Errorf("the single run wrote %d-th of %d, want among the first three", i+1, len(writes))
	}
}
