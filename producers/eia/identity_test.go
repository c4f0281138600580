package eia

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

const steoFile = "steo-PADI_OPEC-COPS_OPEC-monthly.json"

// seriesOf sums a page up: its observations per series id, the catalog
// titles by series id, and the series of the first observation.
func seriesOf(t *testing.T, p collector.Page) (count map[string]int, titles map[string]string, first string) {
	t.Helper()
	obs, cat := collectortest.Split(t, p, "EIA")
	count, titles = map[string]int{}, map[string]string{}
	for _, o := range obs {
		count[o.SeriesID]++
	}
	for _, c := range cat {
		titles[c.SeriesID] = c.Title
	}
	if len(obs) > 0 {
		first = obs[0].SeriesID
	}
	return count, titles, first
}

// The case: STEO's facet is seriesId, labelled by
// seriesDescription. Two series in one answer land as two series, each
// with its own observations, title and unit, not as one series "steo".
func TestSTEOTwoSeriesInOneAnswer(t *testing.T) {
	t.Parallel()
	p := mustPage(t, steoFile, declared(t, "steo"), 0, collector.Window{})
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 270 || len(cat) != 2 {
		t.Fatalf("%d observations, %d catalog records; want 270 (189 + 81), 2", len(obs), len(cat))
	}
	n := map[string]int{}
	at := map[string]float64{}
	for _, o := range obs {
		n[o.SeriesID]++
		if o.TS.Equal(collectortest.UTC("2024-01-01T00:00:00Z")) {
			at[o.SeriesID] = collectortest.Deref(o.Value).(float64)
		}
		if collectortest.Deref(o.Unit) != "million barrels per day" || collectortest.Deref(o.Frequency) != "monthly" || collectortest.Deref(o.Dataset) != "steo" {
			t.Fatalf("observation %+v", o)
		}
	}
	if n["steo:monthly:PADI_OPEC"] != 189 || n["steo:monthly:COPS_OPEC"] != 81 {
		t.Errorf("observations per series %v; want PADI_OPEC 189, COPS_OPEC 81", n)
	}
	// Both series have a value for 2024-01, each its own (as in the answer).
	if at["steo:monthly:PADI_OPEC"] != 1.912138 || at["steo:monthly:COPS_OPEC"] != 2.321389 {
		t.Errorf("2024-01 values %v", at)
	}
	titles := map[string]string{}
	for _, c := range cat {
		titles[c.SeriesID] = c.Title
		if collectortest.Deref(c.Unit) != "million barrels per day" || !strings.HasPrefix(collectortest.Deref(c.Description).(string), "Short-Term Energy Outlook") {
			t.Errorf("catalog %+v", c)
		}
	}
	if titles["steo:monthly:PADI_OPEC"] != "Unplanned crude oil production disruptions, OPEC" ||
		titles["steo:monthly:COPS_OPEC"] != "Surplus crude oil production capacity, OPEC" {
		t.Errorf("titles %v", titles)
	}
}

// Without the route's metadata the facets are found beside their labels,
// in both of EIA's naming styles, and taken in alphabetical order: the
// same ids as the declared facets where that order is the declared one.
func TestFallbackFindsBothNamingStyles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, route string
		freq              string
		data              []string
		id, title         string
	}{
		{"camel case seriesId and seriesDescription", steoFile, "steo", "", nil,
			"steo:monthly:PADI_OPEC", "Unplanned crude oil production disruptions, OPEC"},
		{"hyphenated -name labels", "electricity-rto-interchange-data-FPC-FPL-hourly.json", "electricity/rto/interchange-data", "", nil,
			"electricity/rto/interchange-data:hourly:FPC:FPL", "Duke Energy Florida, Inc. - Florida Power & Light Co."},
		{"duoarea and -description labels, alphabetical", "natural-gas-pri-fut-RNGC1-daily.json", "natural-gas/pri/fut", "", nil,
			"natural-gas/pri/fut:daily:Y35NY:PE1:EPG0:RNGC1", "Natural Gas Futures Contract 1 (Dollars per Million Btu)"},
		{"stateid/stateDescription and sectorid/sectorName, a data column", "", "electricity/retail-sales", "monthly", []string{"price"},
			"electricity/retail-sales:monthly:RES:CO:price", "residential - Colorado (price)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(`{"response":{"total":2,"frequency":"monthly","data":[` +
				`{"period":"2024-01","stateid":"CO","stateDescription":"Colorado","sectorid":"RES","sectorName":"residential","price":"14.1","price-units":"cents per kilowatt-hour"},` +
				`{"period":"2024-01","stateid":"CO","stateDescription":"Colorado","sectorid":"COM","sectorName":"commercial","price":"11.2","price-units":"cents per kilowatt-hour"}]}}`)
			if tc.file != "" {
				body = collectortest.Fixture(t, tc.file)
			}
			resp, err := ParseResponse(body)
			if err != nil {
				t.Fatal(err)
			}
			p, err := MapPage(resp, Mapping{Route: tc.route, Frequency: tc.freq, Data: tc.data}, 0, collector.Window{}, testNow)
			if err != nil {
				t.Fatal(err)
			}
			count, titles, first := seriesOf(t, p)
			if first != tc.id || titles[tc.id] != tc.title {
				t.Errorf("first series %s titled %q; want %s titled %q", first, titles[first], tc.id, tc.title)
			}
			if tc.file == "" && (len(count) != 2 || count["electricity/retail-sales:monthly:COM:CO:price"] != 1) {
				t.Errorf("series %v", titles)
			}
		})
	}
}

// What EIA writes in a row is the same whatever the order of its keys:
// shuffling every object's keys changes no series id, with the declared
// facets and with the fallback rule.
func TestSeriesIDsIgnoreKeyOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, route string }{
		{steoFile, "steo"},
		{"electricity-rto-interchange-data-FPC-FPL-hourly.json", "electricity/rto/interchange-data"},
		{"natural-gas-pri-fut-RNGC1-daily.json", "natural-gas/pri/fut"},
		{"petroleum-stoc-wstk-WCESTUS1-weekly.json", "petroleum/stoc/wstk"},
		{"electricity-rto-region-data.rows-only.json", "electricity/rto/region-data"},
	} {
		t.Run(tc.route, func(t *testing.T) {
			t.Parallel()
			body := collectortest.Fixture(t, tc.file)
			ids := func(t *testing.T, body []byte, m Mapping) []string {
				t.Helper()
				var resp Response
				var err error
				if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) { // rows only
					resp = Response{Total: -1, Frequency: "hourly"}
					resp.Rows, err = ParseRows(body)
				} else {
					resp, err = ParseResponse(body)
				}
				if err != nil {
					t.Fatal(err)
				}
				p, err := MapPage(resp, m, 0, collector.Window{}, testNow)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range p.Records {
					out = append(out, r.Key)
				}
				return out
			}
			for _, m := range []Mapping{declared(t, tc.route), {Route: tc.route}} {
				want := ids(t, body, m)
				collectortest.EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
					if got := ids(t, collectortest.ShuffleJSONKeys(t, body, rng), m); !slices.Equal(got, want) {
						t.Fatalf("metadata %v: ids changed with the key order: %v…, want %v…", m.Meta != nil, got[:3], want[:3])
					}
				})
			}
		})
	}
}

func TestDeclaredFacetMissingOrCollidingIsMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, data, msg string
		m               Mapping
	}{
		{"a declared facet has no column", `[{"period":"2024-01","value":"1"}]`, `no column for the route's facet "seriesId"`, declared(t, "steo")},
		// total-energy's facet msn has no label column beside it: the
		// fallback cannot see it, and two of its series would merge.
		{"two series the fallback cannot tell apart",
			`[{"period":"2024-01","msn":"TETCBUS","seriesDescription":"Total energy consumption","value":"8.1"},` +
				`{"period":"2024-01","msn":"CLTCBUS","seriesDescription":"Coal consumption","value":"0.8"}]`,
			"rows 0 and 1 are both series total-energy:monthly at 2024-01-01T00:00:00Z", Mapping{Route: "total-energy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := ParseResponse([]byte(`{"response":{"total":2,"frequency":"monthly","data":` + tc.data + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = MapPage(resp, tc.m, 0, collector.Window{}, testNow)
			if !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v; want ErrMalformed with %q", err, tc.msg)
			}
		})
	}
	// The same row twice is not two series.
	resp, _ := ParseResponse([]byte(`{"response":{"total":2,"frequency":"monthly","data":[{"period":"2024-01","seriesId":"X","value":"1"},{"period":"2024-01","seriesId":"X","value":"1"}]}}`))
	if _, err := MapPage(resp, declared(t, "steo"), 0, collector.Window{}, testNow); err != nil {
		t.Errorf("a repeated row: %v", err)
	}
}

func TestParseRouteMeta(t *testing.T) {
	t.Parallel()
	m := routeMeta(t, "natural-gas/pri/fut")
	if m.ID != "fut" || !slices.Equal(m.FacetIDs(), []string{"duoarea", "product", "process", "series"}) ||
		len(m.Frequencies) != 4 || m.Frequencies[0] != (Frequency{"daily", "One data point for each day.", "D", "YYYY-MM-DD"}) ||
		m.Data["value"].Alias != "Value" {
		t.Errorf("natural-gas/pri/fut metadata %+v", m)
	}
	if u := routeMeta(t, "electricity/rto/region-data").Data["value"].Units; u != "megawatthours" {
		t.Errorf("region-data value units %q", u)
	}
	for _, tc := range []struct{ name, body, msg string }{
		{"invalid JSON", `{"response":`, "unexpected end"},
		{"error body", `{"error":"Invalid route.","code":404}`, "Invalid route. (code 404)"},
		{"a route of routes", `{"response":{"id":"electricity","routes":[{"id":"rto"}]}}`, "lists child routes"},
		{"no facets", `{"response":{"id":"x","data":{"value":{}}}}`, `no "response.facets"`},
		{"a facet without id", `{"response":{"id":"x","facets":[{"description":"Area"}]}}`, "facet 0 has no id"},
	} {
		if _, err := ParseRouteMeta([]byte(tc.body)); !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v; want ErrMalformed with %q", tc.name, err, tc.msg)
		}
	}
}

// fakeEIA answers paths with the fixtures named, any other with a 404,
// and logs the source's warnings to log.
func fakeEIA(t *testing.T, log *slog.Logger, files map[string]string) *collectortest.Getter {
	answers := map[string][]byte{}
	for path, name := range files {
		answers[path] = collectortest.Fixture(t, name)
	}
	g := collectortest.NewGetter(answers)
	g.Log = log
	return g
}

func TestRouteMetadataReadOncePerRoute(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	g := fakeEIA(t, slog.New(slog.NewTextHandler(&logs, nil)), map[string]string{
		"steo/": "route-steo.json", "steo/data/": steoFile,
	})
	src, err := New(Config{Now: func() time.Time { return testNow }, Queries: []Query{
		{Route: "steo", Frequency: "monthly", Facets: map[string][]string{"seriesId": {"PADI_OPEC"}}},
		{Route: "steo", Frequency: "monthly", Facets: map[string][]string{"seriesId": {"COPS_OPEC"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	for _, se := range series {
		for cursor := ""; ; {
			p, err := src.Fetch(context.Background(), g, se, collector.Window{}, cursor)
			if err != nil {
				t.Fatal(err)
			}
			if count, _, _ := seriesOf(t, p); len(count) != 2 {
				t.Fatalf("series %v", count)
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
	}
	if g.Asked("steo/") != 1 || g.Asked("steo/data/") != 2 || logs.Len() != 0 {
		t.Errorf("requests %v, logs %q; want the metadata once for the route's 2 series, no warning", g.Requests(), logs.String())
	}
}

func TestRouteMetadataUnavailableFallsBackAndWarns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, meta string }{
		{"404", ""},
		{"not a data route", "natural-gas-pri-fut-RNGC1-daily.json"}, // a data answer: no facets
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"steo/data/": steoFile}
			if tc.meta != "" {
				files["steo/"] = tc.meta
			}
			var logs bytes.Buffer
			g := fakeEIA(t, slog.New(slog.NewTextHandler(&logs, nil)), files)
			src, err := New(Config{Now: func() time.Time { return testNow }, PageLength: 200,
				Queries: []Query{{Route: "steo", Frequency: "monthly"}}})
			if err != nil {
				t.Fatal(err)
			}
			series, _ := src.Series(context.Background())
			p, err := src.Fetch(context.Background(), g, series[0], collector.Window{}, "")
			if err != nil {
				t.Fatal(err)
			}
			count, titles, _ := seriesOf(t, p)
			if len(count) != 2 || count["steo:monthly:PADI_OPEC"] != 189 || titles["steo:monthly:COPS_OPEC"] != "Surplus crude oil production capacity, OPEC" {
				t.Errorf("observations per series %v, titles %v", count, titles)
			}
			if s := logs.String(); !strings.Contains(s, "level=WARN") || !strings.Contains(s, "eia route metadata unavailable") || !strings.Contains(s, "route=steo") {
				t.Errorf("log %q, want a warning naming the route", s)
			}
			// The pages after the first keep the fallback; the series'
			// next first page asks again.
			if _, err := src.Fetch(context.Background(), g, series[0], collector.Window{}, "200"); err != nil {
				t.Fatal(err)
			}
			if g.Asked("steo/") != 1 {
				t.Errorf("metadata asked %d times by two pages of one pass, want 1", g.Asked("steo/"))
			}
			if _, err := src.Fetch(context.Background(), g, series[0], collector.Window{}, ""); err != nil {
				t.Fatal(err)
			}
			if g.Asked("steo/") != 2 {
				t.Errorf("metadata asked %d times after a new first page, want 2", g.Asked("steo/"))
			}
		})
	}
}
