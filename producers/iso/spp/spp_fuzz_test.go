package spp

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary marketplace CSV to Parse for every feed: it
// returns records or an error wrapping collector.ErrMalformed, and never
// panics.
func FuzzParse(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{
		"da-lmp-by-location-SL-202503190100.csv",
		"da-lmp-by-location-SL-20261004-with-BAA.csv",
		"rtbm-lmp-by-location-SL-202503310850.csv",
	}, collectortest.PerFeed(Feeds, func(body []byte, feed Feed) error {
		_, err := Parse(body, feed, ingest)
		return err
	}))
}
