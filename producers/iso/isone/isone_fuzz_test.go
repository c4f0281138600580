package isone

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary answer to Parse for every feed: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParse(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{
		"webservices-hourlysysload-day-20241103.json",
		"webservices-realtimehourlydemand-current-location-4001.json",
		"webservices-genfuelmix-current.json",
	}, collectortest.PerFeed(Feeds, func(body []byte, feed Feed) error {
		_, err := Parse(body, feed, ingest)
		return err
	}))
}
