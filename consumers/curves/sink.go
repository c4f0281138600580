// Package curves is the sink of forward-curve observations
// (aurum.curve.observation.v1): it decodes and validates them
// (internal/curve) and writes them to the curve model of internal/market
// (market.WriteCurves), which also keeps what the latest reads need and
// bumps the 'curves' data version the API's cache keys depend on.
// consumers/materializer runs it as group aurum-curve-materializer
// (`aurum consume curves`).
package curves

import (
	"context"
	"errors"
	"hash/maphash"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
)

// Sink decodes, validates and writes curve observations. It is the
// materializer.Sink of the curve stream.
type Sink struct {
	serde *serde.Serde
}

// NewSink returns the curve Sink decoding with s.
func NewSink(s *serde.Serde) *Sink { return &Sink{serde: s} }

// key is the primary key of curve_observation.
type key struct {
	curveKey   string
	tenorLabel string
	asof       int64
	priceType  schemas.PriceType
}

// Table is the table of aurum_records_materialized_total.
func (*Sink) Table() string { return tableObservation }

// Key returns the row's primary key.
func (*Sink) Key(o *schemas.CurveObservation) key {
	return key{o.CurveKey, o.TenorLabel, o.AsofDate.Unix(), o.PriceType}
}

// Shard keeps every row of a curve in one write transaction, so that
// concurrent transactions never update the same curve row nor its latest rows.
func (*Sink) Shard(seed maphash.Seed, o *schemas.CurveObservation) uint64 {
	return maphash.String(seed, o.CurveKey)
}

// Decode decodes a record of any registered CurveObservation schema and
// validates it (curve.Validate); undecodable and invalid records are
// rejected for the dead-letter topic. A producer that left curve_key empty
// gets it computed, as Aurum's loader would; the version hash is not
// stored (it is derived from the row on read), so an empty one is kept.
func (s *Sink) Decode(ctx context.Context, rec *kgo.Record) (schemas.CurveObservation, error) {
	var o schemas.CurveObservation
	if err := s.serde.Decode(ctx, rec.Topic, rec.Value, &o); err != nil {
		return o, materializer.RejectDecode(err)
	}
	if o.CurveKey == "" {
		o.CurveKey = curve.Key(curve.IdentityOf(&o))
	}
	if err := curve.Validate(&o); err != nil {
		var inv *curve.InvalidError
		if errors.As(err, &inv) {
			return o, materializer.Reject(deadletter.StageValidate, string(inv.Reason), inv.Detail)
		}
		return o, materializer.Reject(deadletter.StageValidate, "invalid", err.Error())
	}
	o.AsofDate = o.AsofDate.UTC()
	return o, nil
}

// Write writes rows to the curve model (market.WriteCurves) in tx.
func (*Sink) Write(ctx context.Context, tx pgx.Tx, rows []schemas.CurveObservation) error {
	return market.WriteCurves(ctx, tx, rows)
}

// tableObservation is the label of aurum_records_materialized_total.
const tableObservation = "curve_observation"
