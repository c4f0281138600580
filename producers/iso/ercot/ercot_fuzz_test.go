package ercot

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary answer to every ERCOT parser (document
// list, DAM settlement point prices, NP3-560 and NP4-737 loads, the
// dashboard): each returns records or an error wrapping
// collector.ErrMalformed, and none panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"dashboard-loadForecastVsActual.json",
		"mis-IceDocListJsonWS-reportTypeId-12331-dam-spp.json",
		"mis-IceDocListJsonWS-reportTypeId-13483.json",
		"mis-np3-560-LFCCONGESTNP3560.csv",
		"mis-np4-737-PVGRHRLYAVGACTNP4737.csv",
	} {
		f.Add(collectortest.Fixture(f, name))
	}
	f.Add([]byte(constructedDAMSPP))
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		parsers := map[string]func() error{
			"ParseDocumentList": func() error { _, err := ParseDocumentList(body); return err },
			"ParseDAMSPP":       func() error { _, err := ParseDAMSPP(body, nil, ingest); return err },
			"ParseLoadForecast": func() error { _, err := ParseLoadForecast(body, ingest); return err },
			"ParseSolar":        func() error { _, err := ParseSolar(body, ingest); return err },
			"ParseDashboard":    func() error { _, err := ParseDashboard(body, ingest); return err },
		}
		for name, parse := range parsers {
			if err := parse(); err != nil && !errors.Is(err, collector.ErrMalformed) {
				t.Fatalf("%s = %v, want collector.ErrMalformed", name, err)
			}
		}
	})
}
