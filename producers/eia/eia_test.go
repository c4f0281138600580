package eia

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// replay answers each path with a fixture; asked returns the URLs asked.
func replay(t *testing.T, files map[string]string) (c *collector.Client, asked func() []*url.URL) {
	t.Helper()
	cfg := ClientConfig()
	cfg.APIKey = "secret"
	return collectortest.Serve(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(collectortest.Fixture(t, name))
	}))
}

func TestFetchDataRoute(t *testing.T) {
	t.Parallel()
	c, asked := replay(t, map[string]string{
		"/v2/natural-gas/pri/fut/":      "route-natural-gas-pri-fut.json",
		"/v2/natural-gas/pri/fut/data/": "natural-gas-pri-fut-RNGC1-daily.json",
	})
	src, err := New(Config{
		Queries: []Query{{Route: "natural-gas/pri/fut", Frequency: "daily", Facets: map[string][]string{"series": {"RNGC1"}}}},
		Now:     func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	series, err := src.Series(context.Background())
	if err != nil || len(series) != 1 || series[0].Key != "natural-gas/pri/fut?data=value&facets[series]=RNGC1&frequency=daily" {
		t.Fatalf("series %+v, %v", series, err)
	}
	w := collector.Window{Since: collectortest.UTC("2023-01-01T00:00:00Z"), Until: collectortest.UTC("2024-12-31T00:00:00Z")}
	p, err := src.Fetch(context.Background(), c, series[0], w, "")
	if err != nil {
		t.Fatal(err)
	}
	obs, cat := collectortest.Split(t, p, "EIA")
	if len(obs) != 200 || len(cat) != 1 || p.Next != "200" || obs[0].SeriesID != "natural-gas/pri/fut:daily:Y35NY:EPG0:PE1:RNGC1" {
		t.Fatalf("%d observations of %s, %d catalog, next %q", len(obs), obs[0].SeriesID, len(cat), p.Next)
	}
	if _, err := src.Fetch(context.Background(), c, series[0], w, p.Next); err != nil {
		t.Fatal(err)
	}
	// The route's metadata is asked once, before the first page.
	q := asked()
	if len(q) != 3 || q[0].Path != "/v2/natural-gas/pri/fut/" || q[0].Query().Get("api_key") != "secret" {
		t.Fatalf("requests %v, want the route's metadata then two data pages", q)
	}
	q = q[1:]
	want := map[string]string{
		"api_key": "secret", "frequency": "daily", "data[]": "value", "facets[series][]": "RNGC1",
		"sort[0][column]": "period", "sort[0][direction]": "asc", "sort[1][column]": "series",
		"start": "2023-01-01", "end": "2024-12-31", "offset": "0", "length": "5000",
	}
	for k, v := range want {
		if got := q[0].Query().Get(k); got != v {
			t.Errorf("first request %s = %q, want %q", k, got, v)
		}
	}
	if got := q[1].Query().Get("offset"); got != "200" {
		t.Errorf("second request offset %q, want 200", got)
	}
}

func TestFetchSeriesID(t *testing.T) {
	t.Parallel()
	c, _ := replay(t, map[string]string{"/v2/seriesid/INTL.29-12-HKG-BKWH.A": "seriesid-INTL.29-12-HKG-BKWH.A.json"})
	src, err := New(Config{SeriesIDs: []string{"INTL.29-12-HKG-BKWH.A"}, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	p, err := src.Fetch(context.Background(), c, series[0], collector.Window{Since: collectortest.UTC("2020-01-01T00:00:00Z")}, "")
	if err != nil {
		t.Fatal(err)
	}
	obs, _ := collectortest.Split(t, p, "EIA")
	if len(obs) != 4 || obs[0].Value != nil || p.Next != "" {
		t.Errorf("%d observations since 2020 (want 2020..2023), first %+v, next %q", len(obs), obs[0], p.Next)
	}
}

func TestFetchMalformedAndErrors(t *testing.T) {
	t.Parallel()
	c, _ := collectortest.Serve(t, ClientConfig(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/bad/data/" {
			_, _ = w.Write([]byte(`{"error":"Invalid frequency provided.","code":400}`))
			return
		}
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
	}))
	src, err := New(Config{Queries: []Query{{Route: "bad", Frequency: "weird"}, {Route: "gone", Frequency: "daily"}}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	if _, err := src.Fetch(context.Background(), c, series[0], collector.Window{}, ""); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("EIA error body: %v", err)
	}
	_, err = src.Fetch(context.Background(), c, series[1], collector.Window{}, "")
	var se *collector.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusNotFound || errors.Is(err, collector.ErrMalformed) {
		t.Errorf("404: %v", err)
	}
	if _, err := src.Fetch(context.Background(), c, series[1], collector.Window{}, "x"); err == nil {
		t.Error("a bad cursor was accepted")
	}
}

func TestNewAndParseFacet(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil {
		t.Error("empty config accepted")
	}
	if _, err := New(Config{Queries: []Query{{Route: "x"}}}); err == nil {
		t.Error("query without frequency accepted")
	}
	name, values, err := ParseFacet("respondent=PJM, MISO")
	if err != nil || name != "respondent" || len(values) != 2 || values[1] != "MISO" {
		t.Errorf("ParseFacet = %q %q %v", name, values, err)
	}
	for _, bad := range []string{"respondent", "=PJM", "respondent="} {
		if _, _, err := ParseFacet(bad); err == nil {
			t.Errorf("ParseFacet(%q) accepted", bad)
		}
	}
}
