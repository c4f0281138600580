package market_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

var (
	vintage1      = time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC)
	vintage2      = time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)
	seriesIngest  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	catalogUpdate = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
)

func month(m int) time.Time { return time.Date(2025, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }

// catalogFixture is the catalog of the series fixture: two FRED series
// and an EIA one whose title holds LIKE wildcards.
func catalogFixture() []schemas.ExtSeriesCatalogUpsert {
	return []schemas.ExtSeriesCatalogUpsert{
		{Provider: schemas.ProviderFRED, SeriesID: "UNRATE", Title: "Unemployment Rate", Unit: ptr("Percent"),
			Frequency: ptr("Monthly"), GeoID: ptr("US"), SourceURL: ptr("https://fred.stlouisfed.org/series/UNRATE"),
			FirstTS: ptr(month(1)), LastTS: ptr(month(4)), UpdatedTS: catalogUpdate},
		{Provider: schemas.ProviderFRED, SeriesID: "GDP", Title: "Gross Domestic Product", Unit: ptr("Billions of Dollars"),
			Frequency: ptr("Quarterly"), UpdatedTS: catalogUpdate},
		{Provider: schemas.ProviderEIA, SeriesID: "ELEC.PRICE.US", Title: "Average retail price of electricity 100%_",
			Unit: ptr("cents/kWh"), Frequency: ptr("monthly"), Dataset: ptr("ELEC"), UpdatedTS: catalogUpdate},
	}
}

// observationFixture is the observations of the series fixture: UNRATE in
// two vintages (a missing value, revised in the second), and CPIX, a
// series no catalog record names, with a unit and quality flags.
func observationFixture() []schemas.ExtTimeseriesObservation {
	obs := func(id string, m int, v *float64, asof time.Time) schemas.ExtTimeseriesObservation {
		raw := "."
		if v != nil {
			raw = fmt.Sprint(*v)
		}
		return schemas.ExtTimeseriesObservation{Provider: schemas.ProviderFRED, SeriesID: id, TS: month(m), Value: v,
			ValueRaw: ptr(raw), Unit: ptr("Percent"), Frequency: ptr("Monthly"), AsofDate: asof, IngestTS: seriesIngest}
	}
	out := []schemas.ExtTimeseriesObservation{
		obs("UNRATE", 1, ptr(4.0), vintage1),
		obs("UNRATE", 2, nil, vintage1),
		obs("UNRATE", 2, ptr(4.1), vintage2),
		obs("UNRATE", 3, nil, vintage1),
		obs("UNRATE", 4, ptr(4.2), vintage1),
	}
	for m, v := range []float64{300, 301} {
		o := obs("CPIX", m+1, ptr(v), vintage1)
		o.Unit, o.GeoID, o.QualityFlag = ptr("Index"), ptr("US"), ptr("P")
		out = append(out, o)
	}
	return out
}

func writeObservations(t testing.TB, st *store.Store, rows []schemas.ExtTimeseriesObservation) {
	t.Helper()
	if err := st.InTx(ctx(t), func(tx pgx.Tx) error { return market.WriteObservations(ctx(t), tx, rows) }); err != nil {
		t.Fatalf("write observations: %v", err)
	}
}

func writeCatalog(t testing.TB, st *store.Store, rows []schemas.ExtSeriesCatalogUpsert) {
	t.Helper()
	if err := st.InTx(ctx(t), func(tx pgx.Tx) error { return market.WriteCatalog(ctx(t), tx, rows) }); err != nil {
		t.Fatalf("write catalog: %v", err)
	}
}

// allSeries reads every page of Series.
func allSeries(t testing.TB, r *market.Reader, q market.SeriesQuery, limit int) []market.CatalogEntry {
	t.Helper()
	return allPages(t, limit, func(p market.Page) ([]market.CatalogEntry, []string, error) { return r.Series(ctx(t), q, p) })
}

// allObservations reads every page of Observations.
func allObservations(t testing.TB, r *market.Reader, provider, id string, start, end time.Time, limit int) []market.Observation {
	t.Helper()
	return allPages(t, limit, func(p market.Page) ([]market.Observation, []string, error) {
		return r.Observations(ctx(t), provider, id, start, end, p)
	})
}

// observationKeys spells observations as "ts=value unit flag".
func observationKeys(obs []market.Observation) []string {
	out := make([]string, len(obs))
	for i, o := range obs {
		out[i] = fmt.Sprintf("%s=%s %s %s", o.TS.UTC().Format(time.DateOnly), str(o.Value), str(o.Unit), str(o.QualityFlag))
	}
	return out
}

// str spells an optional value, "-" when absent.
func str[T any](v *T) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

// catalogKeys spells catalog entries as "provider/series".
func catalogKeys(entries []market.CatalogEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Provider + "/" + e.SeriesID
	}
	return out
}

// TestSeriesReads: the catalog lists catalogued series only, filtered and
// in (provider, series_id) order; the observations of a series are those
// of its latest vintage in ts order, with the series' unit, whether or not
// a catalog record names it; an unknown series is ErrNotFound, a known one
// without observations an empty page.
func TestSeriesReads(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		writeObservations(t, st, observationFixture())
		writeCatalog(t, st, catalogFixture())
		r := market.NewReader(st.Pool())

		for _, tc := range []struct {
			name string
			q    market.SeriesQuery
			want []string
		}{
			{"all", market.SeriesQuery{}, []string{"EIA/ELEC.PRICE.US", "FRED/GDP", "FRED/UNRATE"}},
			{"provider", market.SeriesQuery{Provider: "FRED"}, []string{"FRED/GDP", "FRED/UNRATE"}},
			{"title substring", market.SeriesQuery{Text: "RATE"}, []string{"FRED/UNRATE"}},
			{"wildcards are literal", market.SeriesQuery{Text: "100%_"}, []string{"EIA/ELEC.PRICE.US"}},
			{"no match", market.SeriesQuery{Text: "rate_"}, []string{}},
			{"frequency", market.SeriesQuery{Frequency: "MONTHLY"}, []string{"EIA/ELEC.PRICE.US", "FRED/UNRATE"}},
		} {
			for _, limit := range []int{1, 10} {
				if got := catalogKeys(allSeries(t, r, tc.q, limit)); !slices.Equal(got, tc.want) {
					t.Errorf("%s, pages of %d: %v, want %v", tc.name, limit, got, tc.want)
				}
			}
		}
		unrate := allSeries(t, r, market.SeriesQuery{Provider: "FRED", Text: "unemployment"}, 10)[0]
		if unrate.Title != "Unemployment Rate" || str(unrate.Unit) != "Percent" || !unrate.UpdatedTS.Equal(catalogUpdate) ||
			unrate.FirstTS == nil || !unrate.FirstTS.Equal(month(1)) || str(unrate.GeoID) != "US" || unrate.Description != nil {
			t.Errorf("UNRATE's entry %+v", unrate)
		}
		counts, err := r.ProviderCounts(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(counts) != "map[EIA:1 FRED:2]" {
			t.Errorf("provider counts %v", counts)
		}

		want := []string{"2025-01-01=4 Percent -", "2025-02-01=4.1 Percent -", "2025-03-01=- Percent -", "2025-04-01=4.2 Percent -"}
		for _, limit := range []int{1, 2, 4, 10} {
			if got := observationKeys(allObservations(t, r, "FRED", "UNRATE", time.Time{}, time.Time{}, limit)); !slices.Equal(got, want) {
				t.Errorf("UNRATE, pages of %d:\n got %v\nwant %v", limit, got, want)
			}
		}
		if got := observationKeys(allObservations(t, r, "FRED", "UNRATE", month(2), month(4), 10)); !slices.Equal(got, want[1:3]) {
			t.Errorf("UNRATE from February to April: %v", got)
		}
		if got := observationKeys(allObservations(t, r, "FRED", "CPIX", time.Time{}, time.Time{}, 1)); !slices.Equal(got, []string{"2025-01-01=300 Index P", "2025-02-01=301 Index P"}) {
			t.Errorf("CPIX (no catalog record): %v", got)
		}
		for _, empty := range []struct {
			id         string
			start, end time.Time
		}{{"GDP", time.Time{}, time.Time{}}, {"UNRATE", month(6), time.Time{}}} {
			obs, next, err := r.Observations(ctx(t), "FRED", empty.id, empty.start, empty.end, market.Page{Limit: 10})
			if err != nil || len(obs) != 0 || next != nil {
				t.Errorf("%s from %s: %v, %v, %v; want an empty page", empty.id, empty.start.Format(time.DateOnly), obs, next, err)
			}
		}
		for _, unknown := range [][2]string{{"FRED", "NOPE"}, {"EIA", "UNRATE"}} {
			_, _, err := r.Observations(ctx(t), unknown[0], unknown[1], time.Time{}, time.Time{}, market.Page{Limit: 10})
			if !errors.Is(err, market.ErrNotFound) {
				t.Errorf("%s/%s: %v, want ErrNotFound", unknown[0], unknown[1], err)
			}
		}
	})
}

// seriesRow reads one series' row as "unit frequency geo dataset | title
// description source | first last updated".
func seriesRow(t *testing.T, st *store.Store, provider, id string) string {
	t.Helper()
	rows := rowStrings(t, st, fmt.Sprintf(`SELECT concat_ws(' ', coalesce(unit, '-'), coalesce(frequency, '-'),
		coalesce(geo_id, '-'), coalesce(dataset, '-'), '|', coalesce(title, '-'), coalesce(description, '-'),
		coalesce(source_url, '-'), '|', coalesce(to_char(first_ts AT TIME ZONE 'UTC', 'YYYY-MM'), '-'),
		coalesce(to_char(last_ts AT TIME ZONE 'UTC', 'YYYY-MM'), '-'),
		coalesce(to_char(updated_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-'))
		FROM ext_series WHERE provider = '%s' AND series_id = '%s'`, provider, id))
	if len(rows) != 1 {
		t.Fatalf("%d rows of %s/%s", len(rows), provider, id)
	}
	return rows[0]
}

// TestWriteCatalogMerges: a series' metadata is its newest catalog
// record's, whichever order they arrive in, within a batch or across;
// an older record leaves it but widens the span; the catalog keeps the
// unit, frequency, geo_id and dataset the observations gave where it gives
// none, and observations fill in what the catalog lacks.
func TestWriteCatalogMerges(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		y := func(year int) *time.Time { return ptr(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)) }
		rec := func(title string, updated time.Time, first, last *time.Time) schemas.ExtSeriesCatalogUpsert {
			return schemas.ExtSeriesCatalogUpsert{Provider: schemas.ProviderFRED, SeriesID: "UNRATE", Title: title,
				Frequency: ptr("Monthly"), Description: ptr(title), FirstTS: first, LastTS: last, UpdatedTS: updated}
		}
		t1, t2, t3 := catalogUpdate, catalogUpdate.Add(time.Hour), catalogUpdate.Add(2*time.Hour)

		writeObservations(t, st, observationFixture()[:1]) // unit Percent, frequency Monthly
		if got := seriesRow(t, st, "FRED", "UNRATE"); got != "Percent Monthly - - | - - - | - - -" {
			t.Errorf("from an observation: %s", got)
		}
		writeCatalog(t, st, []schemas.ExtSeriesCatalogUpsert{rec("v2", t2, y(1971), y(1990)), rec("v1", t1, y(1948), y(1970))})
		if got := seriesRow(t, st, "FRED", "UNRATE"); got != "Percent Monthly - - | v2 v2 - | 1948-01 1990-01 2026-03-01 01:00" {
			t.Errorf("after a batch of two records: %s", got)
		}
		writeCatalog(t, st, []schemas.ExtSeriesCatalogUpsert{rec("stale", t1, y(1991), y(2024))})
		if got := seriesRow(t, st, "FRED", "UNRATE"); got != "Percent Monthly - - | v2 v2 - | 1948-01 2024-01 2026-03-01 01:00" {
			t.Errorf("after an older record: %s", got)
		}
		same := rec("v2 again", t2, nil, nil)
		same.Unit, same.GeoID = ptr("%"), ptr("US")
		writeCatalog(t, st, []schemas.ExtSeriesCatalogUpsert{same})
		if got := seriesRow(t, st, "FRED", "UNRATE"); got != "% Monthly US - | v2 again v2 again - | 1948-01 2024-01 2026-03-01 01:00" {
			t.Errorf("after a record of the same time: %s", got)
		}
		writeCatalog(t, st, []schemas.ExtSeriesCatalogUpsert{rec("v3", t3, nil, nil)})
		if got := seriesRow(t, st, "FRED", "UNRATE"); got != "% Monthly US - | v3 v3 - | 1948-01 2024-01 2026-03-01 02:00" {
			t.Errorf("after a newer record without a unit: %s", got)
		}
		writeCatalog(t, st, []schemas.ExtSeriesCatalogUpsert{{Provider: schemas.ProviderFRED, SeriesID: "GDP", Title: "GDP", UpdatedTS: t1}})
		o := observationFixture()[0]
		o.SeriesID, o.Dataset = "GDP", ptr("NIPA")
		writeObservations(t, st, []schemas.ExtTimeseriesObservation{o})
		if got := seriesRow(t, st, "FRED", "GDP"); got != "Percent Monthly - NIPA | GDP - - | - - 2026-03-01 00:00" {
			t.Errorf("a catalogued series' columns filled in by an observation: %s", got)
		}
	})
}
