package spp

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary marketplace CSV to Parse for every feed: it
// returns records or an error wrapping collector.ErrMalformed, and never
// panics.
func FuzzParse(f *testing.F) {
	collectortest.FuzzFeeds(f, Feeds, Parse,
		"da-lmp-by-location-SL-202503190100.csv",
		"da-lmp-by-location-SL-20261004-with-BAA.csv",
		"rtbm-lmp-by-location-SL-202503310850.csv")
}
