package worldbank_test

import (
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
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{
		"country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json",
		"country-JPN-USA-indicator-NY.GDP.MKTP.CD-date2018-2019-per_page2.json",
		"country-all-indicator-NY.GDP.MKTP.CD-footnote-date2018-2019-per_page2.json",
		"error-invalid-country.json",
		"error-invalid-indicator.json",
	}, map[string]func([]byte) error{
		"ParsePage, MapPage": func(body []byte) error {
			p, rows, err := worldbank.ParsePage(body)
			if err == nil {
				_, err = worldbank.MapPage(p, rows, collector.Window{}, now)
			}
			return err
		},
	})
}
