// Package curve holds the rules every forward-curve observation obeys,
// whoever produced it: the curve_key identity, the version hash, and the
// validation that decides whether a row is materialised or quarantined
// (docs/CONTRACTS.md#records). The file loader, the demo producer and the materialiser all
// use it, so a row is judged the same way at every stage.
package curve

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/aurum-energy/aurum/internal/calendar"
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
	var buf [256]byte
	b := buf[:0]
	for i, p := range [8]string{id.AssetClass, id.ISO, id.Region, id.Location, id.Market, id.Product, id.Block, id.SparkLocation} {
		if i > 0 {
			b = append(b, '|')
		}
		b = appendNormalized(b, p)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// IsKey reports whether s is spelled as a curve_key is: 64 lower-case hex
// digits.
func IsKey(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// appendNormalized appends s trimmed, with runs of white space collapsed to
// one space, and lower-cased.
func appendNormalized(b []byte, s string) []byte {
	space := false
	start := len(b)
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = len(b) > start
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	return b
}

// VersionHash fingerprints the content of an observation — its identity,
// tenor, as-of date, price type and every price and unit field — so that a
// re-published identical row can be told apart from a correction. It
// ignores provenance (source file, sheet) and ingest time. The identity
// enters through the curve_key, computed unless o already carries one.
func VersionHash(o *schemas.CurveObservation) string {
	key := o.CurveKey
	if key == "" {
		key = Key(IdentityOf(o))
	}
	var buf [256]byte
	b := append(buf[:0], key...)
	b = append(calendar.AppendDate(append(b, sep), o.AsofDate.UTC()), sep)
	b = append(append(b, o.PriceType...), sep)
	b = append(append(b, o.TenorType...), sep)
	b = append(append(b, o.TenorLabel...), sep)
	if o.ContractMonth != nil {
		b = calendar.AppendDate(b, o.ContractMonth.UTC())
	}
	b = append(b, sep)
	for _, f := range [...]*float64{o.Value, o.Bid, o.Ask, o.Mid} {
		if f != nil {
			b = strconv.AppendFloat(b, *f, 'g', -1, 64)
		}
		b = append(b, sep)
	}
	b = append(append(b, deref(o.Currency)...), sep)
	b = append(append(b, deref(o.PerUnit)...), sep)
	b = append(append(b, o.UnitsRaw...), sep)
	sum := sha256.Sum256(b)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}

// sep ends each field of what VersionHash hashes (ASCII unit separator).
const sep = 0x1f

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
