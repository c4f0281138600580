package nyiso

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

func TestFetchThroughClient(t *testing.T) {
	t.Parallel()
	body := collectortest.Fixture(t, "damlbmp-zone-20261005-first12h.csv")
	c, _ := collectortest.Serve(t, ClientConfig(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/public/csv/damlbmp/20261005damlbmp_zone.csv" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	now := time.Date(2026, 10, 5, 12, 0, 0, 0, time.UTC)
	src, err := New(Config{Feeds: []string{"damlbmp_zone"}, Locations: []string{"N.Y.C.", "61752"}, Reach: collector.Reach{Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	// The window is the Eastern operating day 2026-10-05 minus its first
	// hour: 05:00 UTC (01:00 EDT) to 04:00 UTC the next day.
	w := collector.Window{Since: utc(2026, 10, 5, 5, 0), Until: utc(2026, 10, 6, 4, 0).Add(-time.Nanosecond)}
	p, err := src.Fetch(context.Background(), c, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 22 || p.Next != "" || !p.Watermark.Equal(utc(2026, 10, 5, 15, 0)) {
		t.Errorf("%d records next %q watermark %s; want 2 zones x 11 hours, none, 15:00Z", len(p.Records), p.Next, p.Watermark)
	}
	for _, rec := range p.Records {
		r := rec.Value.(schemas.IsoLmpRecord)
		if rec.Key != "NYISO:"+r.LocationID || (r.LocationID != "61761" && r.LocationID != "61752") {
			t.Errorf("record %s %+v", rec.Key, r)
		}
	}
	// The next day's file is not posted yet (404): nothing, no error.
	p, err = src.Fetch(context.Background(), c, series[0], collector.Window{Since: utc(2026, 10, 6, 4, 0)}, "")
	if err != nil || len(p.Records) != 0 || p.Next != "" {
		t.Errorf("unposted day: %d records next %q err %v", len(p.Records), p.Next, err)
	}
	// A past day missing is an error.
	if _, err := src.Fetch(context.Background(), c, series[0], collector.Window{Since: utc(2026, 9, 1, 4, 0), Until: utc(2026, 9, 2, 4, 0)}, ""); err == nil {
		t.Error("missing past day: no error")
	}
}
