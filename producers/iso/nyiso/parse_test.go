package nyiso

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var ingest = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func TestParseRealTime(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "realtime-zone-lbmp-20160218.csv"), Feeds["realtime_zone"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 45 {
		t.Fatalf("%d records, want 45 (3 stamps x 15 zones)", len(recs))
	}
	r := recs[0]
	// "02/18/2016 00:15:00" is EST (UTC-5) and ends a 5-minute interval:
	// 05:10-05:15 UTC, operating day 2016-02-18.
	if r.IsoCode != schemas.IsoNYISO || r.Market != schemas.MarketRealTime || r.LocationID != "61757" ||
		*r.LocationName != "CAPITL" || r.LocationType != schemas.LocationZone ||
		!r.IntervalStart.Equal(utc(2016, 2, 18, 5, 10)) || !r.IntervalEnd.Equal(utc(2016, 2, 18, 5, 15)) ||
		*r.IntervalMinutes != 5 || !r.DeliveryDate.Equal(utc(2016, 2, 18, 0, 0)) ||
		r.PriceTotal != 21.53 || *r.PriceLoss != 1.69 || *r.PriceCongestion != 0 || *r.PriceEnergy != 19.84 {
		t.Errorf("first record %+v", r)
	}
	types := map[string]schemas.LocationType{}
	for _, r := range recs {
		types[*r.LocationName] = r.LocationType
	}
	if types["H Q"] != schemas.LocationInterface || types["PJM"] != schemas.LocationInterface || types["N.Y.C."] != schemas.LocationZone {
		t.Errorf("location types %v", types)
	}
}

func TestParseDayAhead(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "damlbmp-zone-20261005-first12h.csv"), Feeds["damlbmp_zone"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 180 {
		t.Fatalf("%d records, want 180 (12 hours x 15 zones)", len(recs))
	}
	// "10/05/2026 00:00" is EDT (UTC-4) and starts the hour: 04:00 UTC.
	if r := recs[0]; !r.IntervalStart.Equal(utc(2026, 10, 5, 4, 0)) || !r.IntervalEnd.Equal(utc(2026, 10, 5, 5, 0)) ||
		r.Market != schemas.MarketDayAhead || *r.IntervalMinutes != 60 || !r.DeliveryDate.Equal(utc(2026, 10, 5, 0, 0)) {
		t.Errorf("first record %+v", r)
	}
	// The PJM proxy bus at hour 11: LBMP 24.30, losses 0.02, congestion
	// -2.51 as published, so energy = 24.30 - 0.02 + (-2.51) = 21.77.
	last := recs[178]
	if *last.LocationName != "PJM" || !last.IntervalStart.Equal(utc(2026, 10, 5, 15, 0)) ||
		last.PriceTotal != 24.30 || *last.PriceLoss != 0.02 || *last.PriceCongestion != -2.51 || *last.PriceEnergy != 21.77 {
		t.Errorf("PJM hour 11: %+v", last)
	}
	// The fixture README checked that LBMP - losses + congestion is one
	// energy price per hour across zones; the inputs are rounded to the
	// cent, so the energy agrees within two cents.
	lo, hi := map[time.Time]float64{}, map[time.Time]float64{}
	for _, r := range recs {
		e := *r.PriceEnergy
		if v, ok := lo[r.IntervalStart]; !ok || e < v {
			lo[r.IntervalStart] = e
		}
		if v, ok := hi[r.IntervalStart]; !ok || e > v {
			hi[r.IntervalStart] = e
		}
	}
	if len(lo) != 12 {
		t.Errorf("%d hours, want 12", len(lo))
	}
	for h := range lo {
		if spread := hi[h] - lo[h]; spread > 0.02+1e-9 {
			t.Errorf("hour %s: energy spread %.4f across zones", h, spread)
		}
	}
}

// fallBackDAM is a day-ahead file for Sunday 2026-11-01, when Eastern time
// falls back: 25 hours, the 01:00 label twice, no time zone column.
func fallBackDAM() []byte {
	var b strings.Builder
	b.WriteString("Time Stamp,Name,PTID,LBMP ($/MWHr),Marginal Cost Losses ($/MWHr),Marginal Cost Congestion ($/MWHr)\n")
	labels := []int{0, 1, 1}
	for h := 2; h < 24; h++ {
		labels = append(labels, h)
	}
	for i, h := range labels {
		for _, z := range []struct{ name, ptid string }{{"CAPITL", "61757"}, {"WEST", "61752"}} {
			fmt.Fprintf(&b, "11/01/2026 %02d:00,%s,%s,%d.00,0.50,-1.00\n", h, z.name, z.ptid, 30+i)
		}
	}
	return []byte(b.String())
}

func TestParseFallBackDay(t *testing.T) {
	t.Parallel()
	recs, err := Parse(fallBackDAM(), Feeds["damlbmp_zone"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	starts := map[string]map[time.Time]bool{}
	for _, r := range recs {
		if starts[r.LocationID] == nil {
			starts[r.LocationID] = map[time.Time]bool{}
		}
		if starts[r.LocationID][r.IntervalStart] {
			t.Errorf("%s: two records at %s", r.LocationID, r.IntervalStart)
		}
		starts[r.LocationID][r.IntervalStart] = true
		if !r.DeliveryDate.Equal(utc(2026, 11, 1, 0, 0)) {
			t.Errorf("%s: delivery date %s", r.IntervalStart, r.DeliveryDate)
		}
	}
	// 00:00 EDT is 04:00 UTC; the day has 25 hours, so the last one, 23:00
	// EST, starts at 04:00 UTC the next day. The first 01:00 is EDT
	// (05:00 UTC), the second EST (06:00 UTC).
	for id, s := range starts {
		if len(s) != 25 {
			t.Errorf("%s: %d distinct hours, want 25", id, len(s))
		}
		for h := range 25 {
			if !s[utc(2026, 11, 1, 4, 0).Add(time.Duration(h)*time.Hour)] {
				t.Errorf("%s: no hour starting %d hours after 04:00 UTC", id, h)
			}
		}
	}
	if recs[2].PriceTotal != 31 || !recs[2].IntervalStart.Equal(utc(2026, 11, 1, 5, 0)) ||
		recs[4].PriceTotal != 32 || !recs[4].IntervalStart.Equal(utc(2026, 11, 1, 6, 0)) {
		t.Errorf("repeated hour: %v@%s, %v@%s", recs[2].PriceTotal, recs[2].IntervalStart, recs[4].PriceTotal, recs[4].IntervalStart)
	}
}

// TestParseDSTDays: rows of the days the clocks change land on the UTC
// instants of their local times.
func TestParseDSTDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, feed, body string
		want             [2]time.Time
	}{
		// Real-time rows that name their zone: the interval ending 01:05
		// EDT is 05:00-05:05 UTC, the one ending 01:05 EST is 06:00-06:05
		// UTC, whatever the order of the rows.
		{name: "time zone column", feed: "realtime_zone",
			body: "Time Stamp,Time Zone,Name,PTID,LBMP ($/MWHr),Marginal Cost Losses ($/MWHr),Marginal Cost Congestion ($/MWHr)\n" +
				"11/01/2026 01:05:00,EST,WEST,61752,20.00,0.10,0.00\n" +
				"11/01/2026 01:05:00,EDT,WEST,61752,21.00,0.10,0.00\n",
			want: [2]time.Time{utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 5, 0)}},
		// 2026-03-08 has 23 hours: 01:00 EST is 06:00 UTC, 03:00 EDT is 07:00.
		{name: "spring forward", feed: "damlbmp_zone",
			body: "Time Stamp,Name,PTID,LBMP ($/MWHr),Marginal Cost Losses ($/MWHr),Marginal Cost Congestion ($/MWHr)\n" +
				"03/08/2026 01:00,WEST,61752,20.00,0.10,0.00\n03/08/2026 03:00,WEST,61752,21.00,0.10,0.00\n",
			want: [2]time.Time{utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 7, 0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, err := Parse([]byte(tc.body), Feeds[tc.feed], ingest)
			if err != nil {
				t.Fatal(err)
			}
			if !recs[0].IntervalStart.Equal(tc.want[0]) || !recs[1].IntervalStart.Equal(tc.want[1]) {
				t.Errorf("starts %s, %s", recs[0].IntervalStart, recs[1].IntervalStart)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	head := "Time Stamp,Name,PTID,LBMP ($/MWHr),Marginal Cost Losses ($/MWHr),Marginal Cost Congestion ($/MWHr)\n"
	for _, tc := range []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"html", "<html><body>503 Service Unavailable</body></html>"},
		{"fuel mix file", string(collectortest.Fixture(t, "rtfuelmix-20171122.csv"))},
		{"short row", head + "10/05/2026 00:00,CAPITL,61757,38.32\n"},
		{"bad price", head + "10/05/2026 00:00,CAPITL,61757,n/a,1.22,0.00\n"},
		{"bad stamp", head + "2026-10-05 00:00,CAPITL,61757,38.32,1.22,0.00\n"},
		{"spring-forward gap", head + "03/08/2026 02:00,WEST,61752,20.00,0.10,0.00\n"},
		{"hour thrice", head + strings.Repeat("11/01/2026 01:00,WEST,61752,20.00,0.10,0.00\n", 3)},
		{"unquoted quote", head + "10/05/2026 00:00,\"CAP\"ITL,61757,38.32,1.22,0.00\n"},
		{"truncated", string(collectortest.Fixture(t, "realtime-zone-lbmp-20160218.csv")[:300])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, err := Parse([]byte(tc.body), Feeds["damlbmp_zone"], ingest)
			if !errors.Is(err, collector.ErrMalformed) || recs != nil {
				t.Errorf("err %v, %d records; want ErrMalformed and none", err, len(recs))
			}
		})
	}
}

func TestEnergyRounding(t *testing.T) {
	t.Parallel()
	recs, _ := Parse(collectortest.Fixture(t, "damlbmp-zone-20261005-first12h.csv"), Feeds["damlbmp_zone"], ingest)
	for _, r := range recs {
		if e := *r.PriceEnergy; math.Abs(e*100-math.Round(e*100)) > 1e-6 {
			t.Fatalf("energy %v carries float noise", e)
		}
	}
}
