package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// newExternalServer is a curve server whose database also holds a small
// external-series fixture: two FRED series and one EIA series in the
// catalog, and UNRATE observations in two vintages, written as the series
// materialisers write them.
func newExternalServer(t *testing.T) *curveServer {
	t.Helper()
	s := newCurveServer(t, Config{}, Deps{})
	updated := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	catalog := []schemas.ExtSeriesCatalogUpsert{
		{Provider: schemas.ProviderFRED, SeriesID: "UNRATE", Title: "Unemployment Rate", Unit: ptrTo("Percent"), Frequency: ptrTo("Monthly"), UpdatedTS: updated},
		{Provider: schemas.ProviderFRED, SeriesID: "GDP", Title: "Gross Domestic Product", Unit: ptrTo("Billions of Dollars"), Frequency: ptrTo("Quarterly"), UpdatedTS: updated},
		{Provider: schemas.ProviderEIA, SeriesID: "ELEC.PRICE.US", Title: "Average retail price of electricity 100%_", Unit: ptrTo("cents/kWh"), Frequency: ptrTo("monthly"), UpdatedTS: updated},
	}
	obs := func(month int, value *float64, raw string, asof time.Time) schemas.ExtTimeseriesObservation {
		return schemas.ExtTimeseriesObservation{Provider: schemas.ProviderFRED, SeriesID: "UNRATE",
			TS: time.Date(2025, time.Month(month), 1, 0, 0, 0, 0, time.UTC), Value: value, ValueRaw: ptrTo(raw),
			Unit: ptrTo("Percent"), AsofDate: asof, IngestTS: time.Now()}
	}
	v1, v2 := time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)
	observations := []schemas.ExtTimeseriesObservation{
		obs(1, ptrTo(4.0), "4.0", v1), obs(2, nil, ".", v1), obs(2, ptrTo(4.1), "4.1", v2), obs(3, nil, ".", v1), obs(4, ptrTo(4.2), "4.2", v1),
	}
	ctx := context.Background()
	err := s.store.InTx(ctx, func(tx pgx.Tx) error {
		if err := market.WriteCatalog(ctx, tx, catalog); err != nil {
			return err
		}
		return market.WriteObservations(ctx, tx, observations)
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestExternalProviders(t *testing.T) {
	t.Parallel()
	s := newExternalServer(t)
	p := s.list(t, "/v1/external/providers")
	var got []string
	for _, r := range p.Data {
		got = append(got, r["provider"].(string)+"|"+r["name"].(string)+"|"+jsonNum(r["series_count"]))
	}
	want := []string{
		"EIA|U.S. Energy Information Administration|1", "FRED|Federal Reserve Economic Data|2",
		"NOAA|NOAA Climate Data Online|0", "WORLDBANK|World Bank Open Data|0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("providers\n got %v\nwant %v", got, want)
	}
	problemOf(t, s.get(t, "/v1/external/providers?limit=2"), http.StatusBadRequest)
}

func TestExternalSeriesCatalog(t *testing.T) {
	t.Parallel()
	s := newExternalServer(t)
	ids := func(path string) []string {
		var out []string
		for _, r := range s.listAll(t, path, 1) {
			out = append(out, r["provider"].(string)+"/"+r["series_id"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"all, one per page", "/v1/external/series", []string{"EIA/ELEC.PRICE.US", "FRED/GDP", "FRED/UNRATE"}},
		{"provider", "/v1/external/series?provider=fred", []string{"FRED/GDP", "FRED/UNRATE"}},
		{"title substring", "/v1/external/series?q=RATE", []string{"FRED/UNRATE"}},
		{"wildcards are literal", "/v1/external/series?q=100%25_", []string{"EIA/ELEC.PRICE.US"}},
		{"no match", "/v1/external/series?q=rate_", nil},
		{"frequency", "/v1/external/series?frequency=MONTHLY", []string{"EIA/ELEC.PRICE.US", "FRED/UNRATE"}},
	} {
		if got := ids(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %s = %v, want %v", tc.name, tc.path, got, tc.want)
		}
	}
	row := s.list(t, "/v1/external/series?provider=FRED&q=unemployment").Data[0]
	if row["title"] != "Unemployment Rate" || row["unit"] != "Percent" || row["updated_ts"] != "2026-03-01T00:00:00Z" || row["first_ts"] != nil {
		t.Errorf("row = %v", row)
	}

	// A cursor is bound to the filters it was issued for.
	p := s.list(t, "/v1/external/series?provider=FRED&limit=1")
	if p.Meta.NextCursor == "" {
		t.Fatal("no next cursor")
	}
	prob := problemOf(t, s.get(t, "/v1/external/series?provider=EIA&limit=1&cursor="+p.Meta.NextCursor), http.StatusBadRequest)
	if !strings.Contains(prob["detail"].(string), "cursor") {
		t.Errorf("detail = %v", prob["detail"])
	}
	for _, bad := range []struct{ query, param string }{
		{"provider=ACME", "provider"}, {"sort=title", "sort"}, {"limit=0", "limit"}, {"q=", "q"},
	} {
		prob := problemOf(t, s.get(t, "/v1/external/series?"+bad.query), http.StatusBadRequest)
		if !strings.Contains(prob["detail"].(string), `"`+bad.param+`"`) {
			t.Errorf("%s: detail %v does not name %s", bad.query, prob["detail"], bad.param)
		}
	}
}

func TestExternalObservations(t *testing.T) {
	t.Parallel()
	s := newExternalServer(t)
	const path = "/v1/external/series/FRED/UNRATE/observations"
	rows := s.listAll(t, path, 2)
	var got []string
	for _, r := range rows {
		got = append(got, r["ts"].(string)+"="+jsonNum(r["value"]))
		if r["unit"] != "Percent" || r["quality_flag"] != nil {
			t.Errorf("row %v", r)
		}
		if len(r) != 4 {
			t.Errorf("row has %d members, want ts, value, unit, quality_flag: %v", len(r), r)
		}
	}
	want := []string{"2025-01-01T00:00:00Z=4", "2025-02-01T00:00:00Z=4.1", "2025-03-01T00:00:00Z=null", "2025-04-01T00:00:00Z=4.2"}
	if !slices.Equal(got, want) {
		t.Errorf("observations (latest vintage)\n got %v\nwant %v", got, want)
	}

	for _, tc := range []struct {
		query string
		n     int
	}{
		{"start=2025-02-01&end=2025-03-01", 2}, // a date end includes its day
		{"start=2025-02-01T00:00:01Z", 2},
		{"end=2025-03-01T00:00:00Z", 2},
		{"start=2026-01-01", 0},
	} {
		if p := s.list(t, path+"?"+tc.query); p.Meta.Count != tc.n {
			t.Errorf("%s: %d rows, want %d", tc.query, p.Meta.Count, tc.n)
		}
	}

	rec := s.get(t, path+"?format=csv&end=2025-03-01")
	if rec.Code != http.StatusOK || rec.Body.String() != "ts,value,unit,quality_flag\r\n2025-01-01T00:00:00Z,4,Percent,\r\n2025-02-01T00:00:00Z,4.1,Percent,\r\n2025-03-01T00:00:00Z,,Percent,\r\n" {
		t.Errorf("csv %d %q", rec.Code, rec.Body)
	}
	etag := s.get(t, path).Header().Get("ETag")
	if rec := s.get(t, path, "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match = %d, want 304", rec.Code)
	}

	problemOf(t, s.get(t, "/v1/external/series/ACME/UNRATE/observations"), http.StatusNotFound)
	problemOf(t, s.get(t, "/v1/external/series/FRED/NOPE/observations"), http.StatusNotFound)
	// What the database cannot hold, or an error should not echo, never
	// reaches it: a 400 naming the parameter.
	for _, bad := range []string{"%00", "a%FF", "N%2F%00", strings.Repeat("X", 100_000)} {
		rec := s.get(t, "/v1/external/series/FRED/"+bad+"/observations")
		if got := invalidParam(problemOf(t, rec, http.StatusBadRequest)); got != "series_id" || rec.Body.Len() > 2000 {
			t.Errorf("series %s: invalid param %q, %d bytes: %s", truncate(bad, 20), got, rec.Body.Len(), truncate(rec.Body.String(), 300))
		}
	}
	if p := s.list(t, "/v1/external/series/fred/GDP/observations"); p.Meta.Count != 0 {
		t.Errorf("GDP (catalogued, no data) = %d rows, want an empty 200", p.Meta.Count)
	}
	// A cursor is bound to the series in the path as well as the query.
	p := s.list(t, path+"?limit=1")
	if p.Meta.NextCursor == "" {
		t.Fatal("no next cursor")
	}
	prob := problemOf(t, s.get(t, "/v1/external/series/FRED/GDP/observations?limit=1&cursor="+p.Meta.NextCursor), http.StatusBadRequest)
	if !strings.Contains(prob["detail"].(string), "cursor") {
		t.Errorf("detail = %v", prob["detail"])
	}
	for _, bad := range []struct{ query, param string }{
		{"start=yesterday", "start"}, {"start=2025-03-01&end=2025-02-01", "end"}, {"asof=2025-01-01", "asof"},
	} {
		prob := problemOf(t, s.get(t, path+"?"+bad.query), http.StatusBadRequest)
		if !strings.Contains(prob["detail"].(string), `"`+bad.param+`"`) {
			t.Errorf("%s: detail %v does not name %s", bad.query, prob["detail"], bad.param)
		}
	}
}

// jsonNum spells a decoded JSON number (or null) as the API wrote it.
func jsonNum(v any) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(v.(float64), 'f', -1, 64)
}
