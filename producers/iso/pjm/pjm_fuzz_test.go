package pjm

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// FuzzParsePage feeds an arbitrary Data Miner 2 answer to ParsePage for
// every feed: it returns a page or an error wrapping
// collector.ErrMalformed, and never panics.
func FuzzParsePage(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{
		"dataminer-da_hrl_lmps-zones-2026-06-09.json",
		"dataminer-rt_unverified_fivemin_lmps-2026-06-10.json",
		"dataminer-gen_by_fuel-2025-02-09.json",
		"dataminer-da_marginal_value-2024-09-02.json",
	}, collectortest.PerFeed(Feeds, func(body []byte, feed Feed) error {
		_, err := ParsePage(body, feed, 1, 50, schemas.LocationZone, ingest)
		return err
	}))
}
