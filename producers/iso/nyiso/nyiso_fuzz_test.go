package nyiso

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary MIS CSV to Parse for every feed: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParse(f *testing.F) {
	collectortest.FuzzFeeds(f, Feeds, Parse,
		"damlbmp-zone-20261005-first12h.csv",
		"realtime-zone-lbmp-20160218.csv",
		"rtfuelmix-20171122.csv")
}
