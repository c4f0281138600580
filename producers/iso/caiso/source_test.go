package caiso

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// oasis answers every SingleZip query with body zipped as name.
func oasis(name string, body []byte) *collectortest.Getter {
	return collectortest.NewGetter(map[string][]byte{"/SingleZip": collectortest.Zip(name, body)})
}

func TestSourceSeries(t *testing.T) {
	t.Parallel()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Series(context.Background())
	if len(got) != 2 || got[0].Key != "SLD_FCST:ACTUAL" || got[1].Key != "SLD_FCST:DAM" {
		t.Errorf("default series %+v", got)
	}
	for _, bad := range []string{"SLD_FCST", "PRC_LMP:DAM", ":DAM"} {
		if _, err := New(Config{Series: []string{bad}}); err == nil {
			t.Errorf("series %q accepted", bad)
		}
	}
}

func TestSourceFetchPages(t *testing.T) {
	t.Parallel()
	fake := oasis("20250219_SLD_FCST_7DA.csv", collectortest.Fixture(t, "oasis-SLD_FCST-7DA.csv"))
	s, err := New(Config{Series: []string{"SLD_FCST:7DA"}, Span: 12 * time.Hour, Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := s.Series(context.Background())
	w := collector.Days(time.Date(2025, 2, 19, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 19, 0, 0, 0, 0, time.UTC), s.Zone())

	p1, err := s.Fetch(context.Background(), fake, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	if p1.Next != "2025-02-19T20:00:00Z" {
		t.Errorf("next %q", p1.Next)
	}
	req := fake.Requests()[0]
	q := req.Query
	if req.Path != "/SingleZip" || q.Get("queryname") != "SLD_FCST" || q.Get("market_run_id") != "7DA" ||
		q.Get("resultformat") != "6" || q.Get("startdatetime") != "20250219T08:00-0000" || q.Get("enddatetime") != "20250219T20:00-0000" {
		t.Errorf("request %s", req)
	}
	p2, err := s.Fetch(context.Background(), fake, series[0], w, p1.Next)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Next != "" {
		t.Errorf("last page next %q", p2.Next)
	}
	// The fake answers the whole day both times; each page keeps its span.
	if len(p1.Records)+len(p2.Records) != 200 {
		t.Errorf("%d + %d records, want 200 in all", len(p1.Records), len(p2.Records))
	}
	if !p1.Watermark.Equal(time.Date(2025, 2, 19, 19, 0, 0, 0, time.UTC)) || !p2.Watermark.Equal(time.Date(2025, 2, 20, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("watermarks %s, %s", p1.Watermark, p2.Watermark)
	}
	r := p1.Records[0]
	v, ok := r.Value.(schemas.IsoLoadRecord)
	if r.Topic != topology.TopicIsoLoad || !ok || r.Key != "CAISO:"+v.Area || !v.IntervalStart.Equal(w.Since) {
		t.Errorf("first record %+v", r)
	}
}

func TestSourceFetchNoDataAndMalformed(t *testing.T) {
	t.Parallel()
	s, _ := New(Config{Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	series, _ := s.Series(context.Background())
	w := collector.Days(time.Date(2025, 2, 19, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 19, 0, 0, 0, 0, time.UTC), s.Zone())

	empty := oasis("INVALID_REQUEST.xml", []byte(`<m:OASISReport xmlns:m="x"><m:ERR_CODE>1000</m:ERR_CODE><m:ERR_DESC>No data returned for the specified selection</m:ERR_DESC></m:OASISReport>`))
	p, err := s.Fetch(context.Background(), empty, series[1], w, "")
	if err != nil || len(p.Records) != 0 || p.Next != "" {
		t.Errorf("no-data page %+v, %v", p, err)
	}

	bad := oasis("x.csv", []byte("INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,MARKET_RUN_ID,TAC_AREA_NAME,MW\n2025-02-19T08:00:00-00:00,2025-02-19T09:00:00-00:00,DAM,AVA,n/a\n"))
	p, err = s.Fetch(context.Background(), bad, series[1], w, "")
	if !errors.Is(err, collector.ErrMalformed) || len(p.Records) != 0 {
		t.Errorf("malformed page %+v, %v", p, err)
	}
}

// A forecast's watermark stops at the time of the fetch, so the next run
// asks for the hours still to come again and gets ERCOT-style revisions.
func TestSourceForecastWatermark(t *testing.T) {
	t.Parallel()
	fetched := time.Date(2025, 2, 19, 12, 30, 0, 0, time.UTC)
	fake := oasis("x.csv", collectortest.Fixture(t, "oasis-SLD_FCST-7DA.csv"))
	s, _ := New(Config{Series: []string{"SLD_FCST:7DA"}, Reach: collector.Reach{Now: func() time.Time { return fetched }}})
	series, _ := s.Series(context.Background())
	w := collector.Days(time.Date(2025, 2, 19, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 19, 0, 0, 0, 0, time.UTC), s.Zone())
	p, err := s.Fetch(context.Background(), fake, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 200 || !p.Watermark.Equal(fetched) {
		t.Errorf("%d records, watermark %s, want 200 and %s", len(p.Records), p.Watermark, fetched)
	}
}
