package market_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// lastOldIdentity is the last migration before the series ids of the
// issue on provider series identity.
const lastOldIdentity = 10

// TestSeriesIdentityMigration stores series as the collectors named them
// before, some of them in compressed chunks, and requires the migration to
// take out of the served tables exactly those whose ids merged provider
// series: EIA's data-route series (into the archive tables, with every
// observation), ERCOT's forecasts but NP4-737's solar and CAISO's
// forecasts not qualified by a market run; everything else untouched.
func TestSeriesIdentityMigration(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := open(t, url)
		if _, err := st.MigrateTo(ctx(t), lastOldIdentity); err != nil {
			t.Fatal(err)
		}
		asof := time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC)
		var obs []schemas.ExtTimeseriesObservation
		var catalog []schemas.ExtSeriesCatalogUpsert
		for _, s := range []struct{ id, dataset string }{
			{"steo", "steo"}, // every STEO series as one
			{"electricity/rto/region-data:PJM:D", "electricity/rto/region-data"},
			{"INTL.29-12-HKG-BKWH.A", "international"}, // the seriesid route
		} {
			for month := range 3 {
				obs = append(obs, schemas.ExtTimeseriesObservation{Provider: schemas.ProviderEIA, SeriesID: s.id,
					TS: time.Date(2025, time.Month(month+1), 1, 0, 0, 0, 0, time.UTC), Value: ptr(float64(month)),
					Frequency: ptr("monthly"), Dataset: ptr(s.dataset), AsofDate: asof, IngestTS: asof})
			}
			catalog = append(catalog, schemas.ExtSeriesCatalogUpsert{Provider: schemas.ProviderEIA, SeriesID: s.id,
				Title: s.id, Frequency: ptr("monthly"), Dataset: ptr(s.dataset), UpdatedTS: asof})
		}
		obs = append(obs, schemas.ExtTimeseriesObservation{Provider: schemas.ProviderFRED, SeriesID: "GDP",
			TS: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Value: ptr(1.0), AsofDate: asof, IngestTS: asof})
		writeObservations(t, st, obs)
		writeCatalog(t, st, catalog)

		hour := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		var load []*schemas.IsoLoadRecord
		for _, a := range []struct {
			iso      schemas.IsoCode
			area     string
			forecast bool
		}{
			{schemas.IsoERCOT, "SYSTEM", false}, {schemas.IsoERCOT, "SYSTEM", true}, {schemas.IsoERCOT, "North", true},
			{schemas.IsoERCOT, "SYSTEM_SOLAR", true}, {schemas.IsoCAISO, "AVA", false}, {schemas.IsoCAISO, "AVA", true},
			{schemas.IsoCAISO, "NP15_SOLAR", true}, {schemas.IsoCAISO, "AVA:7DA", true}, {schemas.IsoPJM, "RTO", true},
		} {
			load = append(load, &schemas.IsoLoadRecord{IsoCode: a.iso, Area: a.area, IntervalStart: hour, MW: 100,
				Forecast: a.forecast, IngestTS: asof})
		}
		writeISO(t, st, nil, load)
		if timescale(t, st) {
			for _, table := range []string{"iso_load", "ext_timeseries_observation"} {
				if _, err := st.Pool().Exec(ctx(t), `SELECT compress_chunk(c) FROM show_chunks($1::regclass) c`, table); err != nil {
					t.Fatal(err)
				}
			}
		}
		before := rowStrings(t, st, `SELECT version FROM data_version WHERE dataset IN ('series', 'iso') ORDER BY dataset`)

		if _, err := st.Migrate(ctx(t)); err != nil {
			t.Fatal(err)
		}

		series := func(table, obsTable string) []string {
			return rowStrings(t, st, `SELECT s.provider || '/' || s.series_id || ' ' || coalesce(s.title, '-') || ' ' || count(o.ts)
				FROM `+table+` s LEFT JOIN `+obsTable+` o ON o.ext_series_id = s.id GROUP BY s.provider, s.series_id, s.title`)
		}
		if got, want := series("ext_series", "ext_timeseries_observation"), []string{
			"EIA/INTL.29-12-HKG-BKWH.A INTL.29-12-HKG-BKWH.A 3", "FRED/GDP - 1",
		}; !slices.Equal(got, want) {
			t.Errorf("served series %v, want %v", got, want)
		}
		if got, want := series("ext_series_0010", "ext_timeseries_observation_0010"), []string{
			"EIA/electricity/rto/region-data:PJM:D electricity/rto/region-data:PJM:D 3", "EIA/steo steo 3",
		}; !slices.Equal(got, want) {
			t.Errorf("archived series %v, want %v", got, want)
		}
		if got, want := rowStrings(t, st, `SELECT a.iso_code || ' ' || a.area || ' ' || l.forecast FROM iso_load l JOIN iso_area a ON a.id = l.iso_area_id`), []string{
			"CAISO AVA false", "CAISO AVA:7DA true", "ERCOT SYSTEM false", "ERCOT SYSTEM_SOLAR true", "PJM RTO true",
		}; !slices.Equal(got, want) {
			t.Errorf("load %v, want %v", got, want)
		}
		if got := rowStrings(t, st, `SELECT iso_code || ' ' || area FROM iso_area WHERE area IN ('North', 'NP15_SOLAR')`); len(got) != 0 {
			t.Errorf("areas left without a row: %v", got)
		}
		after := rowStrings(t, st, `SELECT version FROM data_version WHERE dataset IN ('series', 'iso') ORDER BY dataset`)
		if slices.Equal(before, after) {
			t.Errorf("data versions %v unchanged: cached answers would outlive the migration", after)
		}

		// The collectors' new ids land beside what stayed.
		writeObservations(t, st, []schemas.ExtTimeseriesObservation{{Provider: schemas.ProviderEIA,
			SeriesID: "steo:monthly:PADI_OPEC", TS: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Value: ptr(2.0),
			Frequency: ptr("monthly"), Dataset: ptr("steo"), AsofDate: asof, IngestTS: asof}})
		r := market.NewReader(st.Pool())
		if got := allObservations(t, r, "EIA", "steo:monthly:PADI_OPEC", time.Time{}, time.Time{}, 10); len(got) != 1 {
			t.Errorf("new id: %d observations, want 1", len(got))
		}
		if _, _, err := r.Observations(ctx(t), "EIA", "steo", time.Time{}, time.Time{}, market.Page{Limit: 10}); !errors.Is(err, market.ErrNotFound) {
			t.Errorf("old id: %v, want not found", err)
		}
	})
}
