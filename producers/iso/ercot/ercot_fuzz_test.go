package ercot

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParse feeds an arbitrary answer to every ERCOT parser (document
// list, DAM settlement point prices, NP3-560 and NP4-737 loads, the
// dashboard): each returns records or an error wrapping
// collector.ErrMalformed, and none panics.
func FuzzParse(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Add([]byte(constructedDAMSPP))
	collectortest.FuzzParsers(f, []string{
		"dashboard-loadForecastVsActual.json",
		"mis-IceDocListJsonWS-reportTypeId-12331-dam-spp.json",
		"mis-IceDocListJsonWS-reportTypeId-13483.json",
		"mis-np3-560-LFCCONGESTNP3560.csv",
		"mis-np4-737-PVGRHRLYAVGACTNP4737.csv",
	}, map[string]func([]byte) error{
		"ParseDocumentList": func(body []byte) error { _, err := ParseDocumentList(body); return err },
		"ParseDAMSPP":       func(body []byte) error { _, err := ParseDAMSPP(body, nil, ingest); return err },
		"ParseLoadForecast": func(body []byte) error { _, err := ParseLoadForecast(body, ingest); return err },
		"ParseSolar":        func(body []byte) error { _, err := ParseSolar(body, ingest); return err },
		"ParseDashboard":    func(body []byte) error { _, err := ParseDashboard(body, ingest); return err },
	})
}
