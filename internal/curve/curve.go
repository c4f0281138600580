// Package curve holds the rules every forward-curve observation obeys,
// whoever produced it: the curve_key identity, the version hash, and the
// validation that decides whether a row is materialised or quarantined
// (DESIGN §7). The file loader, the demo producer and the materialiser all
// use it, so a row is judged the same way at every stage.
package curve

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/schemas"
)

// Identity is the eight values that name a curve. Empty means absent.
type Identity struct {
	AssetClass    string
	ISO           string
	Region        string
	Location      string
	Market        string
	Product       string
	Block         string
	SparkLocation string
}

// IdentityOf reads the identity of an observation.
func IdentityOf(o *schemas.CurveObservation) Identity {
	return Identity{
		AssetClass:    string(o.AssetClass),
		ISO:           deref(o.ISO),
		Region:        deref(o.Region),
		Location:      deref(o.Location),
		Market:        deref(o.Market),
		Product:       deref(o.Product),
		Block:         deref(o.Block),
		SparkLocation: deref(o.SparkLocation),
	}
}

// Key is the curve_key of an identity: the hex SHA-256 of its eight values,
// each trimmed, whitespace-collapsed and lower-cased, joined by "|".
func Key(id Identity) string {
	parts := [8]string{id.AssetClass, id.ISO, id.Region, id.Location, id.Market, id.Product, id.Block, id.SparkLocation}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(strings.ToLower(strings.Join(strings.Fields(p), " ")))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// VersionHash fingerprints the content of an observation — its identity,
// tenor, as-of date, price type and every price and unit field — so that a
// re-published identical row can be told apart from a correction. It
// ignores provenance (source file, sheet) and ingest time.
func VersionHash(o *schemas.CurveObservation) string {
	var b strings.Builder
	field := func(s string) {
		b.WriteString(s)
		b.WriteByte(0x1f)
	}
	num := func(f *float64) {
		if f == nil {
			field("")
			return
		}
		field(strconv.FormatFloat(*f, 'g', -1, 64))
	}
	field(Key(IdentityOf(o)))
	field(o.AsofDate.UTC().Format(time.DateOnly))
	field(string(o.PriceType))
	field(string(o.TenorType))
	field(o.TenorLabel)
	if o.ContractMonth != nil {
		field(o.ContractMonth.UTC().Format(time.DateOnly))
	} else {
		field("")
	}
	num(o.Value)
	num(o.Bid)
	num(o.Ask)
	num(o.Mid)
	field(deref(o.Currency))
	field(deref(o.PerUnit))
	field(o.UnitsRaw)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Complete fills curve_key and version_hash from the other fields.
func Complete(o *schemas.CurveObservation) {
	o.CurveKey = Key(IdentityOf(o))
	o.VersionHash = VersionHash(o)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
