package market_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// seriesVersions returns, per series table, the row versions (xmin) of its
// rows: a row rewritten gets a new one.
func seriesVersions(t *testing.T, st *store.Store) map[string][]string {
	t.Helper()
	return map[string][]string{
		"ext_series":                 rowStrings(t, st, `SELECT provider || ' ' || series_id || ' ' || xmin FROM ext_series`),
		"ext_timeseries_observation": rowStrings(t, st, `SELECT ext_series_id || ' ' || ts || ' ' || asof_date || ' ' || xmin FROM ext_timeseries_observation`),
	}
}

// TestWriteSeriesSkipsUnchanged: writing the same observations and catalog
// records again (a later ingest) rewrites no row and leaves the data
// version; a changed value rewrites that observation only, a changed
// title that series only, and each bumps the version.
func TestWriteSeriesSkipsUnchanged(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		writeObservations(t, st, observationFixture())
		writeCatalog(t, st, catalogFixture())
		before, v := seriesVersions(t, st), dataVersion(t, st, market.DatasetSeries)

		again := observationFixture()
		for i := range again {
			again[i].IngestTS = again[i].IngestTS.Add(time.Hour)
		}
		writeObservations(t, st, again)
		writeCatalog(t, st, catalogFixture())
		if after := seriesVersions(t, st); !equalMaps(before, after) {
			t.Errorf("reloading identical rows rewrote rows:\nbefore %v\nafter  %v", before, after)
		}
		if got := dataVersion(t, st, market.DatasetSeries); got != v {
			t.Errorf("data version %d after an identical reload, want %d", got, v)
		}

		changed := observationFixture()[4]
		changed.Value = ptr(4.3)
		writeObservations(t, st, []schemas.ExtTimeseriesObservation{changed})
		after := seriesVersions(t, st)
		checkWrite(t, st, "one changed value", market.DatasetSeries, before, after, map[string]int{"ext_series": 0, "ext_timeseries_observation": 1}, v+1)

		retitled := catalogFixture()[1]
		retitled.Title = "Gross domestic product"
		writeCatalog(t, st, []schemas.ExtSeriesCatalogUpsert{retitled})
		final := seriesVersions(t, st)
		checkWrite(t, st, "a new title", market.DatasetSeries, after, final, map[string]int{"ext_series": 1, "ext_timeseries_observation": 0}, v+2)
		obs := allObservations(t, market.NewReader(st.Pool()), "FRED", "UNRATE", time.Time{}, time.Time{}, 10)
		if got := observationKeys(obs); got[3] != "2025-04-01=4.3 Percent -" {
			t.Errorf("after the correction: %v", got)
		}
	})
}

// TestSeriesLateCorrectionIntoCompressedChunk: under TimescaleDB,
// reloading observations whose chunks are compressed decompresses nothing
// and leaves the data version; a revision is accepted and served.
func TestSeriesLateCorrectionIntoCompressedChunk(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	if !timescale(t, st) {
		t.Skip("TimescaleDB is not installed")
	}
	writeObservations(t, st, observationFixture())
	compressAll(t, st, "ext_timeseries_observation")
	v := dataVersion(t, st, market.DatasetSeries)
	writeObservations(t, st, observationFixture())
	if got := dataVersion(t, st, market.DatasetSeries); got != v {
		t.Errorf("reloading compressed rows bumped the data version to %d (was %d)", got, v)
	}
	if n := uncompressedRows(t, st, "ext_timeseries_observation"); n != 0 {
		t.Errorf("an identical reload decompressed %d rows", n)
	}
	fix := observationFixture()[0]
	fix.Value = ptr(3.9)
	writeObservations(t, st, []schemas.ExtTimeseriesObservation{fix})
	if got := dataVersion(t, st, market.DatasetSeries); got != v+1 {
		t.Errorf("data version %d after a correction, want %d", got, v+1)
	}
	got := observationKeys(allObservations(t, market.NewReader(st.Pool()), "FRED", "UNRATE", time.Time{}, time.Time{}, 10))
	if want := []string{"2025-01-01=3.9 Percent -", "2025-02-01=4.1 Percent -", "2025-03-01=- Percent -", "2025-04-01=4.2 Percent -"}; !slices.Equal(got, want) {
		t.Errorf("after the correction\n got %v\nwant %v", got, want)
	}
}
