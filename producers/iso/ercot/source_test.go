package ercot

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

// Routes of the MIS by report type and by document.
func listOf(reportTypeID string) string { return docListPath + "?reportTypeId=" + reportTypeID }
func download(docID string) string      { return downloadPath + "?doclookupId=" + docID }

// requests are what fake was asked, as path?query.
func requests(fake *collectortest.Getter) []string {
	var out []string
	for _, r := range fake.Requests() {
		out = append(out, r.String())
	}
	return out
}

func seriesOf(t *testing.T, s *Source, key string) collector.Series {
	t.Helper()
	all, _ := s.Series(context.Background())
	for _, se := range all {
		if se.Key == key {
			return se
		}
	}
	t.Fatalf("no series %s in %+v", key, all)
	return collector.Series{}
}

func TestSourceDAMSPPPages(t *testing.T) {
	t.Parallel()
	zipped := collectortest.Zip("cdr.00012331.0000000000000000.20261003.123240246.DAMSPNP4190.csv", []byte(constructedDAMSPP))
	fake := collectortest.NewGetter(map[string][]byte{
		listOf("12331"):        collectortest.Fixture(t, "mis-IceDocListJsonWS-reportTypeId-12331-dam-spp.json"),
		download("1281661396"): zipped,
		download("1282050068"): zipped,
	})
	now := time.Date(2026, 10, 3, 20, 0, 0, 0, time.UTC)
	s, err := New(Config{Reach: collector.Reach{Lookback: 48 * time.Hour, Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	se := seriesOf(t, s, "dam-spp")

	p1, err := s.Fetch(context.Background(), fake, se, collector.Window{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if reqs := requests(fake); reqs[0] != listOf("12331") || reqs[1] != download("1281661396") {
		t.Errorf("requests %v", reqs)
	}
	if len(p1.Records) != 5 || !p1.Watermark.Equal(time.Date(2026, 10, 2, 17, 32, 41, 0, time.UTC)) || !strings.HasPrefix(p1.Next, "1282050068@") {
		t.Fatalf("page 1: %d records, watermark %s, next %q", len(p1.Records), p1.Watermark, p1.Next)
	}
	r := p1.Records[0]
	v := r.Value.(schemas.IsoLmpRecord)
	if r.Topic != topology.TopicIsoLmp || r.Key != "ERCOT:HB_NORTH" || v.RecordHash == "" {
		t.Errorf("record %+v", r)
	}

	p2, err := s.Fetch(context.Background(), fake, se, collector.Window{}, p1.Next)
	if err != nil {
		t.Fatal(err)
	}
	if reqs := requests(fake); len(reqs) != 3 || reqs[2] != download("1282050068") {
		t.Errorf("page 2 requests %v", reqs[2:])
	}
	if p2.Next != "" || !p2.Watermark.Equal(time.Date(2026, 10, 3, 17, 32, 39, 0, time.UTC)) {
		t.Errorf("page 2: watermark %s, next %q", p2.Watermark, p2.Next)
	}

	// A later run starts after the watermark: nothing new is published.
	p3, err := s.Fetch(context.Background(), fake, se, collector.Window{Since: p2.Watermark.Add(time.Nanosecond)}, "")
	if err != nil || len(p3.Records) != 0 || p3.Next != "" {
		t.Errorf("rerun: %+v %v", p3, err)
	}

	// A malformed document fails the page.
	fake.Answer(download("1281661396"), collectortest.Zip("x.csv", []byte("DeliveryDate,HourEnding\n")))
	if _, err := s.Fetch(context.Background(), fake, se, collector.Window{}, ""); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("malformed document: %v", err)
	}
}

func TestSourceSolarWindow(t *testing.T) {
	t.Parallel()
	fake := collectortest.NewGetter(map[string][]byte{
		listOf("13483"):        collectortest.Fixture(t, "mis-IceDocListJsonWS-reportTypeId-13483.json"),
		download("1085279262"): collectortest.Zip("PVGRHRLYAVGACTNP4737.csv", collectortest.Fixture(t, "mis-np4-737-PVGRHRLYAVGACTNP4737.csv")),
	})
	s, _ := New(Config{Series: []string{"solar"}, Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	// Only the document published 2025-03-13T12:55:08-05:00 (17:55:08 UTC)
	// lies in the window.
	w := collector.Window{Since: time.Date(2025, 3, 13, 17, 0, 0, 0, time.UTC)}
	p, err := s.Fetch(context.Background(), fake, seriesOf(t, s, "solar"), w, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 248 || p.Next != "" || !p.Watermark.Equal(time.Date(2025, 3, 13, 17, 55, 8, 0, time.UTC)) {
		t.Errorf("%d records, next %q, watermark %s", len(p.Records), p.Next, p.Watermark)
	}
	if p.Records[0].Key != "ERCOT:"+SolarArea {
		t.Errorf("key %s", p.Records[0].Key)
	}
}

func TestSourceDashboard(t *testing.T) {
	t.Parallel()
	dashboard := collectortest.Fixture(t, "dashboard-loadForecastVsActual.json")
	fake := collectortest.NewGetter(map[string][]byte{dashboardPath: dashboard})
	s, _ := New(Config{Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	se := seriesOf(t, s, "dashboard")
	p, err := s.Fetch(context.Background(), fake, se, collector.Window{}, "")
	if err != nil {
		t.Fatal(err)
	}
	// The latest actual is currentDay hour ending 2: 01:00 CST = 07:00 UTC.
	if len(p.Records) != 98 || p.Next != "" || !p.Watermark.Equal(utc(2024, 11, 25, 7)) {
		t.Fatalf("%d records, next %q, watermark %s", len(p.Records), p.Next, p.Watermark)
	}
	// The next run starts after the watermark: the 46 forecasts of the
	// hours still to come, again, and no actual yet.
	p2, err := s.Fetch(context.Background(), fake, se, collector.Window{Since: p.Watermark.Add(time.Nanosecond)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Records) != 46 || !p2.Watermark.IsZero() {
		t.Errorf("rerun: %d records, watermark %s", len(p2.Records), p2.Watermark)
	}
	fake.Answer(dashboardPath, dashboard[:100])
	if _, err := s.Fetch(context.Background(), fake, se, collector.Window{}, ""); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("truncated dashboard: %v", err)
	}
}

func TestNewSeries(t *testing.T) {
	t.Parallel()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := s.Series(context.Background())
	if len(all) != 3 || all[0].Key != "dam-spp" || all[0].Params["reportTypeId"] != "12331" {
		t.Errorf("default series %+v", all)
	}
	if _, err := New(Config{Series: []string{"rt-spp"}}); err == nil {
		t.Error("unknown series accepted")
	}
}
