package caiso

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParseLoad feeds an arbitrary OASIS CSV to ParseLoad: it returns
// records or an error wrapping collector.ErrMalformed, and never panics.
func FuzzParseLoad(f *testing.F) {
	f.Add(collectortest.Fixture(f, "oasis-SLD_FCST-7DA.csv"))
	f.Add(collectortest.Fixture(f, "oasis-SLD_REN_FCST-DAM.csv"))
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseLoad(data, ingest); err != nil && !errors.Is(err, collector.ErrMalformed) {
			t.Fatalf("ParseLoad = %v, want collector.ErrMalformed", err)
		}
	})
}
