// Package isorecord turns the ISO LMP and load values a source has parsed
// into collector records: topic, key and the record hash docs/CONTRACTS.md#records asks
// for, the same way for every ISO.
package isorecord

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Units every ISO in Aurum publishes LMPs in.
const (
	CurrencyUSD = "USD"
	UnitMWh     = "MWh"
)

// Lmp returns r as a record on aurum.iso.lmp.v1 keyed "ISO:location_id",
// with RecordHash set (see LmpHash), placed in the window by its interval
// start.
func Lmp(r schemas.IsoLmpRecord) collector.Record {
	r.RecordHash = LmpHash(r)
	return collector.Record{
		Topic: topology.TopicIsoLmp,
		Key:   string(r.IsoCode) + ":" + r.LocationID,
		Value: r,
		Time:  r.IntervalStart,
	}
}

// Load returns r as a record on aurum.iso.load.v1 keyed "ISO:area",
// placed in the window by its interval start.
func Load(r schemas.IsoLoadRecord) collector.Record {
	return collector.Record{
		Topic: topology.TopicIsoLoad,
		Key:   string(r.IsoCode) + ":" + r.Area,
		Value: r,
		Time:  r.IntervalStart,
	}
}

// Lmps returns the prices of recs that keep keeps, every one when keep
// is nil, as records (Lmp).
func Lmps(recs []schemas.IsoLmpRecord, keep func(schemas.IsoLmpRecord) bool) []collector.Record {
	out := make([]collector.Record, 0, len(recs))
	for _, r := range recs {
		if keep == nil || keep(r) {
			out = append(out, Lmp(r))
		}
	}
	return out
}

// Loads returns recs as records (Load).
func Loads(recs []schemas.IsoLoadRecord) []collector.Record {
	out := make([]collector.Record, len(recs))
	for i, r := range recs {
		out[i] = Load(r)
	}
	return out
}

// LmpHash is the hex sha256 of what identifies an LMP (iso, market,
// location, interval start and length) and of its prices, joined by "|":
// the same price fetched twice hashes the same, a revised price does not.
// ingest_ts is left out on purpose, so re-collection is recognisable.
func LmpHash(r schemas.IsoLmpRecord) string {
	parts := []string{
		string(r.IsoCode),
		string(r.Market),
		r.LocationID,
		r.IntervalStart.UTC().Format(time.RFC3339),
		optInt(r.IntervalMinutes),
		formatFloat(r.PriceTotal),
		optFloat(r.PriceEnergy),
		optFloat(r.PriceCongestion),
		optFloat(r.PriceLoss),
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(sum[:])
}

// Round6 rounds a derived price (NYISO's energy component) to 1e-6, so
// float noise of the subtraction does not reach the topic or the hash.
func Round6(v float64) float64 {
	return math.Round(v*1e6) / 1e6
}

// Minutes returns n as the optional interval_minutes field.
func Minutes(n int) *int32 {
	v := int32(n)
	return &v
}

func optInt(p *int32) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(int(*p))
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return formatFloat(*p)
}

func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
