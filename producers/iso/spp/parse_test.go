package spp

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var ingest = time.Date(2026, 10, 6, 12, 0, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file      string
		feed      string
		n         int
		first     schemas.IsoLmpRecord
		firstName string
	}{
		// Interval 08:50 CDT = GMTIntervalEnd 13:50 UTC; the 5-minute
		// interval starts 13:45 UTC on operating day 2025-03-31.
		{"rtbm-lmp-by-location-SL-202503310850.csv", "rtbm", 200, schemas.IsoLmpRecord{
			Market: schemas.MarketRealTime, LocationID: "AEC", IntervalStart: utc(2025, 3, 31, 13, 45),
			DeliveryDate: utc(2025, 3, 31, 0, 0), PriceTotal: 29.0038,
		}, "SOUC"},
		// Hour ending 01:00 CDT = 06:00 UTC: the hour starts 05:00 UTC,
		// i.e. 00:00 CDT on 2025-03-19.
		{"da-lmp-by-location-SL-202503190100.csv", "da", 200, schemas.IsoLmpRecord{
			Market: schemas.MarketDayAhead, LocationID: "AEC", IntervalStart: utc(2025, 3, 19, 5, 0),
			DeliveryDate: utc(2025, 3, 19, 0, 0), PriceTotal: 9.6667,
		}, "SOUC"},
		{"da-lmp-by-location-SL-20261004-with-BAA.csv", "da", 74, schemas.IsoLmpRecord{
			Market: schemas.MarketDayAhead, LocationID: "AEC", IntervalStart: utc(2026, 10, 4, 5, 0),
			DeliveryDate: utc(2026, 10, 4, 0, 0), PriceTotal: 32.9537,
		}, "SOUC"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f := Feeds[tc.feed]
			recs, err := Parse(collectortest.Fixture(t, tc.file), f, ingest)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tc.n {
				t.Fatalf("%d records, want %d", len(recs), tc.n)
			}
			r := recs[0]
			if r.IsoCode != schemas.IsoSPP || r.Market != tc.first.Market || r.LocationID != tc.first.LocationID ||
				*r.LocationName != tc.firstName || !r.IntervalStart.Equal(tc.first.IntervalStart) ||
				!r.IntervalEnd.Equal(r.IntervalStart.Add(time.Duration(f.Minutes)*time.Minute)) ||
				int(*r.IntervalMinutes) != f.Minutes || !r.DeliveryDate.Equal(tc.first.DeliveryDate) ||
				r.PriceTotal != tc.first.PriceTotal || r.Currency != "USD" || r.UOM != "MWh" {
				t.Errorf("first record %+v", r)
			}
			seen := map[string]bool{}
			for _, r := range recs {
				// LMP = MEC + MCC + MLC was checked on every row of the
				// BAA file; it holds on the other two as well.
				if d := r.PriceTotal - (*r.PriceEnergy + *r.PriceCongestion + *r.PriceLoss); math.Abs(d) > 1e-9 {
					t.Errorf("%s %s: LMP %v != MEC+MCC+MLC (off by %g)", r.LocationID, r.IntervalStart, r.PriceTotal, d)
				}
				k := r.LocationID + "@" + r.IntervalStart.String()
				if seen[k] {
					t.Errorf("duplicate %s", k)
				}
				seen[k] = true
			}
		})
	}
}

func TestParseBAALayout(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "da-lmp-by-location-SL-20261004-with-BAA.csv"), Feeds["da"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]schemas.LocationType{}
	hours := map[time.Time]bool{}
	for _, r := range recs {
		types[r.LocationID] = r.LocationType
		if r.LocationID == "SPPNORTH_HUB" {
			hours[r.IntervalStart] = true
		}
	}
	if types["SPPNORTH_HUB"] != schemas.LocationHub || types["AEC"] != schemas.LocationNode ||
		types["SWPW:AESO"] != schemas.LocationNode || types["SWPW:AVA"] == "" {
		t.Errorf("locations %v", types)
	}
	// Hour ending 10/05 00:00 CDT (05:00 UTC) is the last hour of the
	// 10/04 operating day: 24 hours from 05:00 UTC on 10/04.
	if len(hours) != 24 || !hours[utc(2026, 10, 5, 4, 0)] {
		t.Errorf("%d hub hours", len(hours))
	}
	last := recs[71]
	if last.LocationID != "SPPSOUTH_HUB" || !last.IntervalStart.Equal(utc(2026, 10, 5, 4, 0)) || !last.DeliveryDate.Equal(utc(2026, 10, 4, 0, 0)) {
		t.Errorf("hour ending 24: %+v", last)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	head := "Interval,GMTIntervalEnd,Settlement Location,Pnode,LMP,MLC,MCC,MEC\n"
	for _, tc := range []struct {
		name, body string
	}{
		{"empty", ""},
		{"json error", `{"message":"File not found"}`},
		{"truncated", string(collectortest.Fixture(t, "rtbm-lmp-by-location-SL-202503310850.csv")[:500])},
		{"bad number", head + "03/31/2025 08:50:00,03/31/2025 13:50:00,AEC,SOUC,x,0,0,0\n"},
		{"bad time", head + "03/31/2025 08:50:00,2025-03-31T13:50,AEC,SOUC,1,0,0,1\n"},
		{"no location", head + "03/31/2025 08:50:00,03/31/2025 13:50:00,,SOUC,1,0,0,1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, err := Parse([]byte(tc.body), Feeds["rtbm"], ingest)
			if !errors.Is(err, collector.ErrMalformed) || recs != nil {
				t.Errorf("err %v, %d records; want ErrMalformed and none", err, len(recs))
			}
		})
	}
}

func TestIntervalsAcrossFallBack(t *testing.T) {
	t.Parallel()
	// Central time falls back at 07:00 UTC on 2026-11-01. Walk 05:55 to
	// 08:05 UTC: the files of the second 01:xx pass repeat the names of
	// the first and are skipped, nothing is fetched twice.
	w := collector.Window{Since: utc(2026, 11, 1, 5, 55), Until: utc(2026, 11, 1, 8, 5).Add(-time.Nanosecond)}
	fake := collectortest.NewGetter(map[string][]byte{
		"/file-browser-api/download/rtbm-lmp-by-location": collectortest.Fixture(t, "rtbm-lmp-by-location-SL-202503310850.csv"),
	})
	src, err := New(Config{Feeds: []string{"rtbm"}, Reach: collector.Reach{Now: func() time.Time { return utc(2026, 11, 2, 0, 0) }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	pages, cursor := 0, ""
	for {
		p, err := src.Fetch(context.Background(), fake, series[0], w, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if pages++; p.Next == "" {
			break
		}
		cursor = p.Next
	}
	names := map[string]int{}
	for _, r := range fake.Requests() {
		names[r.Query.Get("path")]++
	}
	for n, c := range names {
		if c > 1 {
			t.Errorf("%s fetched %d times", n, c)
		}
	}
	// 26 intervals in the window, 12 of them in the repeated hour.
	if pages != 26 || len(fake.Requests()) != 14 || names["/2026/11/By_Interval/01/RTBM-LMP-SL-202611010100.csv"] != 1 {
		t.Errorf("%d pages, fetched %d: %v", pages, len(fake.Requests()), names)
	}
}

func TestFetchThroughClient(t *testing.T) {
	t.Parallel()
	body := collectortest.Fixture(t, "rtbm-lmp-by-location-SL-202503310850.csv")
	c, asked := collectortest.Serve(t, ClientConfig(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/file-browser-api/download/rtbm-lmp-by-location" ||
			r.URL.Query().Get("path") != "/2025/03/By_Interval/31/RTBM-LMP-SL-202503310850.csv" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	src, err := New(Config{Feeds: []string{"rtbm"}, Locations: []string{"AEC", "AECC_CSWS"}, Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	w := collector.Window{Since: utc(2025, 3, 31, 13, 45), Until: utc(2025, 3, 31, 13, 50).Add(-time.Nanosecond)}
	p, err := src.Fetch(context.Background(), c, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 2 || p.Next != "" || !p.Watermark.Equal(utc(2025, 3, 31, 13, 45)) || p.Records[0].Key != "SPP:AEC" {
		t.Errorf("%d records next %q watermark %s asked %v", len(p.Records), p.Next, p.Watermark, asked())
	}
}
