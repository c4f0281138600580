package curve

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/aurum-energy/aurum/schemas"
)

// Reason is the short, stable cause of a quarantine: the value of the
// aurum.error.reason header and of the reason label of
// aurum_records_dead_lettered_total.
type Reason string

// Quarantine reasons.
const (
	ReasonMissingUnits     Reason = "missing_units"
	ReasonNoPrice          Reason = "no_price"
	ReasonInvalidEnum      Reason = "invalid_enum"
	ReasonMissingField     Reason = "missing_field"
	ReasonCurveKeyMismatch Reason = "curve_key_mismatch"
	ReasonInvalidText      Reason = "invalid_text"
)

// InvalidError says why an observation is quarantined.
type InvalidError struct {
	Reason Reason
	Detail string
}

func (e *InvalidError) Error() string { return string(e.Reason) + ": " + e.Detail }

// ErrInvalid is matched by every *InvalidError with errors.Is.
var ErrInvalid = errors.New("invalid curve observation")

// Is lets errors.Is(err, ErrInvalid) match.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

var (
	assetClasses = enumSet(schemas.AssetClasses...)
	priceTypes   = enumSet(schemas.PriceTypes...)
	tenorTypes   = enumSet(schemas.TenorTypes...)
)

func enumSet[T ~string](vs ...T) map[T]bool {
	m := make(map[T]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// Validate returns an *InvalidError when o must be quarantined: no units,
// an enum value outside the contract, none of value/bid/ask/mid, a missing
// as-of date or tenor label, a curve_key that does not match the identity
// fields, or text that is not UTF-8 or holds a NUL (which PostgreSQL text
// cannot store). A nil error means the row may be materialised.
func Validate(o *schemas.CurveObservation) error {
	if name, ok := badText(o); ok {
		return &InvalidError{ReasonInvalidText, name + " is not UTF-8 text without NUL characters"}
	}
	switch {
	case o.AsofDate.IsZero():
		return &InvalidError{ReasonMissingField, "asof_date is missing"}
	case strings.TrimSpace(o.TenorLabel) == "":
		return &InvalidError{ReasonMissingField, "tenor_label is missing"}
	case strings.TrimSpace(o.UnitsRaw) == "":
		return &InvalidError{ReasonMissingUnits, "units_raw is empty"}
	case !assetClasses[o.AssetClass]:
		return &InvalidError{ReasonInvalidEnum, fmt.Sprintf("asset_class %q is not one of power, renewable, gas, carbon, storage, other", o.AssetClass)}
	case !priceTypes[o.PriceType]:
		return &InvalidError{ReasonInvalidEnum, fmt.Sprintf("price_type %q is not one of MID, BID, ASK, LAST, SETTLE, INDEX, STRIP, CUSTOM", o.PriceType)}
	case !tenorTypes[o.TenorType]:
		return &InvalidError{ReasonInvalidEnum, fmt.Sprintf("tenor_type %q is not one of MONTHLY, QUARTER, SEASON, CALENDAR, STRIP, CUSTOM", o.TenorType)}
	case o.Value == nil && o.Bid == nil && o.Ask == nil && o.Mid == nil:
		return &InvalidError{ReasonNoPrice, "none of value, bid, ask, mid is set"}
	case o.CurveKey != "" && !keyMatches(o):
		return &InvalidError{ReasonCurveKeyMismatch, "curve_key does not match the identity fields"}
	}
	return nil
}

// keyMatches reports whether o's curve_key is the key of its identity
// fields. A curve's many points share both: the identity of a key found to
// match is remembered (up to maxVerified keys), so that the curve's other
// points compare their fields with it instead of hashing them again —
// hashing was a quarter of the materialiser's decoding.
func keyMatches(o *schemas.CurveObservation) bool {
	id := IdentityOf(o)
	if v, ok := verified.Load(o.CurveKey); ok && v.(Identity) == id {
		return true
	}
	if Key(id) != o.CurveKey {
		return false
	}
	if verifiedCount.Add(1) > maxVerified {
		verified.Clear()
		verifiedCount.Store(1)
	}
	// Copies, so that the memory does not keep decoded records alive.
	verified.Store(strings.Clone(o.CurveKey), Identity{
		strings.Clone(id.AssetClass), strings.Clone(id.ISO), strings.Clone(id.Region), strings.Clone(id.Location),
		strings.Clone(id.Market), strings.Clone(id.Product), strings.Clone(id.Block), strings.Clone(id.SparkLocation),
	})
	return true
}

// verified maps a curve_key to the identity it was found to hash from.
var (
	verified      sync.Map
	verifiedCount atomic.Int64
)

// maxVerified bounds verified: past it, it starts again empty.
const maxVerified = 1 << 16

// badText returns the name of the first text field of o that is not valid
// UTF-8 or holds a NUL.
func badText(o *schemas.CurveObservation) (string, bool) {
	fields := []struct {
		name string
		v    *string
	}{
		{"curve_key", &o.CurveKey}, {"iso", o.ISO}, {"region", o.Region}, {"location", o.Location},
		{"market", o.Market}, {"product", o.Product}, {"block", o.Block}, {"spark_location", o.SparkLocation},
		{"tenor_label", &o.TenorLabel}, {"currency", o.Currency}, {"per_unit", o.PerUnit},
		{"units_raw", &o.UnitsRaw}, {"source_file", o.SourceFile}, {"sheet_name", o.SheetName},
		{"version_hash", &o.VersionHash},
	}
	for _, f := range fields {
		if f.v != nil && (!utf8.ValidString(*f.v) || strings.IndexByte(*f.v, 0) >= 0) {
			return f.name, true
		}
	}
	return "", false
}
