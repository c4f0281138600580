package market_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
)

// isoVersions returns, per ISO table, the row versions (xmin) of its rows:
// a row rewritten gets a new one.
func isoVersions(t *testing.T, st *store.Store) map[string][]string {
	t.Helper()
	return map[string][]string{
		"iso_location": rowStrings(t, st, `SELECT iso_code || ' ' || location_id || ' ' || xmin FROM iso_location`),
		"iso_area":     rowStrings(t, st, `SELECT iso_code || ' ' || area || ' ' || xmin FROM iso_area`),
		"iso_lmp":      rowStrings(t, st, `SELECT iso_location_id || ' ' || market || ' ' || interval_start || ' ' || xmin FROM iso_lmp`),
		"iso_load":     rowStrings(t, st, `SELECT iso_area_id || ' ' || interval_start || ' ' || forecast || ' ' || xmin FROM iso_load`),
	}
}

// TestWriteISOSkipsUnchanged: writing the same prices and load again (a
// later ingest) rewrites no row and leaves the data version; a changed
// price or load value rewrites that row only and bumps the version.
func TestWriteISOSkipsUnchanged(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		lmp, load := lmpPrices(isoDay, 0), loadValues(isoDay, 0)
		writeISO(t, st, lmp, load)
		before, v := isoVersions(t, st), dataVersion(t, st, market.DatasetISO)
		if v == 0 {
			t.Fatal("the first write did not bump the data version")
		}

		again, againLoad := lmpPrices(isoDay, 0), loadValues(isoDay, 0)
		for _, p := range again {
			p.IngestTS, p.RecordHash = p.IngestTS.Add(time.Hour), p.RecordHash+"'"
		}
		for _, l := range againLoad {
			l.IngestTS = l.IngestTS.Add(time.Hour)
		}
		writeISO(t, st, again, againLoad)
		if after := isoVersions(t, st); !equalMaps(before, after) {
			t.Errorf("reloading identical rows rewrote rows:\nbefore %v\nafter  %v", before, after)
		}
		if got := dataVersion(t, st, market.DatasetISO); got != v {
			t.Errorf("data version %d after an identical reload, want %d", got, v)
		}

		price, value := *lmp[3], *load[1]
		price.PriceCongestion = ptr(2.5)
		value.MW++
		writeISO(t, st, []*schemas.IsoLmpRecord{&price}, []*schemas.IsoLoadRecord{&value})
		after := isoVersions(t, st)
		checkWrite(t, st, "one changed value", market.DatasetISO, before, after, map[string]int{"iso_location": 0, "iso_area": 0, "iso_lmp": 1, "iso_load": 1}, v+1)
		prices := allLMP(t, market.NewReader(st.Pool()), market.LMPQuery{ISO: "PJM", Locations: []string{"WEST"}, Markets: []string{"REAL_TIME"}}, 100)
		if *prices[3].PriceCongestion != 2.5 {
			t.Errorf("corrected price reads %+v", prices[3])
		}
	})
}

// TestWriteISOLocations: a location is described by its latest price's
// record — a rename applies, an older record with the old name does not —
// and lists every market it has prices in.
func TestWriteISOLocations(t *testing.T) {
	t.Parallel()
	eachServer(t, func(t *testing.T, url string) {
		st := migrated(t, url)
		locations := func() []string {
			return rowStrings(t, st, `SELECT location_id || ' ' || coalesce(location_name, '-') || ' ' || location_type || ' ' ||
				markets::text FROM iso_location WHERE iso_code = 'PJM'`)
		}
		writeISO(t, st, lmpPrices(isoDay, 0), nil)
		if got := locations(); !slices.Equal(got, []string{"EAST EAST HUB HUB {REAL_TIME}", "WEST WEST HUB HUB {DAY_AHEAD,REAL_TIME}"}) {
			t.Errorf("locations %v", got)
		}
		renamed := lmpPrices(isoDay.AddDate(0, 0, 1), 0)
		for _, p := range renamed {
			if p.LocationID == "EAST" {
				p.LocationName, p.Market = ptr("EASTERN HUB"), schemas.MarketFiveMinute
			}
		}
		writeISO(t, st, renamed, nil)
		writeISO(t, st, lmpPrices(isoDay, 0)[:3], nil) // EAST's first prices again, with its old name
		if got := locations(); !slices.Equal(got, []string{"EAST EASTERN HUB HUB {FIVE_MINUTE,REAL_TIME}", "WEST WEST HUB HUB {DAY_AHEAD,REAL_TIME}"}) {
			t.Errorf("locations after a rename and an older record %v", got)
		}
		east := allLMP(t, market.NewReader(st.Pool()), market.LMPQuery{ISO: "PJM", Locations: []string{"EAST"}}, 10)
		if len(east) != 48 || east[0].Market != "FIVE_MINUTE" || east[24].Market != "REAL_TIME" {
			t.Errorf("EAST reads %d prices, first %+v", len(east), east[0])
		}
	})
}

// TestISOLateCorrectionIntoCompressedChunk: under TimescaleDB, reloading
// prices and load whose chunks are compressed decompresses nothing and
// leaves the data version; a correction is accepted and served.
func TestISOLateCorrectionIntoCompressedChunk(t *testing.T) {
	t.Parallel()
	st := migrated(t, servers[0].url(t))
	if !timescale(t, st) {
		t.Skip("TimescaleDB is not installed")
	}
	old := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	lmp, load := lmpPrices(old, 0), loadValues(old, 0)
	writeISO(t, st, lmp, load)
	compressAll(t, st, "iso_lmp", "iso_load")
	v := dataVersion(t, st, market.DatasetISO)
	writeISO(t, st, lmpPrices(old, 0), loadValues(old, 0))
	if got := dataVersion(t, st, market.DatasetISO); got != v {
		t.Errorf("reloading compressed rows bumped the data version to %d (was %d)", got, v)
	}
	for _, table := range []string{"iso_lmp", "iso_load"} {
		if n := uncompressedRows(t, st, table); n != 0 {
			t.Errorf("an identical reload decompressed %d rows of %s", n, table)
		}
	}
	fix, fixLoad := *lmp[5], *load[0]
	fix.PriceTotal, fixLoad.MW = 123.5, 1
	writeISO(t, st, []*schemas.IsoLmpRecord{&fix}, []*schemas.IsoLoadRecord{&fixLoad})
	if got := dataVersion(t, st, market.DatasetISO); got != v+1 {
		t.Errorf("data version %d after a correction, want %d", got, v+1)
	}
	prices := allLMP(t, market.NewReader(st.Pool()), market.LMPQuery{ISO: "PJM"}, 100)
	if len(prices) != 50 {
		t.Fatalf("%d prices of the compressed day, want 50", len(prices))
	}
	i := slices.IndexFunc(prices, func(p market.LMPPrice) bool {
		return p.LocationID == fix.LocationID && string(p.Market) == string(fix.Market) && p.IntervalStart.Equal(fix.IntervalStart)
	})
	if i < 0 || prices[i].PriceTotal != 123.5 {
		t.Errorf("corrected price reads %+v", prices[i])
	}
	if got := rowStrings(t, st, `SELECT mw::text FROM iso_load WHERE interval_start = '2025-03-03Z' AND NOT forecast AND iso_area_id = (SELECT id FROM iso_area WHERE area = 'RTO')`); !slices.Equal(got, []string{"1"}) {
		t.Errorf("corrected load reads %v", got)
	}
}

// compressAll compresses every chunk of tables.
func compressAll(t *testing.T, st *store.Store, tables ...string) {
	t.Helper()
	for _, table := range tables {
		var n int
		if err := st.Pool().QueryRow(ctx(t), `SELECT count(compress_chunk(c)) FROM show_chunks($1::regclass) c`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("no chunk of %s compressed", table)
		}
	}
}

// uncompressedRows counts the rows of table's chunks that are not
// compressed: those a write decompressed, or wrote, since compression.
func uncompressedRows(t *testing.T, st *store.Store, table string) int {
	t.Helper()
	var n int
	if err := st.Pool().QueryRow(ctx(t), `SELECT coalesce(sum((xpath('/row/c/text()',
		query_to_xml(format('SELECT count(*) AS c FROM ONLY %s', c), false, true, '')))[1]::text::int), 0)
		FROM show_chunks($1::regclass) c`, table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
