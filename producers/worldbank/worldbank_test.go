package worldbank

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

var testNow = time.Date(2026, 9, 1, 12, 30, 0, 0, time.UTC)

func mapFixture(t *testing.T, name string, w collector.Window) collector.Page {
	t.Helper()
	p, rows, err := ParsePage(collectortest.Fixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	page, err := MapPage(p, rows, w, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func TestMapPageJPNUSAPage1(t *testing.T) {
	t.Parallel()
	p := mapFixture(t, "country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json", collector.Window{})
	obs, cat := collectortest.Split(t, p, "WORLDBANK")
	if len(obs) != 50 || len(cat) != 1 {
		t.Fatalf("%d observations, %d catalog; want 50 (per_page), 1", len(obs), len(cat))
	}
	null := obs[0]
	if null.SeriesID != "NY.GDP.MKTP.CD:JPN" || !null.TS.Equal(collectortest.UTC("2020-01-01T00:00:00Z")) || null.Value != nil || null.ValueRaw != nil ||
		null.Provider != schemas.ProviderWorldBank || collectortest.Deref(null.Frequency) != "annual" || collectortest.Deref(null.GeoID) != "JPN" ||
		collectortest.Deref(null.Dataset) != "World Development Indicators" || null.Unit != nil || null.QualityFlag != nil ||
		!null.AsofDate.Equal(collectortest.UTC("2021-05-25T00:00:00Z")) || !null.IngestTS.Equal(testNow) {
		t.Errorf("null 2020 observation %+v", null)
	}
	if o := obs[1]; collectortest.Deref(o.Value) != 5081769542379.77 || collectortest.Deref(o.ValueRaw) != "5081769542379.77" || !o.TS.Equal(collectortest.UTC("2019-01-01T00:00:00Z")) {
		t.Errorf("2019 observation %+v", o)
	}
	c := cat[0]
	if c.Title != "GDP (current US$) - Japan" || collectortest.Deref(c.SourceURL) != "https://data.worldbank.org/indicator/NY.GDP.MKTP.CD?locations=JP" ||
		!collectortest.Deref(c.LastTS).(time.Time).Equal(collectortest.UTC("2020-01-01T00:00:00Z")) || !collectortest.Deref(c.FirstTS).(time.Time).Equal(collectortest.UTC("1971-01-01T00:00:00Z")) {
		t.Errorf("catalog %+v first %v last %v", c, collectortest.Deref(c.FirstTS), collectortest.Deref(c.LastTS))
	}
	if p.Next != "2" || !p.Watermark.Equal(collectortest.UTC("2020-01-01T00:00:00Z")) {
		t.Errorf("next %q watermark %v", p.Next, p.Watermark)
	}
}

func TestMapPageDatePerPage2(t *testing.T) {
	t.Parallel()
	p := mapFixture(t, "country-JPN-USA-indicator-NY.GDP.MKTP.CD-date2018-2019-per_page2.json", collector.Window{})
	obs, cat := collectortest.Split(t, p, "WORLDBANK")
	if len(obs) != 2 || len(cat) != 1 || p.Next != "2" {
		t.Fatalf("%d observations, %d catalog, next %q", len(obs), len(cat), p.Next)
	}
	if collectortest.Deref(obs[1].Value) != 4954806619995.19 || !obs[1].TS.Equal(collectortest.UTC("2018-01-01T00:00:00Z")) {
		t.Errorf("2018 %+v", obs[1])
	}
	// A window keeps only what lies in it.
	p = mapFixture(t, "country-JPN-USA-indicator-NY.GDP.MKTP.CD-date2018-2019-per_page2.json",
		collector.Window{Since: collectortest.UTC("2018-01-01T00:00:00Z").Add(time.Nanosecond)})
	if obs, _ := collectortest.Split(t, p, "WORLDBANK"); len(obs) != 1 || !obs[0].TS.Equal(collectortest.UTC("2019-01-01T00:00:00Z")) {
		t.Errorf("window after 2018: %+v", obs)
	}
}

func TestMapPageAllCountriesFootnote(t *testing.T) {
	t.Parallel()
	p := mapFixture(t, "country-all-indicator-NY.GDP.MKTP.CD-footnote-date2018-2019-per_page2.json", collector.Window{})
	obs, cat := collectortest.Split(t, p, "WORLDBANK")
	if len(obs) != 2 || len(cat) != 1 || obs[0].SeriesID != "NY.GDP.MKTP.CD:ARB" || cat[0].Title != "GDP (current US$) - Arab World" {
		t.Fatalf("%+v %+v", obs, cat)
	}
	if p.Next != "2" {
		t.Errorf("next %q; want 2 of 264", p.Next)
	}
}

func TestParsePageErrors(t *testing.T) {
	t.Parallel()
	full := collectortest.Fixture(t, "country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json")
	for _, tc := range []struct{ name, body, msg string }{
		{"invalid country", string(collectortest.Fixture(t, "error-invalid-country.json")), "120 Invalid value: The provided parameter value is not valid"},
		{"invalid indicator", string(collectortest.Fixture(t, "error-invalid-indicator.json")), "not valid; 120 Invalid value"},
		{"truncated JSON", string(full[:len(full)/3]), "unexpected end"},
		{"XML error page", `<?xml version="1.0" encoding="utf-8"?><wb:error/>`, "invalid character"},
		{"object", `{"page":1}`, "cannot unmarshal"},
		{"paging only", `[{"page":1,"pages":1}]`, "want [paging, rows]"},
		{"bad count", `[{"page":"one"},[]]`, "not an integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ParsePage([]byte(tc.body))
			if !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want ErrMalformed with %q", err, tc.msg)
			}
		})
	}
	for _, tc := range []struct{ name, body string }{
		{"bad date", `[{"page":1,"pages":1,"lastupdated":"2021-05-25"},[{"indicator":{"id":"X"},"countryiso3code":"USA","date":"20x9","value":1}]]`},
		{"bad value", `[{"page":1,"pages":1},[{"indicator":{"id":"X"},"countryiso3code":"USA","date":"2019","value":"n/a"}]]`},
		{"bad lastupdated", `[{"page":1,"pages":1,"lastupdated":"May"},[]]`},
		{"no indicator", `[{"page":1,"pages":1},[{"countryiso3code":"USA","date":"2019","value":1}]]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, rows, err := ParsePage([]byte(tc.body))
			if err == nil {
				_, err = MapPage(p, rows, collector.Window{}, testNow)
			}
			if !errors.Is(err, collector.ErrMalformed) {
				t.Errorf("err = %v; want ErrMalformed", err)
			}
		})
	}
}

func TestEmptyAnswer(t *testing.T) {
	t.Parallel()
	p, rows, err := ParsePage([]byte(`[{"page":0,"pages":0,"per_page":"50","total":0,"sourceid":null,"lastupdated":"2024-06-28"},null]`))
	if err != nil {
		t.Fatal(err)
	}
	page, err := MapPage(p, rows, collector.Window{}, testNow)
	if err != nil || len(page.Records) != 0 || page.Next != "" {
		t.Errorf("page %+v, %v", page, err)
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, freq string }{
		{"2019", "2019-01-01T00:00:00Z", "annual"},
		{"2019Q3", "2019-07-01T00:00:00Z", "quarterly"},
		{"2019M01", "2019-01-01T00:00:00Z", "monthly"},
		{"2019M12", "2019-12-01T00:00:00Z", "monthly"},
	} {
		got, freq, err := ParseDate(tc.in)
		if err != nil || !got.Equal(collectortest.UTC(tc.want)) || freq != tc.freq {
			t.Errorf("ParseDate(%q) = %v %q %v", tc.in, got, freq, err)
		}
	}
	for _, bad := range []string{"", "19", "2019Q5", "2019M13", "2019-01"} {
		if _, _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestFetch(t *testing.T) {
	t.Parallel()
	c, asked := collectortest.Serve(t, ClientConfig(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.EscapedPath() {
		case "/v2/country/USA;JPN/indicator/NY.GDP.MKTP.CD":
			_, _ = w.Write(collectortest.Fixture(t, "country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json"))
		default:
			_, _ = w.Write(collectortest.Fixture(t, "error-invalid-indicator.json"))
		}
	}))
	src, err := New(Config{Indicators: []string{"NY.GDP.MKTP.CD", "INVALID.ID"}, Countries: []string{"USA", "JPN"}, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	if len(series) != 2 || series[0].Key != "NY.GDP.MKTP.CD?country=USA;JPN" {
		t.Fatalf("series %+v", series)
	}
	p, err := src.Fetch(context.Background(), c, series[0], collector.Window{Since: collectortest.UTC("2000-01-01T00:00:00Z"), Until: collectortest.UTC("2019-12-31T00:00:00Z")}, "")
	if err != nil {
		t.Fatal(err)
	}
	obs, _ := collectortest.Split(t, p, "WORLDBANK")
	if len(obs) != 20 || p.Next != "2" || !p.Watermark.Equal(collectortest.UTC("2019-01-01T00:00:00Z")) {
		t.Errorf("%d observations 2000..2019, next %q, watermark %v", len(obs), p.Next, p.Watermark)
	}
	if _, err := src.Fetch(context.Background(), c, series[0], collector.Window{}, p.Next); err != nil {
		t.Fatal(err)
	}
	q0, q1 := asked()[0].Query(), asked()[1].Query()
	if q0.Get("format") != "json" || q0.Get("page") != "1" || q0.Get("per_page") != "1000" || q0.Get("date") != "2000:2019" ||
		q1.Get("page") != "2" || q1.Has("date") {
		t.Errorf("queries %v, %v", q0, q1)
	}
	if _, err := src.Fetch(context.Background(), c, series[1], collector.Window{}, ""); !errors.Is(err, collector.ErrMalformed) ||
		!strings.Contains(err.Error(), "The provided parameter value is not valid") {
		t.Errorf("invalid indicator: %v", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("config without indicators accepted")
	}
}
