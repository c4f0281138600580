package scenario_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/scenario"
)

// BenchmarkCompute prices the standard scenario of `make bench`: 3 drivers
// on 20 curves × 60 months, with roll-ups.
func BenchmarkCompute(b *testing.B) {
	def := scenario.Definition{Drivers: []scenario.Driver{
		drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`),
		drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`),
		drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 6}`),
	}}
	var base []scenario.BasePoint
	for c := range 20 {
		for i := range 60 {
			p := pt(keyPJM, month(2027, time.January).AddDate(0, i, 0), 40+float64(i%12))
			p.CurveKey = fmt.Sprintf("curve-%02d", c)
			base = append(base, p)
		}
	}
	asof := month(2026, time.December)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scenario.Compute(def, asof, base); err != nil {
			b.Fatal(err)
		}
	}
}
