package eia_test

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/producers/eia"
)

// FuzzParse feeds arbitrary route metadata and data answers through
// ParseRouteMeta, ParseResponse and MapPage, for a data route and for the
// seriesid route: each returns a value or an error wrapping
// collector.ErrMalformed, and none panics.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ meta, data string }{
		{"route-electricity-rto-region-data.json", "electricity-rto-interchange-data-FPC-FPL-hourly.json"},
		{"route-electricity-rto-interchange-data.json", "electricity-rto-interchange-data-FPC-FPL-hourly.json"},
		{"route-natural-gas-pri-fut.json", "natural-gas-pri-fut-RNGC1-daily.json"},
		{"route-petroleum-stoc-wstk.json", "petroleum-stoc-wstk-WCESTUS1-weekly.json"},
		{"route-steo.json", "steo-PADI_OPEC-COPS_OPEC-monthly.json"},
		{"route-steo.json", "seriesid-INTL.29-12-HKG-BKWH.A.json"},
		{"route-steo.json", "electricity-rto-region-data.rows-only.json"},
	} {
		f.Add(collectortest.Fixture(f, seed.meta), collectortest.Fixture(f, seed.data))
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, metaBody, dataBody []byte) {
		meta, err := eia.ParseRouteMeta(metaBody)
		collectortest.RequireMalformed(t, "ParseRouteMeta", err)
		m := eia.Mapping{Route: "route", Frequency: "hourly"}
		if err == nil {
			m.Meta = &meta
		}
		resp, err := eia.ParseResponse(dataBody)
		collectortest.RequireMalformed(t, "ParseResponse", err)
		if err != nil {
			return
		}
		_, err = eia.MapPage(resp, m, 0, collector.Window{}, now)
		collectortest.RequireMalformed(t, "MapPage", err)
		_, err = eia.MapPage(resp, eia.Mapping{SeriesID: "INTL.29-12-HKG-BKWH.A"}, 0, collector.Window{}, now)
		collectortest.RequireMalformed(t, "MapPage of the seriesid route", err)
	})
}
