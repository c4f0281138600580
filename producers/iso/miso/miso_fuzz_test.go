package miso

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParseDAExPost feeds an arbitrary market report to ParseDAExPost, for
// every node and for one: it returns records or an error wrapping
// collector.ErrMalformed, and never panics.
func FuzzParseDAExPost(f *testing.F) {
	f.Add(collectortest.Fixture(f, "da-expost-lmp-20260714.csv"))
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, nodes := range [][]string{nil, {"ILLINOIS.HUB"}} {
			if _, err := ParseDAExPost(data, nodes, ingest); err != nil && !errors.Is(err, collector.ErrMalformed) {
				t.Fatalf("ParseDAExPost(%v) = %v, want collector.ErrMalformed", nodes, err)
			}
		}
	})
}
