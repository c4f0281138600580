package scenario_test

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/scenario"
)

// TestDriverFormulas checks each driver's delta of docs/CONTRACTS.md#scenarios against a hand
// computation, with the arithmetic in the comments.
func TestDriverFormulas(t *testing.T) {
	t.Parallel()
	asof := time.Date(2027, time.January, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		driver scenario.Driver
		params map[string]string
		point  scenario.BasePoint
		want   float64
	}{
		// curve_shock: shift_abs + P·shift_pct/100.
		{"shock abs and pct", drv("curve_shock", `{"shift_abs": 2, "shift_pct": 10}`), nil,
			pt(keyPJM, month(2027, 6), 50), 7}, // 2 + 50·10/100 = 2 + 5 = 7
		{"shock pct only on gas", drv("curve_shock", `{"shift_pct": -20}`), nil,
			pt(keyGas, month(2027, 6), 3.5), -0.7}, // 3.5·(−20)/100 = −0.7
		{"shock from_month itself", drv("curve_shock", `{"shift_abs": 3, "from_month": "2027-03", "to_month": "2027-05"}`), nil,
			pt(keyPJM, month(2027, 3), 50), 3},
		{"shock month before from_month", drv("curve_shock", `{"shift_abs": 3, "from_month": "2027-03", "to_month": "2027-05"}`), nil,
			pt(keyPJM, month(2027, 2), 50), 0},
		{"shock to_month itself", drv("curve_shock", `{"shift_abs": 3, "from_month": "2027-03", "to_month": "2027-05"}`), nil,
			pt(keyPJM, month(2027, 5), 50), 3},
		{"shock month after to_month", drv("curve_shock", `{"shift_abs": 3, "from_month": "2027-03", "to_month": "2027-05"}`), nil,
			pt(keyPJM, month(2027, 6), 50), 0},
		{"shock selector iso matches case-insensitively", drv("curve_shock", `{"selector": {"iso": ["pjm"]}, "shift_abs": 4}`), nil,
			pt(keyPJM, month(2027, 6), 50), 4},
		{"shock selector iso other curve", drv("curve_shock", `{"selector": {"iso": ["PJM"]}, "shift_abs": 4}`), nil,
			pt(keyERCOT, month(2027, 6), 40), 0},
		{"shock selector every dimension must match", drv("curve_shock", `{"selector": {"iso": "PJM", "asset_class": ["gas"]}, "shift_abs": 4}`), nil,
			pt(keyPJM, month(2027, 6), 50), 0},
		{"shock selector list of locations", drv("curve_shock", `{"selector": {"location": ["North Hub", "Western Hub"], "block": ["on"]}, "shift_abs": 4}`), nil,
			pt(keyPJM, month(2027, 6), 50), 4},
		{"shock selector curve_key", drv("curve_shock", `{"selector": {"curve_key": ["`+hexKey+`"]}, "shift_abs": 1}`), nil,
			withKey(pt(keyPJM, month(2027, 6), 50), hexKey), 1},

		// fuel_price, power: heat_rate·delta; gas curves: delta for natural_gas.
		{"gas on power default heat rate", drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`), nil,
			pt(keyPJM, month(2027, 6), 50), 7.5}, // 7.5 MMBtu/MWh · $1/MMBtu
		{"gas on gas curve", drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`), nil,
			pt(keyGas, month(2027, 6), 3.5), 1}, // passes through one to one
		{"gas leaves carbon alone", drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`), nil,
			pt(keyCO2, month(2027, 6), 20), 0},
		{"gas leaves renewable alone", drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`), nil,
			pt(keyREC, month(2027, 6), 5), 0},
		{"coal on power", drv("fuel_price", `{"fuel": "coal", "delta": 2}`), nil,
			pt(keyPJM, month(2027, 6), 50), 21.4}, // 10.7 · 2
		{"coal leaves gas curve alone", drv("fuel_price", `{"fuel": "coal", "delta": 2}`), nil,
			pt(keyGas, month(2027, 6), 3.5), 0},
		{"oil on power", drv("fuel_price", `{"fuel": "oil", "delta": -1}`), nil,
			pt(keyERCOT, month(2027, 6), 40), -11.2}, // 11.2 · (−1)
		{"co2 on power", drv("fuel_price", `{"fuel": "co2", "delta": 10}`), nil,
			pt(keyPJM, month(2027, 6), 50), 4}, // 0.4 tCO2/MWh · $10/t
		{"co2 on carbon only when listed", drv("fuel_price", `{"fuel": "co2", "delta": 10}`), nil,
			pt(keyCO2, month(2027, 6), 20), 0},
		{"co2 on listed carbon", drv("fuel_price", `{"fuel": "co2", "delta": 10, "asset_classes": ["power", "carbon"]}`), nil,
			pt(keyCO2, month(2027, 6), 20), 10},
		{"asset_classes replaces the defaults", drv("fuel_price", `{"fuel": "natural_gas", "delta": 1, "asset_classes": ["gas"]}`), nil,
			pt(keyPJM, month(2027, 6), 50), 0},
		{"listed renewable takes the power formula", drv("fuel_price", `{"fuel": "natural_gas", "delta": 1, "asset_classes": ["renewable"]}`), nil,
			pt(keyREC, month(2027, 6), 5), 7.5},
		{"payload heat_rate", drv("fuel_price", `{"fuel": "natural_gas", "delta": 2, "heat_rate": 8}`), nil,
			pt(keyPJM, month(2027, 6), 50), 16}, // 8 · 2
		{"parameter heat_rate", drv("fuel_price", `{"fuel": "natural_gas", "delta": 2}`), map[string]string{"heat_rate": "7"},
			pt(keyPJM, month(2027, 6), 50), 14}, // 7 · 2
		{"payload beats parameter", drv("fuel_price", `{"fuel": "natural_gas", "delta": 2, "heat_rate": 8}`), map[string]string{"heat_rate": "7"},
			pt(keyPJM, month(2027, 6), 50), 16},
		{"parameter coal_heat_rate", drv("fuel_price", `{"fuel": "coal", "delta": 2}`), map[string]string{"coal_heat_rate": "10", "heat_rate": "7"},
			pt(keyPJM, month(2027, 6), 50), 20}, // 10 · 2; heat_rate is gas's
		{"parameter emission_factor for co2", drv("fuel_price", `{"fuel": "co2", "delta": 10}`), map[string]string{"emission_factor": "0.9"},
			pt(keyPJM, month(2027, 6), 50), 9}, // 0.9 · 10

		// carbon_policy: emission_factor·price when m ≥ start_month.
		{"carbon at start_month", drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`), nil,
			pt(keyPJM, month(2028, 1), 50), 16}, // 0.4 · 40
		{"carbon month before start", drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`), nil,
			pt(keyPJM, month(2027, 12), 50), 0},
		{"carbon years later", drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`), nil,
			pt(keyPJM, month(2031, 7), 50), 16},
		{"carbon parameter emission_factor", drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`), map[string]string{"emission_factor": "0.35"},
			pt(keyPJM, month(2028, 1), 50), 14}, // 0.35 · 40
		{"carbon payload emission_factor", drv("carbon_policy", `{"price": 40, "start_month": "2028-01", "emission_factor": 1}`), map[string]string{"emission_factor": "0.35"},
			pt(keyPJM, month(2028, 1), 50), 40},
		{"carbon leaves gas alone", drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`), nil,
			pt(keyGas, month(2028, 1), 3.5), 0},
		{"carbon on listed gas", drv("carbon_policy", `{"price": 40, "start_month": "2028-01", "asset_classes": ["gas"]}`), nil,
			pt(keyGas, month(2028, 1), 3.5), 16},

		// load_growth: elasticity·100·((1+g/100)^years − 1), years from Jan of start_year.
		{"load Jan of start_year", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027}`), nil,
			pt(keyPJM, month(2027, 1), 50), 0}, // years = 0
		{"load before start_year", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027}`), nil,
			pt(keyPJM, month(2026, 12), 50), 0}, // years = −1/12
		{"load one year", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027}`), nil,
			pt(keyPJM, month(2028, 1), 50), 2}, // 1·100·(1.02¹ − 1) = 2
		{"load two and a half years", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027}`), nil,
			pt(keyPJM, month(2029, 7), 50), 5.07524937871906}, // 100·(1.02^(30/12) − 1) = 100·(exp(2.5·ln 1.02) − 1)
		{"load parameter elasticity", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027}`), map[string]string{"elasticity": "0.5"},
			pt(keyPJM, month(2029, 7), 50), 2.53762468935953}, // 0.5 · 5.0752...
		{"load payload elasticity", drv("load_growth", `{"annual_growth_pct": -10, "start_year": 2027, "elasticity": 2}`), nil,
			pt(keyPJM, month(2028, 1), 50), -20}, // 2·100·(0.9 − 1)
		{"load iso matches", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027, "iso": "pjm"}`), nil,
			pt(keyPJM, month(2028, 1), 50), 2},
		{"load iso restricts", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027, "iso": "PJM"}`), nil,
			pt(keyERCOT, month(2028, 1), 40), 0},
		{"load leaves gas alone", drv("load_growth", `{"annual_growth_pct": 2, "start_year": 2027}`), nil,
			pt(keyGas, month(2028, 1), 3.5), 0},

		// fleet_change: ±supply_slope·capacity_mw/1000·ramp(m).
		{"retire month before effective", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 4}`), nil,
			pt(keyPJM, month(2028, 5), 50), 0}, // ramp = clamp(0/4) = 0
		{"retire at effective_month", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 4}`), nil,
			pt(keyPJM, month(2028, 6), 50), 1}, // 2·2000/1000·(1/4) = 1
		{"retire second month", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 4}`), nil,
			pt(keyPJM, month(2028, 7), 50), 2}, // 4·2/4
		{"retire ramp complete after ramp_months", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 4}`), nil,
			pt(keyPJM, month(2028, 9), 50), 4}, // 4·4/4: Jun, Jul, Aug, Sep
		{"retire stays complete", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 4}`), nil,
			pt(keyPJM, month(2030, 1), 50), 4}, // clamp(20/4) = 1
		{"add default ramp is a step", drv("fleet_change", `{"change": "add", "capacity_mw": 1000, "effective_month": "2028-06"}`), nil,
			pt(keyPJM, month(2028, 6), 50), -2}, // −2·1000/1000·1
		{"add before effective", drv("fleet_change", `{"change": "add", "capacity_mw": 1000, "effective_month": "2028-06"}`), nil,
			pt(keyPJM, month(2028, 5), 50), 0},
		{"parameters supply_slope and ramp_months", drv("fleet_change", `{"change": "add", "capacity_mw": 1000, "effective_month": "2028-06"}`),
			map[string]string{"supply_slope": "3", "ramp_months": "2"},
			pt(keyPJM, month(2028, 6), 50), -1.5}, // −3·1·(1/2)
		{"payload supply_slope", drv("fleet_change", `{"change": "retire", "capacity_mw": 500, "effective_month": "2028-06", "supply_slope": 10}`),
			map[string]string{"supply_slope": "3"},
			pt(keyPJM, month(2028, 6), 50), 5}, // 10·0.5·1
		{"fleet iso restricts", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "iso": "ERCOT"}`), nil,
			pt(keyPJM, month(2028, 6), 50), 0},
		{"fleet leaves gas alone", drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06"}`), nil,
			pt(keyGas, month(2028, 6), 3.5), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := computeOne(t, []scenario.Driver{tt.driver}, tt.params, asof, tt.point)
			if len(o.Attribution) != 1 || o.Attribution[0].Driver != tt.driver.Type {
				t.Fatalf("attribution = %+v, want one entry for %s", o.Attribution, tt.driver.Type)
			}
			if got := o.Attribution[0].Delta; !near(got, tt.want) {
				t.Errorf("delta = %v, want %v", got, tt.want)
			}
			if !near(o.Value, tt.point.Mid+tt.want) || o.Base != tt.point.Mid {
				t.Errorf("base %v value %v, want %v and %v", o.Base, o.Value, tt.point.Mid, tt.point.Mid+tt.want)
			}
			checkSum(t, o)
		})
	}
}

const hexKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func withKey(p scenario.BasePoint, key string) scenario.BasePoint {
	p.CurveKey = key
	return p
}

// TestBands checks value·exp(∓1.645·σ·√T), T from asof to the first day of
// the contract month in ACT/365 years.
func TestBands(t *testing.T) {
	t.Parallel()
	vol := drv("volatility", `{"annual_vol_pct": 20}`)
	tests := []struct {
		name         string
		drivers      []scenario.Driver
		asof         time.Time
		point        scenario.BasePoint
		lower, upper *float64
	}{
		// asof 2027-01-15 is inside January: T ≤ 0, no band.
		{"month started", []scenario.Driver{vol}, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), pt(keyPJM, month(2027, 1), 50), nil, nil},
		// asof is the first day of the month: T = 0, no band.
		{"month starts on asof", []scenario.Driver{vol}, month(2027, 2), pt(keyPJM, month(2027, 2), 50), nil, nil},
		// Jan 15 → Feb 1 = 17 days; k = 1.645·0.2·√(17/365) = 0.0710025467;
		// 50·e^−k = 46.5729760, 50·e^k = 53.6791980.
		{"prompt month", []scenario.Driver{vol}, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), pt(keyPJM, month(2027, 2), 50),
			ptr(46.572975996879215), ptr(53.67919800030647)},
		// 2027-01-01 → 2028-01-01 = 365 days, T = 1; k = 0.329;
		// 50·e^−0.329 = 35.9821508, 50·e^0.329 = 69.4788928.
		{"one year", []scenario.Driver{vol}, month(2027, 1), pt(keyPJM, month(2028, 1), 50),
			ptr(35.98215083735377), ptr(69.47889277938053)},
		// The band is around the scenario value: 45 + 5 = 50 as above.
		{"band of the value", []scenario.Driver{drv("curve_shock", `{"shift_abs": 5}`), vol}, month(2027, 1), pt(keyPJM, month(2028, 1), 45),
			ptr(35.98215083735377), ptr(69.47889277938053)},
		// −10·e^0.329 = −13.8957786 ≤ −10·e^−0.329 = −7.1964302.
		{"negative value mirrored", []scenario.Driver{vol}, month(2027, 1), pt(keyPJM, month(2028, 1), -10),
			ptr(-13.895778555876106), ptr(-7.196430167470754)},
		{"no volatility driver", []scenario.Driver{drv("curve_shock", `{"shift_abs": 5}`)}, month(2027, 1), pt(keyPJM, month(2028, 1), 45), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := computeOne(t, tt.drivers, nil, tt.asof, tt.point)
			if (o.BandLower == nil) != (tt.lower == nil) || (o.BandUpper == nil) != (tt.upper == nil) {
				t.Fatalf("bands = %v, %v; want %v, %v", o.BandLower, o.BandUpper, tt.lower, tt.upper)
			}
			if tt.lower != nil && (!near(*o.BandLower, *tt.lower) || !near(*o.BandUpper, *tt.upper)) {
				t.Errorf("bands = %v, %v; want %v, %v", *o.BandLower, *o.BandUpper, *tt.lower, *tt.upper)
			}
			for _, a := range o.Attribution {
				if a.Driver == "volatility" {
					t.Errorf("volatility in attribution: %+v", o.Attribution)
				}
			}
		})
	}
}
