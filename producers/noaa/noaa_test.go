package noaa

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var testNow = time.Date(2026, 9, 1, 12, 30, 0, 0, time.UTC)

func mapFixture(t *testing.T, name string, m Mapping) (Data, collector.Page) {
	t.Helper()
	d, err := ParseData(collectortest.Fixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MapPage(d, m, collector.Window{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return d, p
}

func TestMapPageGHCNDPrecipitation(t *testing.T) {
	t.Parallel()
	d, p := mapFixture(t, "cdo-v2-data-GHCND-PRCP-USC00200230.json", Mapping{Dataset: "GHCND"})
	obs, cat := collectortest.Split(t, p, "NOAA")
	if len(obs) != 28 || len(cat) != 1 {
		t.Fatalf("%d observations, %d catalog; want 28, 1", len(obs), len(cat))
	}
	o := obs[0]
	if o.SeriesID != "GHCND:GHCND:USC00200230:PRCP" || !o.TS.Equal(collectortest.UTC("2013-09-03T00:00:00Z")) || o.TS.Location() != time.UTC ||
		o.Value == nil || *o.Value != 0 || collectortest.Deref(o.ValueRaw) != "0" || collectortest.Deref(o.QualityFlag) != ",,7,1800" ||
		collectortest.Deref(o.GeoID) != "GHCND:USC00200230" || collectortest.Deref(o.Dataset) != "GHCND" || collectortest.Deref(o.Frequency) != "daily" ||
		o.Unit != nil || o.Provider != schemas.ProviderNOAA || !o.AsofDate.Equal(collectortest.UTC("2026-09-01T00:00:00Z")) {
		t.Errorf("first observation %+v", o)
	}
	byDay := map[string]schemas.ExtTimeseriesObservation{}
	for _, o := range obs {
		byDay[o.TS.Format(time.DateOnly)] = o
	}
	if o := byDay["2013-09-09"]; collectortest.Deref(o.Value) != 74.0 {
		t.Errorf("2013-09-09 %+v", o)
	}
	trace := 0
	for _, o := range obs {
		if strings.HasPrefix(collectortest.Deref(o.QualityFlag).(string), "T,") {
			trace++
		}
	}
	if trace == 0 {
		t.Error("no trace (T,,7,1800) attributes kept")
	}
	c := cat[0]
	if c.Title != "GHCND: PRCP at GHCND:USC00200230" || !collectortest.Deref(c.FirstTS).(time.Time).Equal(collectortest.UTC("2013-09-03T00:00:00Z")) ||
		collectortest.Deref(c.SourceURL) != "https://www.ncei.noaa.gov/cdo-web/datasets/GHCND/stations/GHCND:USC00200230/detail" {
		t.Errorf("catalog %+v", c)
	}
	if NextOffset(d.ResultSet) != 0 || !p.Watermark.Equal(obs[len(obs)-1].TS) {
		t.Errorf("next %d watermark %v", NextOffset(d.ResultSet), p.Watermark)
	}
}

func TestMapPageNormalsPaginated(t *testing.T) {
	t.Parallel()
	d, p := mapFixture(t, "cdo-v2-data-NORMAL_DLY-dly-tmax-normal-page1.json", Mapping{Dataset: "NORMAL_DLY", Units: "metric"})
	obs, cat := collectortest.Split(t, p, "NOAA")
	if len(obs) != 25 || len(cat) != 25 {
		t.Fatalf("%d observations, %d catalog; want 25 stations", len(obs), len(cat))
	}
	if o := obs[0]; o.SeriesID != "NORMAL_DLY:GHCND:AQW00061705:DLY-TMAX-NORMAL" || collectortest.Deref(o.Value) != 869.0 ||
		collectortest.Deref(o.QualityFlag) != "C" || o.Unit != nil || !o.TS.Equal(collectortest.UTC("2010-05-01T00:00:00Z")) {
		t.Errorf("first %+v", o)
	}
	if got := NextOffset(d.ResultSet); got != 26 {
		t.Errorf("next offset %d; want 26 (1-based, limit 25, count 75010)", got)
	}
}

func TestMapPageGSOMFloats(t *testing.T) {
	t.Parallel()
	d, p := mapFixture(t, "cdo-v2-data-GSOM-AE000041196.json", Mapping{Dataset: "GSOM", Units: "metric"})
	obs, cat := collectortest.Split(t, p, "NOAA")
	if len(obs) != 5 || len(cat) != 5 || NextOffset(d.ResultSet) != 0 {
		t.Fatalf("%d observations, %d catalog", len(obs), len(cat))
	}
	tmax := obs[4]
	if tmax.SeriesID != "GSOM:GHCND:AE000041196:TMAX" || collectortest.Deref(tmax.Value) != 26.53 || collectortest.Deref(tmax.ValueRaw) != "26.53" ||
		collectortest.Deref(tmax.Unit) != "C" || collectortest.Deref(tmax.Frequency) != "monthly" || collectortest.Deref(tmax.QualityFlag) != "4,,,S" || !tmax.TS.Equal(collectortest.UTC("2013-12-01T00:00:00Z")) {
		t.Errorf("TMAX %+v", tmax)
	}
}

func TestParseDatasetsAndStations(t *testing.T) {
	t.Parallel()
	ds, err := ParseDatasets(collectortest.Fixture(t, "cdo-v2-datasets.json"))
	if err != nil || len(ds) != 11 || ds[0].ID != "GHCND" || ds[0].Name != "Daily Summaries" {
		t.Fatalf("datasets %+v, %v", ds, err)
	}
	st, err := ParseStations(collectortest.Fixture(t, "cdo-v2-stations-GHCND-FIPS12017.json"))
	if err != nil || len(st) != 14 || st[0].ID != "GHCND:US1FLCT0002" || st[0].Name != "INVERNESS 1.6 WSW, FL US" || st[0].Latitude != 28.8303 {
		t.Fatalf("stations %+v, %v", st, err)
	}
	one, err := ParseStations([]byte(`{"id":"GHCND:USC00200230","name":"ANN ARBOR UNIV OF MI, MI US"}`))
	if err != nil || len(one) != 1 || one[0].Name != "ANN ARBOR UNIV OF MI, MI US" {
		t.Errorf("one station %+v, %v", one, err)
	}
	if none, err := ParseDatasets([]byte(`{}`)); err != nil || len(none) != 0 {
		t.Errorf("empty %+v, %v", none, err)
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	full := collectortest.Fixture(t, "cdo-v2-data-GHCND-PRCP-USC00200230.json")
	for _, tc := range []struct{ name, body, msg string }{
		{"truncated JSON", string(full[:len(full)/2]), "unexpected end"},
		{"CDO error", `{"status" : "400", "message" : "This token contains invalid characters."}`, "400: This token contains invalid characters."},
		{"gateway error", `{"developerMessage":"Rate limit exceeded","userMessage":"Too many requests"}`, "Rate limit exceeded"},
		{"results without metadata", `{"results":[]}`, "without metadata"},
		{"array", `[]`, "cannot unmarshal"},
		{"bad date", `{"metadata":{"resultset":{"offset":1,"count":1,"limit":1}},"results":[{"date":"09/03/2013","datatype":"PRCP","station":"S","value":1}]}`, `"09/03/2013"`},
		{"bad value", `{"metadata":{"resultset":{"offset":1,"count":1,"limit":1}},"results":[{"date":"2013-09-03T00:00:00","datatype":"PRCP","station":"S","value":"x"}]}`, "not a number"},
		{"no station", `{"metadata":{"resultset":{"offset":1,"count":1,"limit":1}},"results":[{"date":"2013-09-03T00:00:00","datatype":"PRCP","value":1}]}`, "no station"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseData([]byte(tc.body))
			if err == nil {
				_, err = MapPage(d, Mapping{Dataset: "GHCND"}, collector.Window{}, testNow)
			}
			if !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want ErrMalformed with %q", err, tc.msg)
			}
		})
	}
	if _, err := ParseStations([]byte(`{"status":"500","message":"Internal error"}`)); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("stations error body: %v", err)
	}
}

func TestEmptyBody(t *testing.T) {
	t.Parallel()
	d, err := ParseData([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MapPage(d, Mapping{Dataset: "GHCND"}, collector.Window{}, testNow)
	if err != nil || len(p.Records) != 0 || NextOffset(d.ResultSet) != 0 || !p.Watermark.IsZero() {
		t.Errorf("page %+v, %v", p, err)
	}
}

// cdo replays fixtures by path; asked returns the queries of the data
// endpoint.
func cdo(t *testing.T, data func(q url.Values) string) (c *collector.Client, asked func() []url.Values) {
	t.Helper()
	cfg := ClientConfig()
	cfg.APIKey = "secret"
	c, urls := collectortest.Serve(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("token") != "secret" {
			http.Error(w, `{"status":"400","message":"Token parameter is required."}`, http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/cdo-web/api/v2/data":
			_, _ = w.Write([]byte(data(r.URL.Query())))
		case "/cdo-web/api/v2/datasets/GHCND":
			_, _ = w.Write([]byte(`{"uid":"gov.noaa.ncdc:C00861","mindate":"1763-01-01","maxdate":"2018-11-25","name":"Daily Summaries","datacoverage":1,"id":"GHCND"}`))
		case "/cdo-web/api/v2/stations/GHCND:USC00200230":
			_, _ = w.Write([]byte(`{"id":"GHCND:USC00200230","name":"ANN ARBOR UNIV OF MI, MI US"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	return c, func() []url.Values {
		var qs []url.Values
		for _, u := range urls() {
			if u.Path == "/cdo-web/api/v2/data" {
				qs = append(qs, u.Query())
			}
		}
		return qs
	}
}

func TestFetchChunksAndNames(t *testing.T) {
	t.Parallel()
	prcp := string(collectortest.Fixture(t, "cdo-v2-data-GHCND-PRCP-USC00200230.json"))
	c, asked := cdo(t, func(q url.Values) string {
		if q.Get("startdate") == "2013-01-01" {
			return prcp
		}
		return `{}`
	})
	src, err := New(Config{Dataset: "GHCND", Stations: []string{"GHCND:USC00200230"}, DataTypes: []string{"PRCP"},
		LookupNames: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	if len(series) != 1 || series[0].Key != "GHCND?station=GHCND:USC00200230&datatype=PRCP" {
		t.Fatalf("series %+v", series)
	}
	w := collector.Window{Since: collectortest.UTC("2013-01-01T00:00:00Z"), Until: collectortest.UTC("2014-06-30T00:00:00Z")}
	p, err := src.Fetch(context.Background(), c, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	obs, cat := collectortest.Split(t, p, "NOAA")
	if len(obs) != 28 || cat[0].Title != "Daily Summaries: PRCP at ANN ARBOR UNIV OF MI, MI US" || collectortest.Deref(obs[0].Unit) != "mm" {
		t.Errorf("%d observations, catalog %+v, unit %v", len(obs), cat, collectortest.Deref(obs[0].Unit))
	}
	if p.Next != "2014-01-01,1" {
		t.Fatalf("next %q; want the second year-long chunk", p.Next)
	}
	p, err = src.Fetch(context.Background(), c, series[0], w, p.Next)
	if err != nil || len(p.Records) != 0 || p.Next != "" {
		t.Fatalf("second chunk %+v, %v", p, err)
	}
	q := asked()
	want := map[string]string{
		"datasetid": "GHCND", "stationid": "GHCND:USC00200230", "datatypeid": "PRCP", "startdate": "2013-01-01",
		"enddate": "2013-12-31", "offset": "1", "limit": "1000", "units": "metric", "sortfield": "date", "includemetadata": "true",
	}
	for k, v := range want {
		if got := q[0].Get(k); got != v {
			t.Errorf("first request %s = %q, want %q", k, got, v)
		}
	}
	if q[1].Get("startdate") != "2014-01-01" || q[1].Get("enddate") != "2014-06-30" {
		t.Errorf("second request %v", q[1])
	}
}

func TestFetchOffsetPaging(t *testing.T) {
	t.Parallel()
	normals := string(collectortest.Fixture(t, "cdo-v2-data-NORMAL_DLY-dly-tmax-normal-page1.json"))
	c, asked := cdo(t, func(url.Values) string { return normals })
	src, err := New(Config{Dataset: "NORMAL_DLY", DataTypes: []string{"dly-tmax-normal"}, Limit: 25, Units: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	w := collector.Window{Since: collectortest.UTC("2010-05-01T00:00:00Z"), Until: collectortest.UTC("2010-05-10T00:00:00Z")}
	p, err := src.Fetch(context.Background(), c, series[0], w, "")
	if err != nil || p.Next != "2010-05-01,26" {
		t.Fatalf("next %q, %v", p.Next, err)
	}
	if _, err := src.Fetch(context.Background(), c, series[0], w, p.Next); err != nil {
		t.Fatal(err)
	}
	if q := asked(); q[1].Get("offset") != "26" || q[1].Get("startdate") != "2010-05-01" || q[1].Has("units") {
		t.Errorf("second request %v", q[1])
	}
	if _, err := src.Fetch(context.Background(), c, series[0], w, "garbage"); err == nil {
		t.Error("bad cursor accepted")
	}
}

func TestSpan(t *testing.T) {
	t.Parallel()
	from, until := Span(collector.Window{}, testNow)
	if !from.Equal(collectortest.UTC("2025-09-02T00:00:00Z")) || !until.Equal(collectortest.UTC("2026-09-01T00:00:00Z")) {
		t.Errorf("open window: %v..%v", from, until)
	}
	if end := ChunkEnd(collectortest.UTC("2012-03-01T00:00:00Z"), collectortest.UTC("2020-01-01T00:00:00Z")); !end.Equal(collectortest.UTC("2013-02-28T00:00:00Z")) {
		t.Errorf("chunk end %v", end)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("config without dataset accepted")
	}
}
