package isone

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

var ingest = time.Date(2024, 11, 5, 12, 0, 0, 0, time.UTC)

func utc(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC)
}

func TestParseFallBackDay(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "webservices-hourlysysload-day-20241103.json"), Feeds["hourlysysload"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 25 {
		t.Fatalf("%d records, want 25 (fall-back day)", len(recs))
	}
	// 00:00-04:00 is 04:00 UTC; 01:00-04:00 is 05:00 UTC; 01:00-05:00 is
	// 06:00 UTC; ... 23:00-05:00 is 04:00 UTC on Nov 4: 25 consecutive
	// distinct hours.
	for i, r := range recs {
		want := utc(2024, 11, 3, 4).Add(time.Duration(i) * time.Hour)
		if !r.IntervalStart.Equal(want) || !r.IntervalEnd.Equal(want.Add(time.Hour)) || *r.IntervalMinutes != 60 {
			t.Errorf("entry %d: start %s end %s, want %s", i, r.IntervalStart, r.IntervalEnd, want)
		}
		if r.IsoCode != schemas.IsoISONE || r.Area != "NEPOOL AREA" || r.Forecast || !r.IngestTS.Equal(ingest) {
			t.Errorf("entry %d: %+v", i, r)
		}
	}
	if recs[1].MW != 10073.077 || recs[2].MW != 9951.317 {
		t.Errorf("the two 01:00 hours: %v, %v", recs[1].MW, recs[2].MW)
	}
}

func TestParseSingleObject(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "webservices-realtimehourlydemand-current-location-4001.json"), Feeds["realtimehourlydemand"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	// 2024-11-20T23:00:00.000-05:00 is 04:00 UTC on Nov 21.
	if len(recs) != 1 || recs[0].Area != ".Z.MAINE" || recs[0].MW != 1049.032 || !recs[0].IntervalStart.Equal(utc(2024, 11, 21, 4)) {
		t.Errorf("records %+v", recs)
	}
	wrapped := []byte(`{"HourlyRtDemands":{"HourlyRtDemand":{"BeginDate":"2024-11-20T23:00:00.000-05:00","Load":1}}}`)
	if recs, err := Parse(wrapped, Feeds["realtimehourlydemand"], ingest); err != nil || len(recs) != 1 || recs[0].Area != "ISONE" {
		t.Errorf("wrapped single entry: %+v %v", recs, err)
	}
	if recs, err := Parse([]byte(`{"HourlySystemLoads":""}`), Feeds["hourlysysload"], ingest); err != nil || len(recs) != 0 {
		t.Errorf("empty day: %+v %v", recs, err)
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"truncated", collectortest.Fixture(t, "webservices-hourlysysload-day-20241103.json")[:1000]},
		{"fuel mix answer", collectortest.Fixture(t, "webservices-genfuelmix-current.json")},
		{"xml", []byte(`<?xml version="1.0"?><HourlySystemLoads/>`)},
		{"no load", []byte(`{"HourlySystemLoads":{"HourlySystemLoad":[{"BeginDate":"2024-11-03T00:00:00.000-04:00"}]}}`)},
		{"no offset", []byte(`{"HourlySystemLoads":{"HourlySystemLoad":[{"BeginDate":"2024-11-03T01:00:00","Load":1}]}}`)},
		{"string load", []byte(`{"HourlySystemLoads":{"HourlySystemLoad":[{"BeginDate":"2024-11-03T00:00:00.000-04:00","Load":"n/a"}]}}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, err := Parse(tc.body, Feeds["hourlysysload"], ingest)
			if !errors.Is(err, collector.ErrMalformed) || recs != nil {
				t.Errorf("err %v, %d records; want ErrMalformed and none", err, len(recs))
			}
		})
	}
}

func TestFetchThroughClient(t *testing.T) {
	t.Parallel()
	body := collectortest.Fixture(t, "webservices-hourlysysload-day-20241103.json")
	// Credentials go in the base URL, as AURUM_ISONE_BASE_URL takes them.
	cfg := ClientConfig()
	cfg.BaseURL = "https://u:p@webservices.iso-ne.com/api/v1.1"
	c, _ := collectortest.Serve(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if r.URL.Path != "/api/v1.1/hourlysysload/day/20241103/location/32.json" || !ok || user != "u" || pass != "p" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	src, err := New(Config{Locations: []string{"32"}, Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	// The Eastern day of 2024-11-03 is 25 hours: 04:00 UTC to 05:00 UTC.
	w := collector.Days(utc(2024, 11, 3, 0), utc(2024, 11, 3, 0), src.Zone())
	p, err := src.Fetch(context.Background(), c, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 25 || p.Next != "" || !p.Watermark.Equal(utc(2024, 11, 4, 4)) {
		t.Fatalf("%d records next %q watermark %s", len(p.Records), p.Next, p.Watermark)
	}
	keys := map[time.Time]bool{}
	for _, rec := range p.Records {
		r := rec.Value.(schemas.IsoLoadRecord)
		if rec.Topic != topology.TopicIsoLoad || rec.Key != "ISONE:NEPOOL AREA" || keys[r.IntervalStart] {
			t.Errorf("record %s %s %s", rec.Topic, rec.Key, r.IntervalStart)
		}
		keys[r.IntervalStart] = true
	}
}
