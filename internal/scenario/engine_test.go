package scenario_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
	"github.com/aurum-energy/aurum/internal/scenario"
)

// pjmCurve is the PJM ON fixture curve: Dec 2026 (an incomplete Q4 and
// CAL 2026), every month of 2027 at 50 except Q1 (60, 55, 45), and Jan–Mar
// 2028 (a complete Q1 2028, an incomplete CAL 2028), given out of order.
func pjmCurve() []scenario.BasePoint {
	pts := []scenario.BasePoint{pt(keyPJM, month(2028, 3), 52), pt(keyPJM, month(2026, 12), 48)}
	for m := time.December; m >= time.January; m-- {
		mid := 50.0
		switch m {
		case time.January:
			mid = 60
		case time.February:
			mid = 55
		case time.March:
			mid = 45
		}
		pts = append(pts, pt(keyPJM, month(2027, m), mid))
	}
	return append(pts, pt(keyPJM, month(2028, 1), 51), pt(keyPJM, month(2028, 2), 50))
}

func find(t *testing.T, outs []scenario.Output, key, tenorType, label string) scenario.Output {
	t.Helper()
	for _, o := range outs {
		if o.CurveKey == key && o.TenorType == tenorType && o.TenorLabel == label {
			return o
		}
	}
	t.Fatalf("no %s %s output for %s", tenorType, label, key)
	return scenario.Output{}
}

func TestRollUps(t *testing.T) {
	t.Parallel()
	def := scenario.Definition{Drivers: []scenario.Driver{
		drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`),
		drv("carbon_policy", `{"price": 40, "start_month": "2027-03"}`),
		drv("volatility", `{"annual_vol_pct": 30}`),
	}}
	calDef := scenario.Definition{Drivers: []scenario.Driver{drv("carbon_policy", `{"price": 40, "start_month": "2027-07"}`)}}
	asof := month(2026, 11)
	gas := []scenario.BasePoint{pt(keyGas, month(2027, 1), 3), pt(keyGas, month(2027, 2), 3.5), pt(keyGas, month(2027, 3), 4)}

	t.Run("labels of complete strips only", func(t *testing.T) {
		t.Parallel()
		outs, err := scenario.Compute(def, asof, pjmCurve())
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, o := range outs {
			if o.TenorType != scenario.TenorMonthly {
				labels = append(labels, o.TenorType+" "+o.TenorLabel)
				if o.ContractMonth != nil {
					t.Errorf("%s %s has a contract month", o.TenorType, o.TenorLabel)
				}
			}
		}
		want := []string{"QUARTER 2027-Q1", "QUARTER 2027-Q2", "QUARTER 2027-Q3", "QUARTER 2027-Q4", "QUARTER 2028-Q1", "CALENDAR 2027"}
		if !slices.Equal(labels, want) {
			t.Errorf("strips = %v, want %v", labels, want)
		}
	})

	t.Run("quarter hour-weighted by ON hours in PJM", func(t *testing.T) {
		t.Parallel()
		outs, err := scenario.Compute(def, asof, pjmCurve())
		if err != nil {
			t.Fatal(err)
		}
		q := find(t, outs, keyPJM, scenario.TenorQuarter, "2027-Q1")
		// ON hours in New York: Jan 320, Feb 320, Mar 368 = 1008.
		// base = (60·320 + 55·320 + 45·368)/1008 = 53360/1008.
		// fuel_price = 7.5 every month; carbon_policy = 0.4·40 = 16 in
		// March only: 16·368/1008.
		wantBase, wantCarbon := 53360.0/1008, 16*368.0/1008
		if !near(q.Base, wantBase) || !near(q.Attribution[0].Delta, 7.5) || !near(q.Attribution[1].Delta, wantCarbon) {
			t.Errorf("Q1 base %v attribution %+v; want %v, 7.5, %v", q.Base, q.Attribution, wantBase, wantCarbon)
		}
		if !near(q.Value, wantBase+7.5+wantCarbon) { // 66.2777…
			t.Errorf("Q1 value %v, want %v", q.Value, wantBase+7.5+wantCarbon)
		}
		checkSum(t, q)
		// Bands: the ON-hour-weighted average of the monthly ones.
		var lo, hi float64
		for i, h := range []float64{320, 320, 368} {
			m := find(t, outs, keyPJM, scenario.TenorMonthly, month(2027, time.Month(i+1)).Format("2006-01"))
			lo += *m.BandLower * h
			hi += *m.BandUpper * h
		}
		if q.BandLower == nil || !near(*q.BandLower, lo/1008) || !near(*q.BandUpper, hi/1008) {
			t.Errorf("Q1 bands %v, %v; want %v, %v", q.BandLower, q.BandUpper, lo/1008, hi/1008)
		}
	})

	t.Run("calendar hour-weighted by ON hours in PJM", func(t *testing.T) {
		t.Parallel()
		outs, err := scenario.Compute(calDef, asof, pjmCurve())
		if err != nil {
			t.Fatal(err)
		}
		c := find(t, outs, keyPJM, scenario.TenorCalendar, "2027")
		// ON hours 2027: 320 320 368 352 320 352 | 336 352 336 336 336 368
		// = 4096, of which Jul–Dec 2064. carbon = 16·2064/4096 = 8.0625.
		// base = (60·320 + 55·320 + 45·368 + 50·(4096 − 1008))/4096.
		wantBase := (53360 + 50*(4096-1008.0)) / 4096
		if !near(c.Attribution[0].Delta, 8.0625) || !near(c.Base, wantBase) {
			t.Errorf("CAL 2027 base %v carbon %v, want %v, 8.0625", c.Base, c.Attribution[0].Delta, wantBase)
		}
		if c.BandLower != nil {
			t.Error("CAL 2027 has bands without a volatility driver")
		}
		checkSum(t, c)
	})

	t.Run("gas without block is ATC in New York", func(t *testing.T) {
		t.Parallel()
		outs, err := scenario.Compute(def, asof, gas)
		if err != nil {
			t.Fatal(err)
		}
		q := find(t, outs, keyGas, scenario.TenorQuarter, "2027-Q1")
		// ATC hours: Jan 744, Feb 672, Mar 743 (DST) = 2159.
		// base = (3·744 + 3.5·672 + 4·743)/2159 = 7556/2159; fuel = 1.
		if !near(q.Base, 7556.0/2159) || !near(q.Attribution[0].Delta, 1) || q.Attribution[1].Delta != 0 {
			t.Errorf("gas Q1 base %v attribution %+v; want %v, 1, 0", q.Base, q.Attribution, 7556.0/2159)
		}
	})

	t.Run("unknown block has no roll-ups", func(t *testing.T) {
		t.Parallel()
		pts := pjmCurve()
		for i := range pts {
			pts[i].Block = "5x8"
		}
		outs, err := scenario.Compute(def, asof, pts)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o.TenorType != scenario.TenorMonthly {
				t.Errorf("roll-up %s %s for an unknown block", o.TenorType, o.TenorLabel)
			}
		}
		if len(outs) != len(pts) {
			t.Errorf("%d outputs, want %d", len(outs), len(pts))
		}
	})

	t.Run("strip has bands only when every month does", func(t *testing.T) {
		t.Parallel()
		// asof inside February: January and February have started.
		outs, err := scenario.Compute(def, time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC), pjmCurve())
		if err != nil {
			t.Fatal(err)
		}
		if q := find(t, outs, keyPJM, scenario.TenorQuarter, "2027-Q1"); q.BandLower != nil || q.BandUpper != nil {
			t.Error("Q1 2027 has bands with two months started")
		}
		if q := find(t, outs, keyPJM, scenario.TenorQuarter, "2027-Q2"); q.BandLower == nil || q.BandUpper == nil {
			t.Error("Q2 2027 has no bands")
		}
	})
}

func TestComputeOrderAndAttribution(t *testing.T) {
	t.Parallel()
	def := scenario.Definition{Drivers: []scenario.Driver{
		drv("curve_shock", `{"shift_pct": 3.3, "from_month": "2027-04"}`),
		drv("volatility", `{"annual_vol_pct": 25}`),
		drv("fuel_price", `{"fuel": "natural_gas", "delta": 0.37}`),
		drv("carbon_policy", `{"price": 41.3, "start_month": "2028-01"}`),
		drv("load_growth", `{"annual_growth_pct": 1.7, "start_year": 2026}`),
		drv("fleet_change", `{"change": "retire", "capacity_mw": 1234, "effective_month": "2027-05", "ramp_months": 7}`),
		drv("curve_shock", `{"shift_abs": 0.1}`),
	}}
	var base []scenario.BasePoint
	for _, key := range []string{keyREC, keyGas, keyPJM, keyERCOT, keyCO2} {
		for i := 35; i >= 0; i-- {
			base = append(base, pt(key, month(2027, time.January).AddDate(0, i, 0), 10+float64(i)*1.37))
		}
	}
	outs, err := scenario.Compute(def, month(2026, 12), base)
	if err != nil {
		t.Fatal(err)
	}
	again, err := scenario.Compute(def, month(2026, 12), base)
	if err != nil {
		t.Fatal(err)
	}
	// 5 curves × (36 months + 12 quarters + 3 calendars).
	if len(outs) != 5*51 {
		t.Errorf("%d outputs, want %d", len(outs), 5*51)
	}
	rank := map[string]int{scenario.TenorMonthly: 0, scenario.TenorQuarter: 1, scenario.TenorCalendar: 2}
	names := []string{"curve_shock", "fuel_price", "carbon_policy", "load_growth", "fleet_change", "curve_shock"}
	for i, o := range outs {
		checkSum(t, o)
		if got := attributionNames(o); !slices.Equal(got, names) {
			t.Fatalf("%s %s attribution drivers %v, want %v", o.CurveKey, o.TenorLabel, got, names)
		}
		if o.Metric != "price" {
			t.Errorf("metric %q", o.Metric)
		}
		if (o.BandLower == nil) != (o.BandUpper == nil) || o.BandLower != nil && *o.BandLower > *o.BandUpper {
			t.Errorf("%s %s bands %v, %v", o.CurveKey, o.TenorLabel, o.BandLower, o.BandUpper)
		}
		if i > 0 {
			p := outs[i-1]
			ordered := p.CurveKey < o.CurveKey || p.CurveKey == o.CurveKey &&
				(rank[p.TenorType] < rank[o.TenorType] || p.TenorType == o.TenorType && p.TenorLabel < o.TenorLabel)
			if !ordered {
				t.Errorf("output %d (%s %s %s) after (%s %s %s)", i, o.CurveKey, o.TenorType, o.TenorLabel, p.CurveKey, p.TenorType, p.TenorLabel)
			}
		}
		if a := again[i]; a.Value != o.Value || a.TenorLabel != o.TenorLabel {
			t.Errorf("output %d differs between runs", i)
		}
	}
}

func attributionNames(o scenario.Output) []string {
	var out []string
	for _, a := range o.Attribution {
		out = append(out, a.Driver)
	}
	return out
}

func TestCurveSteps(t *testing.T) {
	t.Parallel()
	base := []scenario.BasePoint{pt(keyGas, month(2027, 2), 3), pt(keyPJM, month(2027, 1), 50), pt(keyGas, month(2027, 1), 3)}
	groups := scenario.Curves(base)
	if len(groups) != 2 || groups[0][0].CurveKey != keyPJM || len(groups[1]) != 2 || groups[1][0].CurveKey != keyGas {
		t.Fatalf("Curves = %+v", groups)
	}
	e, err := scenario.NewEngine([]scenario.Driver{drv("curve_shock", `{"shift_abs": 1}`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var steps []scenario.Output
	for _, g := range groups {
		o, err := e.Curve(month(2027, 1), g)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, o...)
	}
	all, err := scenario.Compute(scenario.Definition{Drivers: []scenario.Driver{drv("curve_shock", `{"shift_abs": 1}`)}}, month(2027, 1), base)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != len(all) || len(all) != 3 {
		t.Fatalf("steps %d outputs, Compute %d, want 3", len(steps), len(all))
	}
	for i := range all {
		if steps[i].TenorLabel != all[i].TenorLabel || steps[i].Value != all[i].Value {
			t.Errorf("output %d: steps %+v, Compute %+v", i, steps[i], all[i])
		}
	}
}

func TestCurveInvalidBase(t *testing.T) {
	t.Parallel()
	e, err := scenario.NewEngine([]scenario.Driver{drv("curve_shock", `{"shift_abs": 1}`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	labelOnly := pt(keyPJM, time.Time{}, 50)
	labelOnly.TenorLabel = "Jan-27"
	noMonth := pt(keyPJM, time.Time{}, 50)
	tests := []struct {
		name   string
		points []scenario.BasePoint
	}{
		{"two curves", []scenario.BasePoint{pt(keyPJM, month(2027, 1), 50), pt(keyGas, month(2027, 2), 3)}},
		{"two points for a month", []scenario.BasePoint{pt(keyPJM, month(2027, 1), 50), pt(keyPJM, time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC), 51)}},
		{"label and month name the same month", []scenario.BasePoint{labelOnly, pt(keyPJM, month(2027, 1), 50)}},
		{"no contract month", []scenario.BasePoint{noMonth}},
		{"NaN mid", []scenario.BasePoint{pt(keyPJM, month(2027, 1), math.NaN())}},
		{"infinite mid", []scenario.BasePoint{pt(keyPJM, month(2027, 1), math.Inf(1))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := e.Curve(month(2027, 1), tt.points); !errors.Is(err, scenario.ErrInvalidBase) {
				t.Errorf("Curve error = %v, want ErrInvalidBase", err)
			}
		})
	}
	t.Run("label parsed when no contract month", func(t *testing.T) {
		t.Parallel()
		outs, err := e.Curve(month(2027, 1), []scenario.BasePoint{labelOnly})
		if err != nil {
			t.Fatal(err)
		}
		if outs[0].TenorLabel != "2027-01" || !outs[0].ContractMonth.Equal(month(2027, 1)) {
			t.Errorf("output %s %v, want 2027-01", outs[0].TenorLabel, outs[0].ContractMonth)
		}
	})
	t.Run("Compute rejects an invalid definition", func(t *testing.T) {
		t.Parallel()
		_, err := scenario.Compute(scenario.Definition{Drivers: []scenario.Driver{drv("bogus", `{}`)}}, month(2027, 1), nil)
		if !errors.Is(err, scenario.ErrInvalid) {
			t.Errorf("Compute error = %v, want ErrInvalid", err)
		}
	})
	t.Run("empty curve", func(t *testing.T) {
		t.Parallel()
		if outs, err := e.Curve(month(2027, 1), nil); err != nil || len(outs) != 0 {
			t.Errorf("Curve(nil) = %v, %v", outs, err)
		}
	})
}

// TestRollUpMatchesStripsEndpoint checks that a strip's base is exactly what
// calendar.Weighted (and so GET /v1/curves/strips) gives for the same mids.
func TestRollUpMatchesStripsEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		curve []scenario.BasePoint
		block calendar.Block
		iso   string
	}{
		{"PJM ON", pjmCurve(), calendar.On, "PJM"},
		{"ERCOT ATC", func() []scenario.BasePoint {
			var pts []scenario.BasePoint
			for m := time.January; m <= time.December; m++ {
				pts = append(pts, pt(keyERCOT, month(2027, m), 30+float64(m)*1.1))
			}
			return pts
		}(), calendar.ATC, "ERCOT"},
	}
	def := scenario.Definition{Drivers: []scenario.Driver{drv("curve_shock", `{"shift_pct": 1}`)}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			outs, err := scenario.Compute(def, month(2026, 1), tt.curve)
			if err != nil {
				t.Fatal(err)
			}
			mids := map[time.Time]float64{}
			for _, p := range tt.curve {
				mids[p.ContractMonth] = p.Mid
			}
			strips := 0
			for _, o := range outs {
				if o.TenorType == scenario.TenorMonthly {
					continue
				}
				strips++
				months, err := calendar.StripMonths(o.TenorType, o.TenorLabel)
				if err != nil {
					t.Fatal(err)
				}
				pts := make([]calendar.MonthPrice, len(months))
				for i, m := range months {
					pts[i] = calendar.MonthPrice{Month: m, Price: mids[m]}
				}
				want, _, err := calendar.Weighted(pts, tt.block, calendar.LocationForISO(tt.iso))
				if err != nil {
					t.Fatal(err)
				}
				if o.Base != want {
					t.Errorf("%s %s base %v, calendar.Weighted %v", o.TenorType, o.TenorLabel, o.Base, want)
				}
			}
			if strips == 0 {
				t.Error("no strips")
			}
		})
	}
}
