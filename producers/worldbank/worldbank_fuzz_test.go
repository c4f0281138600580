package worldbank_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/producers/worldbank"
)

// FuzzParse feeds an arbitrary answer through ParsePage and MapPage: each
// returns a value or an error wrapping collector.ErrMalformed, and neither
// panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json",
		"country-JPN-USA-indicator-NY.GDP.MKTP.CD-date2018-2019-per_page2.json",
		"country-all-indicator-NY.GDP.MKTP.CD-footnote-date2018-2019-per_page2.json",
		"error-invalid-country.json",
		"error-invalid-indicator.json",
	} {
		f.Add(collectortest.Fixture(f, name))
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, rows, err := worldbank.ParsePage(body)
		if err == nil {
			_, err = worldbank.MapPage(p, rows, collector.Window{}, now)
		}
		if err != nil && !errors.Is(err, collector.ErrMalformed) {
			t.Fatalf("ParsePage, MapPage = %v, want collector.ErrMalformed", err)
		}
	})
}
