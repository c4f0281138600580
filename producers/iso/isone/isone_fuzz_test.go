package isone

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary answer to Parse for every feed: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParse(f *testing.F) {
	collectortest.FuzzFeeds(f, Feeds, Parse,
		"webservices-hourlysysload-day-20241103.json",
		"webservices-realtimehourlydemand-current-location-4001.json",
		"webservices-genfuelmix-current.json")
}
