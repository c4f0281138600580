package caiso

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParseLoad feeds an arbitrary OASIS CSV to ParseLoad: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParseLoad(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{"oasis-SLD_FCST-7DA.csv", "oasis-SLD_REN_FCST-DAM.csv"},
		map[string]func([]byte) error{
			"ParseLoad": func(body []byte) error { _, err := ParseLoad(body, ingest); return err },
		})
}
