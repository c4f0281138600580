package demo

import (
	"math"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/schemas"
)

var wednesday = time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)

// point finds the observation of a location, block ("" for none) and
// tenor in a day.
func point(t *testing.T, day []schemas.CurveObservation, location, block, tenor string) schemas.CurveObservation {
	t.Helper()
	for _, o := range day {
		if *o.Location == location && deref(o.Block) == block && o.TenorLabel == tenor {
			return o
		}
	}
	t.Fatalf("no %s %s %s in the day", location, block, tenor)
	return schemas.CurveObservation{}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkDay asserts what a trader would expect of one day's curve set.
func checkDay(t *testing.T, asof time.Time, day []schemas.CurveObservation) {
	t.Helper()
	m := newModel(0)
	if len(day) != m.rowsPerDay() || len(day) != len(m.curves)*Tenors {
		t.Fatalf("%d rows, want %d curves × %d tenors", len(day), len(m.curves), Tenors)
	}
	first := time.Date(asof.Year(), asof.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, Tenors-1, 0)
	curves := map[string]int{}
	for _, o := range day {
		if err := curve.Validate(&o); err != nil {
			t.Fatalf("%s %s: %v", *o.Location, o.TenorLabel, err)
		}
		curves[o.CurveKey]++
		if !o.AsofDate.Equal(asof) || o.PriceType != schemas.PriceTypeMid || o.TenorType != schemas.TenorMonthly {
			t.Fatalf("%s %s: asof %s, %s %s", *o.Location, o.TenorLabel, o.AsofDate, o.PriceType, o.TenorType)
		}
		cm := *o.ContractMonth
		if cm.Before(first) || cm.After(last) || cm.Day() != 1 || o.TenorLabel != cm.Format("2006-01") {
			t.Fatalf("%s: tenor %s, contract month %s outside %s..%s", *o.Location, o.TenorLabel, cm, first, last)
		}
		if !(*o.Bid > 0 && *o.Bid < *o.Mid && *o.Mid < *o.Ask && *o.Value == *o.Mid) {
			t.Fatalf("%s %s: bid %v mid %v ask %v value %v", *o.Location, o.TenorLabel, *o.Bid, *o.Mid, *o.Ask, *o.Value)
		}
		if o.UnitsRaw == "" || o.Currency == nil || *o.Currency != "USD" || o.PerUnit == nil {
			t.Fatalf("%s: units %q", *o.Location, o.UnitsRaw)
		}
		if o.AssetClass == schemas.AssetClassPower && (*o.Mid < 5 || *o.Mid > 400 || o.UnitsRaw != "USD/MWh") {
			t.Fatalf("power %s %s %s = %v %s", *o.Location, *o.Block, o.TenorLabel, *o.Mid, o.UnitsRaw)
		}
		if o.AssetClass == schemas.AssetClassGas && (*o.Mid < 0.05 || *o.Mid > 40 || o.UnitsRaw != "USD/MMBtu") {
			t.Fatalf("gas %s %s = %v %s", *o.Location, o.TenorLabel, *o.Mid, o.UnitsRaw)
		}
		if o.AssetClass == schemas.AssetClassPower && *o.Block == BlockOn {
			off := point(t, day, *o.Location, BlockOff, o.TenorLabel)
			if *off.Mid >= *o.Mid {
				t.Fatalf("%s %s: OFF %v ≥ ON %v", *o.Location, o.TenorLabel, *off.Mid, *o.Mid)
			}
		}
	}
	if len(curves) != len(m.curves) {
		t.Fatalf("%d curve keys, want %d", len(curves), len(m.curves))
	}

	year := asof.Year() + 1
	jul := point(t, day, "West Hub", BlockOn, time.Date(year, 7, 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	apr := point(t, day, "West Hub", BlockOn, time.Date(year, 4, 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	if *jul.Mid <= *apr.Mid*1.2 {
		t.Errorf("PJM West ON: July %v not well above shoulder April %v", *jul.Mid, *apr.Mid)
	}
	algJan := point(t, day, "Algonquin Citygate", "", time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	algJul := point(t, day, "Algonquin Citygate", "", time.Date(year, 7, 1, 0, 0, 0, 0, time.UTC).Format("2006-01"))
	if *algJan.Mid <= *algJul.Mid*2 {
		t.Errorf("Algonquin: January %v not well above July %v", *algJan.Mid, *algJul.Mid)
	}
	waha := point(t, day, "Waha", "", algJul.TenorLabel)
	henry := point(t, day, "Henry Hub", "", algJul.TenorLabel)
	if *waha.Mid >= *henry.Mid {
		t.Errorf("Waha %v not below Henry Hub %v", *waha.Mid, *henry.Mid)
	}
	front := point(t, day, "West Hub", BlockOn, first.Format("2006-01"))
	back := point(t, day, "West Hub", BlockOn, last.Format("2006-01"))
	if *front.Ask-*front.Bid >= (*back.Ask-*back.Bid)*(*front.Mid / *back.Mid) {
		t.Errorf("spread does not widen with tenor: front %v/%v, back %v/%v", *front.Bid, *front.Ask, *back.Bid, *back.Ask)
	}
}

func TestDayIsRealistic(t *testing.T) {
	t.Parallel()
	for _, asof := range []time.Time{wednesday, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), time.Date(2031, 6, 2, 0, 0, 0, 0, time.UTC)} {
		t.Run(asof.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			checkDay(t, asof, newModel(42).day(asof))
		})
	}
}

func TestDayIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := newModel(7).day(wednesday), newModel(7).day(wednesday)
	for i := range a {
		if a[i].VersionHash != b[i].VersionHash || *a[i].Mid != *b[i].Mid {
			t.Fatalf("row %d differs between two computations", i)
		}
	}
	c := newModel(8).day(wednesday)
	same := 0
	for i := range a {
		if a[i].VersionHash == c[i].VersionHash {
			same++
		}
	}
	if same > len(a)/10 {
		t.Errorf("seeds 7 and 8 share %d of %d rows", same, len(a))
	}
}

// TestDayOverDayMoves: the curves move every day, by amounts a trader
// finds plausible, and the tenors of a curve move together.
func TestDayOverDayMoves(t *testing.T) {
	t.Parallel()
	m := newModel(3)
	today := m.day(wednesday)
	yesterday := m.day(addBusinessDays(wednesday, -1))
	index := map[string]schemas.CurveObservation{}
	for _, o := range yesterday {
		index[o.CurveKey+o.TenorLabel] = o
	}
	moved, coherent, curves := 0, 0, 0
	for i := 0; i < len(today); i += Tenors {
		up, down := 0, 0
		for _, o := range today[i : i+Tenors] {
			prev, ok := index[o.CurveKey+o.TenorLabel]
			if !ok {
				continue // the tenor that rolled in
			}
			change := math.Log(*o.Mid / *prev.Mid)
			if math.Abs(change) > 0.15 {
				t.Errorf("%s %s %s moved %.1f%% in a day", *o.Location, deref(o.Block), o.TenorLabel, 100*change)
			}
			switch {
			case change > 0:
				up++
			case change < 0:
				down++
			}
		}
		curves++
		if up+down > Tenors/2 {
			moved++
		}
		if max(up, down) >= 3*min(up, down) {
			coherent++
		}
	}
	if moved != curves {
		t.Errorf("%d of %d curves moved", moved, curves)
	}
	if coherent < curves*3/4 {
		t.Errorf("only %d of %d curves moved mostly in one direction", coherent, curves)
	}
}

func TestBusinessDays(t *testing.T) {
	t.Parallel()
	fri := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	sat, mon := fri.AddDate(0, 0, 1), fri.AddDate(0, 0, 3)
	cases := []struct {
		name      string
		got, want time.Time
	}{
		{"next after Friday is Monday", addBusinessDays(fri, 1), mon},
		{"back from Monday is Friday", addBusinessDays(mon, -1), fri},
		{"five forward is a week", addBusinessDays(wednesday, 5), wednesday.AddDate(0, 0, 7)},
		{"Saturday on or after", onOrAfter(sat), mon},
		{"Saturday on or before", onOrBefore(sat), fri},
	}
	for _, tc := range cases {
		if !tc.got.Equal(tc.want) {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
		}
	}
	if businessIndex(mon) != businessIndex(fri)+1 || businessIndex(sat) != businessIndex(fri) {
		t.Error("business index does not count business days")
	}
}

func TestConfigDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2026, 3, 21, 15, 0, 0, 0, time.UTC) } // a Saturday
	cfg, err := Config{Now: now}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if want := addBusinessDays(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), -DefaultStartBack); !cfg.Start.Equal(want) {
		t.Errorf("default Start %s, want %s", cfg.Start, want)
	}
	if cfg.Interval != DefaultInterval || cfg.TransactionalID != DefaultTransactionalID {
		t.Errorf("defaults: %+v", cfg)
	}
	bad := []Config{
		{Now: now, Interval: -time.Second},
		{Now: now, Start: wednesday, Until: wednesday.AddDate(0, 0, -1)},
		{Now: now, TransactionalID: " x"},
		{Now: now, Start: time.Date(1960, 1, 4, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range bad {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := New(Config{}, Deps{}); err == nil {
		t.Error("New without deps succeeded")
	}
}
