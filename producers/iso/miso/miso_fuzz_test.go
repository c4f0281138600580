package miso

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

// FuzzParseDAExPost feeds an arbitrary market report to ParseDAExPost, for
// every node and for one: it returns records or an error wrapping
// collector.ErrMalformed, and never panics.
func FuzzParseDAExPost(f *testing.F) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{"da-expost-lmp-20260714.csv"}, map[string]func([]byte) error{
		"ParseDAExPost of every node": func(body []byte) error { _, err := ParseDAExPost(body, nil, ingest); return err },
		"ParseDAExPost of a hub": func(body []byte) error {
			_, err := ParseDAExPost(body, []string{"ILLINOIS.HUB"}, ingest)
			return err
		},
	})
}
