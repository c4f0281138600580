package market_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// isoSeriesFactTable matches the ISO and series fact tables, their chunks
// and the aggregates' materialisation hypertables.
var isoSeriesFactTable = regexp.MustCompile(`^(iso_lmp|iso_load|ext_timeseries_observation|_materialized_hypertable_\d+|_hyper_\d+_\d+_chunk|compress_hyper_\d+_\d+_chunk)$`)

// isoSeriesPlanCases are the ISO and series reads of every endpoint, with
// the filters clients use. aggregates are the indexes of the LMP
// aggregates, which their reads use under TimescaleDB.
func isoSeriesPlanCases(aggregates bool) []planCase {
	page := market.Page{Limit: 100}
	lmp := func(q market.LMPQuery, p market.Page, buckets bool) func(context.Context, *market.Reader, market.Querier) error {
		return func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			var err error
			if buckets {
				_, _, err = r.LMPBuckets(ctx, q, p)
			} else {
				_, _, err = r.LMP(ctx, q, p)
			}
			return err
		}
	}
	day := planISODay(1)
	after := market.Page{Limit: 100, After: []string{planLocation(7), "REAL_TIME", day.Add(3 * time.Hour).Format(time.RFC3339Nano)}}
	prices := []string{"iso_location_iso_code_location_id_key", "iso_lmp_pkey"}
	bucketIndexes := func(interval string) []string {
		if aggregates {
			return []string{"iso_lmp_pkey", "iso_lmp_" + interval + "_key_idx"}
		}
		return []string{"iso_lmp_pkey"}
	}
	cases := []planCase{
		{"LMP of an ISO", lmp(market.LMPQuery{ISO: "PJM"}, page, false), prices},
		{"LMP, next page", lmp(market.LMPQuery{ISO: "PJM"}, after, false), prices},
		{"LMP of a location", lmp(market.LMPQuery{ISO: "MISO", Locations: []string{planLocation(10)}}, page, false), []string{"iso_lmp_pkey"}},
		{"LMP of locations, a market, a day", lmp(market.LMPQuery{ISO: "ERCOT", Locations: []string{planLocation(2), planLocation(5)},
			Markets: []string{"DAY_AHEAD"}, Start: day, End: day.AddDate(0, 0, 1)}, page, false), []string{"iso_lmp_pkey"}},
		{"LMP of a market, next page", lmp(market.LMPQuery{ISO: "PJM", Markets: []string{"REAL_TIME"}}, after, false), prices},
	}
	for _, interval := range []string{"hourly", "daily"} {
		cases = append(cases,
			planCase{"LMP " + interval, lmp(market.LMPQuery{ISO: "PJM", Interval: interval}, page, true), bucketIndexes(interval)},
			planCase{"LMP " + interval + ", next page", lmp(market.LMPQuery{ISO: "PJM", Interval: interval}, after, true), bucketIndexes(interval)},
			planCase{"LMP " + interval + " of a location and a market from a day", lmp(market.LMPQuery{ISO: "MISO", Interval: interval,
				Locations: []string{planLocation(3)}, Markets: []string{"REAL_TIME"}, Start: day}, page, true), bucketIndexes(interval)})
	}
	series := func(q market.SeriesQuery, p market.Page) func(context.Context, *market.Reader, market.Querier) error {
		return func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Series(ctx, q, p)
			return err
		}
	}
	observations := func(id string, start, end time.Time, p market.Page) func(context.Context, *market.Reader, market.Querier) error {
		return func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, _, err := r.Observations(ctx, "FRED", id, start, end, p)
			return err
		}
	}
	catalog := []string{"ext_series_provider_series_id_key"}
	obs := []string{"ext_series_provider_series_id_key", "ext_timeseries_observation_pkey"}
	return append(cases,
		planCase{"series", series(market.SeriesQuery{}, page), catalog},
		planCase{"series of a provider, next page", series(market.SeriesQuery{Provider: "FRED"}, market.Page{Limit: 100, After: []string{"FRED", planSeries(700)}}), catalog},
		planCase{"series of a frequency", series(market.SeriesQuery{Frequency: "Weekly"}, page), []string{"ext_series_frequency_idx"}},
		planCase{"series of a frequency and a provider", series(market.SeriesQuery{Provider: "EIA", Frequency: "annual"}, page), []string{"ext_series_frequency_idx"}},
		planCase{"series by title", series(market.SeriesQuery{Text: "series 12"}, page), nil},
		planCase{"provider counts", func(ctx context.Context, r *market.Reader, _ market.Querier) error {
			_, err := r.ProviderCounts(ctx)
			return err
		}, nil},
		planCase{"observations", observations(planSeries(5), time.Time{}, time.Time{}, page), obs},
		planCase{"observations of a year", observations(planSeries(6), month(1).AddDate(-1, 0, 0), month(1), page), obs},
		planCase{"observations, next page", observations(planSeries(7), time.Time{}, time.Time{}, market.Page{Limit: 5, After: []string{month(6).AddDate(-1, 0, 0).Format(time.RFC3339Nano)}}), obs},
		planCase{"observations of an unknown series", observations("NOPE", time.Time{}, time.Time{}, page), []string{"ext_series_provider_series_id_key"}},
	)
}

// TestISOSeriesReadPlans EXPLAINs every ISO and series read, with its
// values and as the generic plan of a prepared statement: no sequential
// scan of a fact table, and each index the schema has for reads is used by
// some read.
func TestISOSeriesReadPlans(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		ts := timescale(t, st)
		seedISOPlanData(t, st)
		seedSeriesPlanData(t, st)
		if _, err := st.Pool().Exec(ctx(t), "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		checkReadPlans(t, st, isoSeriesPlanCases(ts), isoSeriesFactTable,
			"iso_location", "iso_area", "iso_lmp", "iso_load", "ext_series", "ext_timeseries_observation")
	})
}

// planISOLocations is the number of locations of each of the three ISOs of
// the plan test's data set.
const planISOLocations = 200

func planLocation(i int) string { return fmt.Sprintf("NODE %03d", i) }

// planISODay is the i-th day of the plan test's prices.
func planISODay(i int) time.Time { return time.Date(2026, 2, 2+i, 0, 0, 0, 0, time.UTC) }

// seedISOPlanData writes three days of hourly day-ahead and 15-minute
// real-time prices of 600 locations (216,000 prices) and hourly load,
// materialises the aggregates of the first two days under TimescaleDB, as
// their refresh policies would.
func seedISOPlanData(t *testing.T, st *store.Store) {
	t.Helper()
	for d := range 3 {
		var lmp []*schemas.IsoLmpRecord
		var load []*schemas.IsoLoadRecord
		for _, iso := range []schemas.IsoCode{schemas.IsoPJM, schemas.IsoMISO, schemas.IsoERCOT} {
			for i := range planISOLocations {
				for _, m := range []struct {
					market schemas.IsoMarket
					step   time.Duration
				}{{schemas.MarketDayAhead, time.Hour}, {schemas.MarketRealTime, 15 * time.Minute}} {
					for start := planISODay(d); start.Before(planISODay(d + 1)); start = start.Add(m.step) {
						lmp = append(lmp, &schemas.IsoLmpRecord{IsoCode: iso, Market: m.market, DeliveryDate: planISODay(d),
							IntervalStart: start, IntervalMinutes: ptr(int32(m.step / time.Minute)), LocationID: planLocation(i),
							LocationType: schemas.LocationNode, PriceTotal: float64(20 + i%50), Currency: "USD", UOM: "MWh",
							IngestTS: planISODay(d), RecordHash: "h"})
					}
				}
			}
			for h := range 24 {
				load = append(load, &schemas.IsoLoadRecord{IsoCode: iso, Area: "SYSTEM", IntervalStart: planISODay(d).Add(time.Duration(h) * time.Hour),
					MW: 40000, IngestTS: planISODay(d)})
			}
		}
		writeISO(t, st, lmp, load)
		if d == 1 && timescale(t, st) {
			refreshAggregates(t, st)
		}
	}
}

func planSeries(i int) string { return fmt.Sprintf("SERIES%04d", i) }

// seedSeriesPlanData writes 2,000 series of three providers — three in
// four catalogued, in five frequencies — of 24 monthly observations in two
// vintages each (96,000 rows).
func seedSeriesPlanData(t *testing.T, st *store.Store) {
	t.Helper()
	providers := []schemas.Provider{schemas.ProviderFRED, schemas.ProviderEIA, schemas.ProviderWorldBank}
	frequencies := []string{"Monthly", "Daily", "Weekly", "Quarterly", "Annual"}
	var obs []schemas.ExtTimeseriesObservation
	var catalog []schemas.ExtSeriesCatalogUpsert
	for i := range 2000 {
		p := providers[i%3]
		if i%4 != 0 {
			catalog = append(catalog, schemas.ExtSeriesCatalogUpsert{Provider: p, SeriesID: planSeries(i),
				Title: fmt.Sprintf("Series %d", i), Frequency: ptr(frequencies[i%5]), UpdatedTS: catalogUpdate})
		}
		for m := range 24 {
			for _, asof := range []time.Time{vintage1, vintage2} {
				obs = append(obs, schemas.ExtTimeseriesObservation{Provider: p, SeriesID: planSeries(i),
					TS: month(1).AddDate(0, m-12, 0), Value: ptr(float64(m)), Unit: ptr("Index"), AsofDate: asof, IngestTS: seriesIngest})
			}
		}
	}
	writeObservations(t, st, obs)
	writeCatalog(t, st, catalog)
}
