package spp

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// An SPP price series is a feed's market at a settlement location, of
// the western market (SWPW) apart from the eastern one. The recorded
// file with the BAA column holds both markets in one answer: each
// location lands under its own id, with its own pnode and prices.
func TestLocationsInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	recs, err := Parse(collectortest.Fixture(t, "da-lmp-by-location-SL-20261004-with-BAA.csv"), Feeds["da"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	hour := collectortest.PricesAt(t, recs, utc(2026, 10, 4, 5, 0))
	for _, want := range []struct {
		id, pnode string
		lmp       float64
	}{{"AEC", "SOUC", 32.9537}, {"SWPW:AESO", "AESO", 35.6874}, {"SWPW:AVA", "AVA", 35.6815}} {
		r, ok := hour[want.id]
		if !ok || r.Market != schemas.MarketDayAhead || *r.LocationName != want.pnode || r.PriceTotal != want.lmp {
			t.Errorf("%s: %+v, want pnode %s at %v (hour: %d locations)", want.id, r, want.pnode, want.lmp, len(hour))
		}
	}
}

// SPP's files are read by column name: their columns in any order give
// the same records.
func TestRecordsIgnoreColumnOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, feed string }{
		{"da-lmp-by-location-SL-202503190100.csv", "da"},
		{"rtbm-lmp-by-location-SL-202503310850.csv", "rtbm"},
		{"da-lmp-by-location-SL-20261004-with-BAA.csv", "da"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			collectortest.SameWithShuffledColumns(t, collectortest.Fixture(t, tc.file), 0, func(b []byte) ([]schemas.IsoLmpRecord, error) {
				return Parse(b, Feeds[tc.feed], ingest)
			})
		})
	}
}
