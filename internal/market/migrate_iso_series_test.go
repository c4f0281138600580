package market_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// isoSeriesFixture is the ISO and series data both databases of
// TestUpgradeEqualsFresh hold: two days of prices and load, and the series
// fixture with UNRATE's catalog record lacking a unit (the series' unit
// then comes from its observations).
func isoSeriesFixture() ([]*schemas.IsoLmpRecord, []*schemas.IsoLoadRecord, []schemas.ExtTimeseriesObservation, []schemas.ExtSeriesCatalogUpsert) {
	lmp := append(lmpPrices(isoDay, 0), lmpPrices(isoDay.AddDate(0, 0, 1), 2)...)
	load := append(loadValues(isoDay, 0), loadValues(isoDay.AddDate(0, 0, 1), 2)...)
	catalog := catalogFixture()
	catalog[0].Unit = nil
	return lmp, load, observationFixture(), catalog
}

// insertOldISOAndSeries writes the ISO and series fixture into the wide
// tables of migrations 0002 and 0006, as their materialisers did.
func insertOldISOAndSeries(t *testing.T, st *store.Store) {
	t.Helper()
	lmp, load, obs, catalog := isoSeriesFixture()
	b := &pgx.Batch{}
	for _, p := range lmp {
		b.Queue(`INSERT INTO iso_lmp (iso_code, market, delivery_date, interval_start, interval_end, interval_minutes,
			location_id, location_name, location_type, price_total, price_energy, price_congestion, price_loss, currency,
			uom, ingest_ts, record_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			string(p.IsoCode), string(p.Market), p.DeliveryDate, p.IntervalStart, p.IntervalEnd, p.IntervalMinutes,
			p.LocationID, p.LocationName, string(p.LocationType), p.PriceTotal, p.PriceEnergy, p.PriceCongestion,
			p.PriceLoss, p.Currency, p.UOM, p.IngestTS, p.RecordHash)
	}
	for _, l := range load {
		b.Queue(`INSERT INTO iso_load (iso_code, area, interval_start, interval_end, interval_minutes, mw, forecast, ingest_ts)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			string(l.IsoCode), l.Area, l.IntervalStart, l.IntervalEnd, l.IntervalMinutes, l.MW, l.Forecast, l.IngestTS)
	}
	for _, o := range obs {
		b.Queue(`INSERT INTO ext_timeseries_observation (provider, series_id, ts, value, value_raw, unit, frequency, geo_id,
			dataset, quality_flag, asof_date, ingest_ts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			string(o.Provider), o.SeriesID, o.TS, o.Value, o.ValueRaw, o.Unit, o.Frequency, o.GeoID, o.Dataset,
			o.QualityFlag, o.AsofDate, o.IngestTS)
	}
	for _, c := range catalog {
		b.Queue(`INSERT INTO ext_series_catalog (provider, series_id, title, unit, frequency, geo_id, dataset, description,
			source_url, first_ts, last_ts, updated_ts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			string(c.Provider), c.SeriesID, c.Title, c.Unit, c.Frequency, c.GeoID, c.Dataset, c.Description,
			c.SourceURL, c.FirstTS, c.LastTS, c.UpdatedTS)
	}
	if err := st.Pool().SendBatch(ctx(t), b).Close(); err != nil {
		t.Fatalf("insert the old model's ISO and series rows: %v", err)
	}
}

// writeISOAndSeries writes the ISO and series fixture as the materialisers
// do.
func writeISOAndSeries(t *testing.T, st *store.Store) {
	t.Helper()
	lmp, load, obs, catalog := isoSeriesFixture()
	writeISO(t, st, lmp, load)
	writeObservations(t, st, obs)
	writeCatalog(t, st, catalog)
}

// compareISOAndSeries requires every ISO and series read, and the rows no
// read covers, to be the same in the fresh and the upgraded database.
func compareISOAndSeries(t *testing.T, fresh, upgraded *store.Store) {
	t.Helper()
	fr, ur := market.NewReader(fresh.Pool()), market.NewReader(upgraded.Pool())
	for _, iso := range []string{"PJM", "CAISO"} {
		q := market.LMPQuery{ISO: iso}
		want := allLMP(t, fr, q, 7)
		if len(want) == 0 {
			t.Fatalf("%s: the fresh database reads no prices", iso)
		}
		if d := firstDifference(want, allLMP(t, ur, q, 7)); d != "" {
			t.Errorf("%s prices differ: %s", iso, d)
		}
		for _, interval := range []string{"hourly", "daily"} {
			q.Interval = interval
			if d := firstDifference(allBuckets(t, fr, q, 5), allBuckets(t, ur, q, 5)); d != "" {
				t.Errorf("%s %s prices differ: %s", iso, interval, d)
			}
		}
	}
	for _, q := range []market.SeriesQuery{{}, {Provider: "FRED"}, {Frequency: "monthly"}} {
		if d := firstDifference(allSeries(t, fr, q, 2), allSeries(t, ur, q, 2)); d != "" {
			t.Errorf("series %+v differ: %s", q, d)
		}
	}
	want, err := fr.ProviderCounts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ur.ProviderCounts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("provider counts: fresh %v, upgraded %v", want, got)
	}
	for _, id := range [][2]string{{"FRED", "UNRATE"}, {"FRED", "CPIX"}, {"FRED", "GDP"}, {"EIA", "ELEC.PRICE.US"}} {
		want := allObservations(t, fr, id[0], id[1], time.Time{}, time.Time{}, 3)
		if d := firstDifference(want, allObservations(t, ur, id[0], id[1], time.Time{}, time.Time{}, 3)); d != "" {
			t.Errorf("observations of %s/%s differ: %s", id[0], id[1], d)
		}
	}
	for _, q := range []string{
		`SELECT iso_code, location_id, location_name, location_type, currency, uom, markets::text FROM iso_location`,
		`SELECT a.iso_code, a.area, l.interval_start, l.interval_end, l.forecast, l.mw, l.ingest_ts FROM iso_load l JOIN iso_area a ON a.id = l.iso_area_id`,
		`SELECT l.iso_code, l.location_id, p.market::text, p.interval_start, p.ingest_ts FROM iso_lmp p JOIN iso_location l ON l.id = p.iso_location_id`,
		`SELECT provider, series_id, unit, frequency, geo_id, dataset, title, description, source_url, first_ts, last_ts, updated_ts FROM ext_series`,
		`SELECT s.provider, s.series_id, o.ts, o.asof_date, o.value, o.value_raw, o.quality_flag, o.ingest_ts FROM ext_timeseries_observation o JOIN ext_series s ON s.id = o.ext_series_id`,
	} {
		if d := firstDifference(rowStrings(t, fresh, q), rowStrings(t, upgraded, q)); d != "" {
			t.Errorf("%s differs: %s", q, d)
		}
	}
}
