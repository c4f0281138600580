package miso

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// report is the recorded ex-post report of 2026-07-14.
const report = "da-expost-lmp-20260714.csv"

var ingest = time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func find(t *testing.T, recs []schemas.IsoLmpRecord, node string, start time.Time) schemas.IsoLmpRecord {
	t.Helper()
	for _, r := range recs {
		if r.LocationID == node && r.IntervalStart.Equal(start) {
			return r
		}
	}
	t.Fatalf("no %s at %s", node, start)
	return schemas.IsoLmpRecord{}
}

func TestParseDAExPost(t *testing.T) {
	t.Parallel()
	recs, err := ParseDAExPost(collectortest.Fixture(t, report), nil, ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3*24 {
		t.Fatalf("%d records, want 72 (3 hubs x 24 hours)", len(recs))
	}
	for _, r := range recs {
		if r.IsoCode != schemas.IsoMISO || r.Market != schemas.MarketDayAhead || r.LocationType != schemas.LocationHub ||
			!r.DeliveryDate.Equal(utc(2026, 7, 14, 0)) || r.Currency != "USD" || r.UOM != "MWh" || *r.IntervalMinutes != 60 ||
			r.PriceEnergy == nil || r.PriceCongestion == nil || r.PriceLoss == nil || len(r.RecordHash) != 64 {
			t.Fatalf("record %+v", r)
		}
	}
	// HE 1 of 07/14/2026 in EST (the preamble's note; MISO ignores daylight
	// time) is 00:00-01:00 EST = 05:00-06:00 UTC, not 04:00 as EDT would give.
	r := find(t, recs, "ILLINOIS.HUB", utc(2026, 7, 14, 5))
	if r.PriceTotal != 36.24 || *r.PriceCongestion != 1.32 || *r.PriceLoss != 0.3 || *r.PriceEnergy != 34.62 || !r.IntervalEnd.Equal(utc(2026, 7, 14, 6)) {
		t.Errorf("ILLINOIS.HUB HE1 %+v energy %v", r, *r.PriceEnergy)
	}
	// HE 19: 18:00 EST = 23:00 UTC; energy 514.58 - 3.32 - 22.67 = 488.59.
	r = find(t, recs, "INDIANA.HUB", utc(2026, 7, 14, 23))
	if r.PriceTotal != 514.58 || *r.PriceEnergy != 488.59 {
		t.Errorf("INDIANA.HUB HE19 total %v energy %v", r.PriceTotal, *r.PriceEnergy)
	}
	// HE 24: 23:00 EST = 04:00 UTC on the 15th, still delivery date the 14th.
	r = find(t, recs, "MICHIGAN.HUB", utc(2026, 7, 15, 4))
	if r.PriceTotal != 69 || *r.PriceCongestion != 0.65 || *r.PriceLoss != 5.23 || *r.PriceEnergy != 63.12 {
		t.Errorf("MICHIGAN.HUB HE24 %+v", r)
	}

	hub, err := ParseDAExPost(collectortest.Fixture(t, report), []string{"michigan.hub"}, ingest)
	if err != nil || len(hub) != 24 || hub[0].LocationID != "MICHIGAN.HUB" {
		t.Errorf("filtered: %d records, %v", len(hub), err)
	}
}

func TestParseDAExPostZoneNoteAndMissing(t *testing.T) {
	t.Parallel()
	head := "Day Ahead Market ExPost LMPs\r\n11/01/2026\r\n\r\n,,,All Hours-Ending are Central Standard Time (CST)\r\nNode,Type,Value,HE 1,HE 2\r\n"
	csv := head + "AMIL.BGS6,Loadzone,LMP,20,\r\nAMIL.BGS6,Loadzone,MCC,1,2\r\nAMIL.BGS6,Loadzone,MLC,0.5,0.5\r\nALTW.X,Gennode,LMP,10,11\r\n"
	recs, err := ParseDAExPost([]byte(csv), nil, ingest)
	if err != nil {
		t.Fatal(err)
	}
	// The empty HE 2 LMP yields no record; ALTW.X has no MCC/MLC rows, so its
	// components and energy stay missing.
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	// CST: HE 1 of 11/01/2026 is 06:00 UTC (DST that day would make it 05:00).
	if r := recs[0]; !r.IntervalStart.Equal(utc(2026, 11, 1, 6)) || r.LocationType != schemas.LocationZone || *r.PriceEnergy != 18.5 {
		t.Errorf("AMIL %+v", r)
	}
	if r := recs[1]; r.LocationType != schemas.LocationNode || r.PriceEnergy != nil || r.PriceCongestion != nil {
		t.Errorf("ALTW %+v", r)
	}
}

func TestParseDAExPostMalformed(t *testing.T) {
	t.Parallel()
	good := string(collectortest.Fixture(t, report))
	cases := map[string]string{
		"empty":          "",
		"html":           "<html><body>404 Not Found</body></html>",
		"no date":        strings.Replace(good, "07/14/2026", "", 1),
		"other zone":     strings.Replace(good, "Eastern Standard Time (EST)", "Eastern Prevailing Time (EPT)", 1),
		"truncated":      good[:len(good)-40],
		"bad number":     strings.Replace(good, "36.24", "n/a", 1),
		"bad value kind": strings.Replace(good, "ILLINOIS.HUB,Hub,MCC", "ILLINOIS.HUB,Hub,MEC", 1),
		"bad header":     strings.Replace(good, "HE 24", "Total", 1),
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseDAExPost([]byte(body), nil, ingest); !errors.Is(err, collector.ErrMalformed) {
				t.Fatalf("err %v, want ErrMalformed", err)
			}
		})
	}
}

func TestSourceFetch(t *testing.T) {
	t.Parallel()
	fake := collectortest.NewGetter(map[string][]byte{"/20260714_da_expost_lmp.csv": collectortest.Fixture(t, report)})
	// 2026-07-15 13:00 UTC is 08:00 EST: today is the 15th.
	s, _ := New(Config{Reach: collector.Reach{Now: func() time.Time { return utc(2026, 7, 15, 13) }}})
	series, _ := s.Series(context.Background())

	// Open window: yesterday (the 14th), today and tomorrow.
	p, err := s.Fetch(context.Background(), fake, series[0], collector.Window{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if fake.Requests()[0].Path != "/20260714_da_expost_lmp.csv" || len(p.Records) != 72 || p.Next != "2026-07-15" || !p.Watermark.Equal(utc(2026, 7, 15, 4)) {
		t.Fatalf("page 1: %v, %d records, next %q, watermark %s", fake.Requests(), len(p.Records), p.Next, p.Watermark)
	}
	if r := p.Records[0]; r.Topic != topology.TopicIsoLmp || r.Key != "MISO:ILLINOIS.HUB" {
		t.Errorf("record %+v", r)
	}
	// Today's report is not posted yet: the series ends quietly.
	p, err = s.Fetch(context.Background(), fake, series[0], collector.Window{}, p.Next)
	if err != nil || p.Next != "" || len(p.Records) != 0 {
		t.Errorf("unposted day: %+v %v", p, err)
	}

	// A later run from the watermark adds nothing; a window in the middle of
	// the day keeps the hours it covers.
	w := collector.Window{Since: utc(2026, 7, 15, 4).Add(time.Nanosecond), Until: utc(2026, 7, 15, 5)}
	if p, err := s.Fetch(context.Background(), fake, series[0], w, ""); err != nil || len(p.Records) != 0 {
		t.Errorf("rerun: %d records, %v", len(p.Records), err)
	}
	w = collector.Window{Since: utc(2026, 7, 14, 5), Until: utc(2026, 7, 14, 7).Add(-time.Nanosecond)}
	if p, err := s.Fetch(context.Background(), fake, series[0], w, ""); err != nil || len(p.Records) != 6 || p.Next != "" {
		t.Errorf("two hours: %d records, next %q, %v", len(p.Records), p.Next, err)
	}

	// A past day missing is an error, not an empty page.
	if _, err := s.Fetch(context.Background(), fake, series[0], collector.Window{Since: utc(2026, 7, 10, 5), Until: utc(2026, 7, 11, 5)}, ""); err == nil {
		t.Error("missing past report accepted")
	}
}
