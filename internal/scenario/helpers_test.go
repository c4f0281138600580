package scenario_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/scenario"
)

// Curve keys of the fixtures (any distinct strings work for the engine).
const (
	keyPJM   = "a1" // power, PJM, ON
	keyERCOT = "b2" // power, ERCOT, ATC
	keyGas   = "c3" // gas, Henry Hub, no block
	keyCO2   = "d4" // carbon
	keyREC   = "e5" // renewable
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// drv builds a driver from a payload written as JSON.
func drv(typ, payload string) scenario.Driver {
	return scenario.Driver{Type: typ, Payload: json.RawMessage(payload)}
}

// pt is a base point of one of the fixture curves.
func pt(key string, m time.Time, mid float64) scenario.BasePoint {
	p := scenario.BasePoint{CurveKey: key, ContractMonth: m, Mid: mid, Currency: "USD"}
	switch key {
	case keyPJM:
		p.AssetClass, p.ISO, p.Location, p.Market, p.Block, p.PerUnit = "power", "PJM", "Western Hub", "DAY_AHEAD", "ON", "MWh"
	case keyERCOT:
		p.AssetClass, p.ISO, p.Location, p.Block, p.PerUnit = "power", "ERCOT", "North Hub", "ATC", "MWh"
	case keyGas:
		p.AssetClass, p.Location, p.PerUnit = "gas", "Henry Hub", "MMBtu"
	case keyCO2:
		p.AssetClass, p.Product, p.PerUnit = "carbon", "RGGI", "tCO2"
	case keyREC:
		p.AssetClass, p.ISO, p.PerUnit = "renewable", "PJM", "MWh"
	}
	return p
}

// computeOne reprices a single point and returns its MONTHLY output.
func computeOne(t *testing.T, drivers []scenario.Driver, params map[string]string, asof time.Time, p scenario.BasePoint) scenario.Output {
	t.Helper()
	e, err := scenario.NewEngine(drivers, params)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	out, err := e.Curve(asof, []scenario.BasePoint{p})
	if err != nil {
		t.Fatalf("Curve: %v", err)
	}
	if len(out) != 1 {
		t.Fatalf("Curve returned %d outputs for one point, want 1", len(out))
	}
	return out[0]
}

// checkSum asserts the attribution invariant: Value is Base plus the
// left-to-right sum of the deltas, bit for bit, and Value − Base equals that
// sum to 1e-9 relative.
func checkSum(t *testing.T, o scenario.Output) {
	t.Helper()
	var sum float64
	for _, a := range o.Attribution {
		sum += a.Delta
	}
	if o.Value != o.Base+sum {
		t.Errorf("%s %s: value %v != base %v + Σ attribution %v", o.CurveKey, o.TenorLabel, o.Value, o.Base, sum)
	}
	if d := math.Abs(o.Value - o.Base - sum); d > 1e-9*math.Max(1, math.Abs(o.Value)) {
		t.Errorf("%s %s: value − base − Σ attribution = %v", o.CurveKey, o.TenorLabel, d)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func ptr(x float64) *float64 { return &x }
