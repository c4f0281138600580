package nyiso

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary MIS CSV to Parse for every feed: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"damlbmp-zone-20261005-first12h.csv",
		"realtime-zone-lbmp-20160218.csv",
		"rtfuelmix-20171122.csv",
	} {
		f.Add(collectortest.Fixture(f, name))
	}
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, feed := range Feeds {
			if _, err := Parse(body, feed, ingest); err != nil && !errors.Is(err, collector.ErrMalformed) {
				t.Fatalf("Parse %s = %v, want collector.ErrMalformed", name, err)
			}
		}
	})
}
