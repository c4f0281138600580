package api

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
	"github.com/aurum-energy/aurum/internal/curve"
)

func TestCurvesStrips(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	near := func(v any, want float64) bool { f, ok := v.(float64); return ok && math.Abs(f-want) < 1e-9 }

	t.Run("quarter ON hand-computed", func(t *testing.T) {
		rows := s.list(t, "/v1/curves/strips?type=QUARTER&curve_key="+curve.Key(pjmOn)).Data
		if labels := column(rows, "tenor_label"); !slices.Equal(labels, []string{"2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"}) {
			t.Fatalf("labels = %v", labels)
		}
		q1 := rows[0]
		// 5x16 hours in Eastern time: January 2027 has 21 weekdays less New
		// Year's Day (a Friday), February 20, March 23.
		const h1, h2, h3 = 20 * 16, 20 * 16, 23 * 16
		want := (50.25*h1 + 51.25*h2 + 52.25*h3) / (h1 + h2 + h3)
		if !near(q1["mid"], want) || !near(q1["hours"], h1+h2+h3) {
			t.Fatalf("2027-Q1 ON = %v, want mid %v over %d hours", q1, want, h1+h2+h3)
		}
		if fmt.Sprint(q1["months"]) != "[2027-01 2027-02 2027-03]" || q1["tenor_type"] != "QUARTER" ||
			q1["asof_date"] != asofB || q1["block"] != "ON" || q1["price_type"] != "MID" || q1["currency"] != "USD" {
			t.Fatalf("2027-Q1 ON = %v", q1)
		}
	})

	t.Run("calendar OFF and season", func(t *testing.T) {
		cal := s.list(t, "/v1/curves/strips?type=calendar&block=OFF").Data
		if len(cal) != 1 || cal[0]["tenor_label"] != "2027" {
			t.Fatalf("CALENDAR OFF = %v", cal)
		}
		loc := calendar.LocationForISO("PJM")
		var sum, hours float64
		for m := range 12 {
			h := calendar.Hours(calendar.Off, time.Date(2027, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC), loc)
			sum += (30 + float64(m) + 0.25) * h
			hours += h
		}
		if !near(cal[0]["mid"], sum/hours) || !near(cal[0]["hours"], hours) {
			t.Fatalf("2027 OFF = %v, want %v over %v", cal[0], sum/hours, hours)
		}
		// Winters (Nov–Mar) are incomplete: only the summer is listed.
		season := s.list(t, "/v1/curves/strips?type=SEASON&curve_key="+curve.Key(pjmOn)).Data
		if labels := column(season, "tenor_label"); !slices.Equal(labels, []string{"2027-SUMMER"}) {
			t.Fatalf("SEASON labels = %v", labels)
		}
	})

	t.Run("gas without block weighs ATC hours", func(t *testing.T) {
		rows := s.list(t, "/v1/curves/strips?type=QUARTER&asset_class=gas").Data
		if labels := column(rows, "tenor_label"); !slices.Equal(labels, []string{"2027-Q1", "2027-Q2"}) {
			t.Fatalf("latest gas quarters = %v (2026-Q4 has one month only)", labels)
		}
		loc := calendar.LocationForISO("")
		var sum, hours float64
		for m := 3; m < 6; m++ {
			h := calendar.Hours(calendar.ATC, time.Date(2027, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC), loc)
			sum += (3 + float64(m) + 0.25) * h
			hours += h
		}
		if !near(rows[1]["mid"], sum/hours) || !near(rows[1]["hours"], 2184) || rows[1]["block"] != nil {
			t.Fatalf("2027-Q2 gas = %v, want %v over 2184 h", rows[1], sum/hours)
		}
		// As of asofA June has no mid: Q2 is incomplete and left out.
		old := s.list(t, "/v1/curves/strips?type=QUARTER&asset_class=gas&asof="+asofA).Data
		if labels := column(old, "tenor_label"); !slices.Equal(labels, []string{"2027-Q1"}) || old[0]["asof_date"] != asofA {
			t.Fatalf("asofA gas quarters = %v", old)
		}
	})

	t.Run("pagination across batches", func(t *testing.T) {
		whole := s.list(t, "/v1/curves/strips?type=QUARTER&limit=500").Data
		// PJM ON, PJM OFF, ERCOT MID, ERCOT SETTLE: 4 each; gas: 2.
		if len(whole) != 18 {
			t.Fatalf("%d strips, want 18", len(whole))
		}
		saved := s.market
		s.market = s.market.WithStripBatch(5)
		t.Cleanup(func() { s.market = saved })
		// Named curves (found by index; a later batch starts at its curve):
		// PJM ON, PJM OFF, ERCOT MID, ERCOT SETTLE.
		const named = "/v1/curves/strips?type=QUARTER&location=WEST+HUB,NORTH+HUB"
		wholeNamed := s.list(t, named+"&limit=500").Data
		if len(wholeNamed) != 16 {
			t.Fatalf("%d strips of named curves, want 16", len(wholeNamed))
		}
		for _, limit := range []int{1, 3, 500} {
			// Each limit is another query, so no page comes from the cache.
			paged := s.listAll(t, "/v1/curves/strips?type=QUARTER&price_type=MID,SETTLE", limit)
			if got, want := stripKeys(paged), stripKeys(whole); !slices.Equal(got, want) {
				t.Fatalf("limit %d, batches of 5:\n got %v\nwant %v", limit, got, want)
			}
			paged = s.listAll(t, named, limit)
			if got, want := stripKeys(paged), stripKeys(wholeNamed); !slices.Equal(got, want) {
				t.Fatalf("named curves, limit %d, batches of 5:\n got %v\nwant %v", limit, got, want)
			}
		}
	})
}

// column returns the values of one field of rows as strings.
func column(rows []map[string]any, name string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r[name])
	}
	return out
}

func stripKeys(rows []map[string]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%v|%v|%v|%v", r["curve_key"], r["price_type"], r["tenor_label"], r["mid"])
	}
	return out
}
