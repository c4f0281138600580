package miso

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// A MISO price series is the day-ahead market at a node. The recorded
// report holds three hubs: each lands under its own node, with its own
// prices.
func TestNodesInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	recs, err := ParseDAExPost(collectortest.Fixture(t, report), nil, ingest)
	if err != nil {
		t.Fatal(err)
	}
	hour := collectortest.PricesAt(t, recs, utc(2026, 7, 14, 5)) // HE 1 EST
	if len(hour) != 3 || hour["ILLINOIS.HUB"].PriceTotal != 36.24 || hour["INDIANA.HUB"].PriceTotal != 37.82 || hour["MICHIGAN.HUB"].PriceTotal != 37.36 {
		t.Errorf("HE 1: %+v", hour)
	}
}

// The report's hour columns are read by name (HE 1 … HE 24); Node, Type
// and Value lead, as the format fixes. The hours in any order give the
// same records.
func TestRecordsIgnoreHourColumnOrder(t *testing.T) {
	t.Parallel()
	data := collectortest.Fixture(t, report)
	i := bytes.Index(data, []byte("\nNode,")) + 1
	want, err := ParseDAExPost(data, nil, ingest)
	if err != nil {
		t.Fatal(err)
	}
	collectortest.EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
		shuffled := append(append([]byte{}, data[:i]...), collectortest.ShuffleCSVColumns(t, data[i:], rng, 3)...)
		got, err := ParseDAExPost(shuffled, nil, ingest)
		if err != nil || !collectortest.SameElements(t, got, want) {
			t.Fatalf("records differ with shuffled hour columns (%v)", err)
		}
	})
}
