package eia

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var testNow = time.Date(2026, 9, 1, 12, 30, 0, 0, time.UTC)

// routeMeta reads the constructed metadata answer of route.
func routeMeta(t testing.TB, route string) *RouteMeta {
	t.Helper()
	m, err := ParseRouteMeta(collectortest.Fixture(t, "route-"+strings.ReplaceAll(route, "/", "-")+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

// declared is the mapping of route with its declared metadata.
func declared(t testing.TB, route string) Mapping {
	return Mapping{Route: route, Meta: routeMeta(t, route)}
}

func mustPage(t *testing.T, file string, m Mapping, offset int, w collector.Window) collector.Page {
	t.Helper()
	resp, err := ParseResponse(collectortest.Fixture(t, file))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MapPage(resp, m, offset, w, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMapPageInterchangeHourly(t *testing.T) {
	t.Parallel()
	p := mustPage(t, "electricity-rto-interchange-data-FPC-FPL-hourly.json",
		declared(t, "electricity/rto/interchange-data"), 0, collector.Window{})
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 25 || len(cat) != 1 {
		t.Fatalf("%d observations, %d catalog records; want 25, 1", len(obs), len(cat))
	}
	first := obs[0]
	if first.SeriesID != "electricity/rto/interchange-data:hourly:FPC:FPL" || !first.TS.Equal(collectortest.UTC("2020-01-06T06:00:00Z")) ||
		collectortest.Deref(first.Value) != -329.0 || collectortest.Deref(first.ValueRaw) != "-329" || collectortest.Deref(first.Unit) != "megawatthours" ||
		collectortest.Deref(first.Frequency) != "hourly" || collectortest.Deref(first.GeoID) != "FPC" || collectortest.Deref(first.Dataset) != "electricity/rto/interchange-data" ||
		first.QualityFlag != nil || first.Provider != schemas.ProviderEIA {
		t.Errorf("first observation %+v", first)
	}
	if first.TS.Location() != time.UTC || !first.AsofDate.Equal(collectortest.UTC("2026-09-01T00:00:00Z")) || !first.IngestTS.Equal(testNow) {
		t.Errorf("ts %v asof %v ingest %v", first.TS, first.AsofDate, first.IngestTS)
	}
	if last := obs[24]; !last.TS.Equal(collectortest.UTC("2020-01-07T06:00:00Z")) || collectortest.Deref(last.Value) != -368.0 {
		t.Errorf("last observation %v %v", last.TS, collectortest.Deref(last.Value))
	}
	c := cat[0]
	if c.Title != "Duke Energy Florida, Inc. - Florida Power & Light Co." || collectortest.Deref(c.Unit) != "megawatthours" ||
		!collectortest.Deref(c.FirstTS).(time.Time).Equal(collectortest.UTC("2020-01-06T06:00:00Z")) || !collectortest.Deref(c.LastTS).(time.Time).Equal(collectortest.UTC("2020-01-07T06:00:00Z")) ||
		!strings.HasPrefix(collectortest.Deref(c.Description).(string), "Daily interchange") ||
		collectortest.Deref(c.SourceURL) != "https://www.eia.gov/opendata/browser/electricity/rto/interchange-data" || !c.UpdatedTS.Equal(testNow) {
		t.Errorf("catalog %+v", c)
	}
	if p.Next != "" || !p.Watermark.Equal(collectortest.UTC("2020-01-07T06:00:00Z")) {
		t.Errorf("next %q watermark %v", p.Next, p.Watermark)
	}
}

func TestMapPageRegionDataRows(t *testing.T) {
	t.Parallel()
	rows, err := ParseRows(collectortest.Fixture(t, "electricity-rto-region-data.rows-only.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MapPage(Response{Total: -1, Frequency: "hourly", Rows: rows}, declared(t, "electricity/rto/region-data"), 0, collector.Window{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 120 || len(cat) != 12 {
		t.Fatalf("%d observations, %d catalog records; want 120, 12 (3 respondents x 4 types)", len(obs), len(cat))
	}
	if o := obs[0]; o.SeriesID != "electricity/rto/region-data:hourly:CISO:D" || collectortest.Deref(o.Value) != 36909.0 ||
		collectortest.Deref(o.ValueRaw) != "36909" || !o.TS.Equal(collectortest.UTC("2026-08-19T21:00:00Z")) || collectortest.Deref(o.GeoID) != "CISO" {
		t.Errorf("first observation %+v", o)
	}
	titles := map[string]string{}
	for _, c := range cat {
		titles[c.SeriesID] = c.Title
	}
	if got := titles["electricity/rto/region-data:hourly:PJM:D"]; got != "PJM Interconnection, LLC - Demand" {
		t.Errorf("PJM demand title %q (catalog %v)", got, titles)
	}
	perSeries := map[string]int{}
	for _, o := range obs {
		perSeries[o.SeriesID]++
	}
	if n := perSeries["electricity/rto/region-data:hourly:MISO:TI"]; n != 10 {
		t.Errorf("MISO TI has %d hours, want 10", n)
	}
	if p.Next != "" || !p.Watermark.Equal(collectortest.UTC("2026-08-20T06:00:00Z")) {
		t.Errorf("next %q watermark %v", p.Next, p.Watermark)
	}
}

func TestMapPageNaturalGasDailyIncompleteReturn(t *testing.T) {
	t.Parallel()
	resp, err := ParseResponse(collectortest.Fixture(t, "natural-gas-pri-fut-RNGC1-daily.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Total != 7592 || len(resp.Warnings) != 1 || !strings.HasPrefix(resp.Warnings[0], "incomplete return: ") {
		t.Fatalf("total %d warnings %q", resp.Total, resp.Warnings)
	}
	p, err := MapPage(resp, declared(t, "natural-gas/pri/fut"), 0, collector.Window{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 200 || len(cat) != 1 {
		t.Fatalf("%d observations, %d catalog", len(obs), len(cat))
	}
	if o := obs[0]; o.SeriesID != "natural-gas/pri/fut:daily:Y35NY:EPG0:PE1:RNGC1" || collectortest.Deref(o.Value) != 1.785 ||
		!o.TS.Equal(collectortest.UTC("2024-04-05T00:00:00Z")) || collectortest.Deref(o.Unit) != "$/MMBTU" || collectortest.Deref(o.GeoID) != "Y35NY" || collectortest.Deref(o.Frequency) != "daily" {
		t.Errorf("first observation %+v", o)
	}
	if cat[0].Title != "Natural Gas Futures Contract 1 (Dollars per Million Btu)" ||
		!collectortest.Deref(cat[0].FirstTS).(time.Time).Equal(collectortest.UTC("2023-06-21T00:00:00Z")) {
		t.Errorf("catalog %+v", cat[0])
	}
	if p.Next != "200" || !p.Watermark.Equal(collectortest.UTC("2024-04-05T00:00:00Z")) {
		t.Errorf("next %q watermark %v", p.Next, p.Watermark)
	}
	if p, _ := MapPage(resp, declared(t, "natural-gas/pri/fut"), 7392, collector.Window{}, testNow); p.Next != "" {
		t.Errorf("the page ending at total has next %q", p.Next)
	}
}

func TestMapPagePetroleumWeekly(t *testing.T) {
	t.Parallel()
	p := mustPage(t, "petroleum-stoc-wstk-WCESTUS1-weekly.json", declared(t, "petroleum/stoc/wstk"), 0, collector.Window{})
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 200 || len(cat) != 1 || p.Next != "" {
		t.Fatalf("%d observations, %d catalog, next %q", len(obs), len(cat), p.Next)
	}
	if o := obs[0]; o.SeriesID != "petroleum/stoc/wstk:weekly:NUS:EPC0:SAX:WCESTUS1" || collectortest.Deref(o.Value) != 422741.0 ||
		!o.TS.Equal(collectortest.UTC("2024-10-04T00:00:00Z")) || collectortest.Deref(o.Unit) != "MBBL" || collectortest.Deref(o.Frequency) != "weekly" {
		t.Errorf("first observation %+v", o)
	}
	if o := obs[199]; !o.TS.Equal(collectortest.UTC("2020-12-11T00:00:00Z")) || collectortest.Deref(o.Value) != 500096.0 {
		t.Errorf("last observation %+v", o)
	}
}

func TestMapPageSeriesIDAnnualNA(t *testing.T) {
	t.Parallel()
	p := mustPage(t, "seriesid-INTL.29-12-HKG-BKWH.A.json", Mapping{SeriesID: "INTL.29-12-HKG-BKWH.A"}, 0, collector.Window{})
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 44 || len(cat) != 1 || p.Next != "" {
		t.Fatalf("%d observations, %d catalog, next %q", len(obs), len(cat), p.Next)
	}
	na := obs[0]
	if na.SeriesID != "INTL.29-12-HKG-BKWH.A" || !na.TS.Equal(collectortest.UTC("2023-01-01T00:00:00Z")) || na.Value != nil ||
		collectortest.Deref(na.ValueRaw) != "NA" || collectortest.Deref(na.QualityFlag) != "Data are unavailable (temporarily)" ||
		collectortest.Deref(na.Unit) != "BKWH" || collectortest.Deref(na.Frequency) != "annual" || collectortest.Deref(na.Dataset) != "international" || collectortest.Deref(na.GeoID) != "HKG" {
		t.Errorf("NA observation %+v", na)
	}
	if o := obs[1]; collectortest.Deref(o.Value) != 0.230242794 || o.QualityFlag != nil {
		t.Errorf("2022 observation %+v", o)
	}
	if o := obs[43]; !o.TS.Equal(collectortest.UTC("1980-01-01T00:00:00Z")) || o.Value == nil || *o.Value != 0 {
		t.Errorf("1980 observation (a real zero) %+v", o)
	}
	if c := cat[0]; c.Title != "Renewables - Generation - Hong Kong" || c.SourceURL != nil {
		t.Errorf("catalog %+v", c)
	}
	if !p.Watermark.Equal(collectortest.UTC("2023-01-01T00:00:00Z")) {
		t.Errorf("watermark %v", p.Watermark)
	}
}

func TestMapPageWindow(t *testing.T) {
	t.Parallel()
	w := collector.Window{Since: collectortest.UTC("2020-01-06T10:00:00Z").Add(time.Nanosecond), Until: collectortest.UTC("2020-01-06T13:00:00Z")}
	p := mustPage(t, "electricity-rto-interchange-data-FPC-FPL-hourly.json", declared(t, "electricity/rto/interchange-data"), 0, w)
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 3 || len(cat) != 1 || !obs[0].TS.Equal(collectortest.UTC("2020-01-06T11:00:00Z")) || !p.Watermark.Equal(collectortest.UTC("2020-01-06T13:00:00Z")) {
		t.Fatalf("%d observations from %v, watermark %v; want 11:00..13:00", len(obs), obs[0].TS, p.Watermark)
	}
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`"2020"`, "2020-01-01T00:00:00Z"},
		{`2020`, "2020-01-01T00:00:00Z"},
		{`"2024-01"`, "2024-01-01T00:00:00Z"},
		{`"2024-Q3"`, "2024-07-01T00:00:00Z"},
		{`"2024-10-01"`, "2024-10-01T00:00:00Z"},
		{`"2020-01-06T06"`, "2020-01-06T06:00:00Z"},
		{`"2020-01-06T01-05"`, "2020-01-06T06:00:00Z"},
	} {
		got, err := ParsePeriod([]byte(tc.in))
		if err != nil || !got.Equal(collectortest.UTC(tc.want)) || got.Location() != time.UTC {
			t.Errorf("ParsePeriod(%s) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`null`, `"2024-Q5"`, `"yesterday"`, `{}`} {
		if _, err := ParsePeriod([]byte(bad)); err == nil {
			t.Errorf("ParsePeriod(%s) accepted", bad)
		}
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	full := collectortest.Fixture(t, "electricity-rto-interchange-data-FPC-FPL-hourly.json")
	for _, tc := range []struct{ name, body, msg string }{
		{"truncated JSON", string(full[:len(full)/2]), "unexpected end"},
		{"empty body", "", "unexpected end"},
		{"error string", `{"error":"API_KEY_MISSING: No api_key was supplied.","code":403}`, "No api_key was supplied. (code 403)"},
		{"gateway error object", `{"error":{"code":"API_KEY_INVALID","message":"An invalid api_key was supplied."}}`, "API_KEY_INVALID: An invalid api_key was supplied."},
		{"no response", `{"apiVersion":"2.1.4","request":{}}`, `no "response"`},
		{"no data", `{"response":{"total":3}}`, `no "response.data"`},
		{"total not a count", `{"response":{"total":"many","data":[]}}`, "not a count"},
		{"row not an object", `{"response":{"total":1,"data":[1]}}`, "not an object"},
		{"bad period", `{"response":{"total":1,"data":[{"period":"soon","value":1}]}}`, `"soon"`},
		{"no period", `{"response":{"total":1,"data":[{"value":1}]}}`, "no period"},
		{"no value column", `{"response":{"total":1,"data":[{"period":"2020"}]}}`, `no data column "value"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := ParseResponse([]byte(tc.body))
			if err == nil {
				_, err = MapPage(resp, Mapping{Route: "r"}, 0, collector.Window{}, testNow)
			}
			if !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want ErrMalformed with %q", err, tc.msg)
			}
		})
	}
	if _, err := ParseRows([]byte(`[{"period":`)); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("truncated rows: %v", err)
	}
}

func TestEmptyPage(t *testing.T) {
	t.Parallel()
	resp, err := ParseResponse([]byte(`{"response":{"total":"0","frequency":"hourly","data":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MapPage(resp, Mapping{Route: "r"}, 0, collector.Window{}, testNow)
	if err != nil || len(p.Records) != 0 || p.Next != "" || !p.Watermark.IsZero() {
		t.Errorf("page %+v, %v", p, err)
	}
}

func TestNullValue(t *testing.T) {
	t.Parallel()
	resp, err := ParseResponse([]byte(`{"response":{"total":2,"frequency":"monthly","data":[{"period":"2024-01","value":null},{"period":"2024-02","value":"W"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MapPage(resp, Mapping{Route: "r"}, 0, collector.Window{}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	obs, _ := collectortest.Split(t, p, "EIA")
	if obs[0].Value != nil || obs[0].ValueRaw != nil || obs[1].Value != nil || collectortest.Deref(obs[1].ValueRaw) != "W" {
		t.Errorf("null and withheld: %+v %+v", obs[0], obs[1])
	}
}
