package nyiso

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// A NYISO price series is a feed's market at a PTID. The recorded zonal
// day-ahead file holds 15 zones per hour: each lands under its own PTID,
// with its own name and prices.
func TestZonesInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "damlbmp-zone-20261005-first12h.csv"), Feeds["damlbmp_zone"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	hour := collectortest.PricesAt(t, recs, utc(2026, 10, 5, 4, 0)) // 00:00 EDT
	if len(hour) != 15 {
		t.Fatalf("%d zones in the first hour, want 15", len(hour))
	}
	for _, want := range []struct {
		ptid, name   string
		lbmp, losses float64
	}{{"61757", "CAPITL", 38.32, 1.22}, {"61754", "CENTRL", 37.07, -0.04}} {
		r := hour[want.ptid]
		if r.Market != schemas.MarketDayAhead || *r.LocationName != want.name || r.PriceTotal != want.lbmp || *r.PriceLoss != want.losses {
			t.Errorf("PTID %s: %+v, want %s at %v", want.ptid, r, want.name, want.lbmp)
		}
	}
}

// NYISO's files are read by column name: their columns in any order give
// the same records.
func TestRecordsIgnoreColumnOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, feed string }{
		{"damlbmp-zone-20261005-first12h.csv", "damlbmp_zone"},
		{"realtime-zone-lbmp-20160218.csv", "realtime_zone"},
	} {
		t.Run(tc.feed, func(t *testing.T) {
			t.Parallel()
			collectortest.SameWithShuffledColumns(t, collectortest.Fixture(t, tc.file), 0, func(b []byte) ([]schemas.IsoLmpRecord, error) {
				return Parse(b, Feeds[tc.feed], ingest)
			})
		})
	}
}
