package pjm

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// A PJM price series is a feed's market at a pnode. The recorded
// day-ahead answer holds 23 zones per hour: each lands under its own
// pnode id, with its own name and price.
func TestLocationsInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	p, err := ParsePage(collectortest.Fixture(t, "dataminer-da_hrl_lmps-zones-2026-06-09.json"), Feeds["da_hrl_lmps"], 1, 600, schemas.LocationOther, ingest)
	if err != nil {
		t.Fatal(err)
	}
	hour := collectortest.PricesAt(t, lmps(t, p), time.Date(2026, 6, 9, 4, 0, 0, 0, time.UTC)) // lmps checks the key PJM:<pnode id>
	if len(hour) != 23 {
		t.Fatalf("%d locations in the first hour, want 23", len(hour))
	}
	for _, want := range []struct {
		id, name string
		price    float64
	}{{"1", "PJM-RTO", 31.862345}, {"3", "MID-ATL/APS", 33.421163}, {"51292", "BGE", 44.243725}} {
		r := hour[want.id]
		if r.Market != schemas.MarketDayAhead || r.LocationName == nil || *r.LocationName != want.name || r.PriceTotal != want.price {
			t.Errorf("pnode %s: %+v, want %s at %v", want.id, r, want.name, want.price)
		}
	}
}

// The order of the keys of Data Miner's items changes nothing of the
// records, their hashes included.
func TestRecordsIgnoreKeyOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, feed string }{
		{"dataminer-da_hrl_lmps-zones-2026-06-09.json", "da_hrl_lmps"},
		{"dataminer-rt_unverified_fivemin_lmps-2026-06-10.json", "rt_unverified_fivemin_lmps"},
	} {
		t.Run(tc.feed, func(t *testing.T) {
			t.Parallel()
			collectortest.SameWithShuffledKeys(t, collectortest.Fixture(t, tc.file), func(b []byte) (collector.Page, error) {
				return ParsePage(b, Feeds[tc.feed], 1, 600, schemas.LocationZone, ingest)
			})
		})
	}
}
