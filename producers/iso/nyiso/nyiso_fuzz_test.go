package nyiso

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary MIS CSV to Parse for every feed: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParse(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{
		"damlbmp-zone-20261005-first12h.csv",
		"realtime-zone-lbmp-20160218.csv",
		"rtfuelmix-20171122.csv",
	}, collectortest.PerFeed(Feeds, func(body []byte, feed Feed) error {
		_, err := Parse(body, feed, ingest)
		return err
	}))
}
