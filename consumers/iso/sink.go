// Package iso is the sink of ISO market data: it decodes and validates
// LMPs (aurum.iso.lmp.v1) and load (aurum.iso.load.v1) and writes them into
// iso_lmp and iso_load, with their locations and load areas
// (market.WriteISO), bumping the 'iso' data version the API's cache keys
// depend on in the write transaction when something changed.
// Hourly and daily LMP statistics (iso_lmp_hourly, iso_lmp_daily) derive
// from iso_lmp in the database: continuous aggregates under TimescaleDB,
// views otherwise. consumers/materializer runs it as group
// aurum-iso-materializer (`aurum consume iso`).
package iso

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Dead-letter reasons of records that decode but break the contract.
const (
	ReasonMissingField = "missing_field"
	ReasonUnknownEnum  = "unknown_enum"
	ReasonInvalidValue = "invalid_value"
	ReasonUnknownTopic = "unknown_topic"
)

var markets = []schemas.IsoMarket{
	schemas.MarketDayAhead, schemas.MarketRealTime, schemas.MarketFifteenMinute,
	schemas.MarketFiveMinute, schemas.MarketHourAhead, schemas.MarketUnknown,
}

var locationTypes = []schemas.LocationType{
	schemas.LocationNode, schemas.LocationZone, schemas.LocationHub, schemas.LocationSystem,
	schemas.LocationAggregate, schemas.LocationInterface, schemas.LocationOther,
}

// Row is one record of the ISO group: an LMP or a load value, exactly one
// of the two set.
type Row struct {
	LMP  *schemas.IsoLmpRecord
	Load *schemas.IsoLoadRecord
}

// key is the identity of a row: an LMP price's (iso_code, market,
// location_id, interval_start) or a load value's (iso_code, area,
// interval_start, forecast) — the primary keys of iso_lmp and iso_load,
// by public identity; load rows have an empty market.
type key struct {
	load     bool
	iso      schemas.IsoCode
	market   schemas.IsoMarket
	location string // location_id or area
	start    int64  // Unix microseconds
	forecast bool
}

// Sink decodes, validates and writes ISO LMP and load records. It is the
// materializer.Sink of the ISO group, which reads both topics.
type Sink struct {
	serde *serde.Serde
}

// NewSink returns the ISO Sink decoding with s.
func NewSink(s *serde.Serde) *Sink { return &Sink{serde: s} }

// Table is the label of aurum_records_materialized_total: the group writes
// iso_lmp and iso_load under one label.
func (*Sink) Table() string { return "iso_lmp_load" }

// Key returns the row's primary key.
func (*Sink) Key(r *Row) key {
	if r.Load != nil {
		l := r.Load
		return key{load: true, iso: l.IsoCode, location: l.Area, start: l.IntervalStart.UnixMicro(), forecast: l.Forecast}
	}
	p := r.LMP
	return key{iso: p.IsoCode, market: p.Market, location: p.LocationID, start: p.IntervalStart.UnixMicro()}
}

// Decode decodes an LMP or a load record, by topic, and validates it.
func (s *Sink) Decode(ctx context.Context, rec *kgo.Record) (Row, error) {
	switch rec.Topic {
	case topology.TopicIsoLmp:
		var p schemas.IsoLmpRecord
		if err := s.serde.Decode(ctx, rec.Topic, rec.Value, &p); err != nil {
			return Row{}, materializer.RejectDecode(err)
		}
		if err := validateLMP(&p); err != nil {
			return Row{}, err
		}
		return Row{LMP: &p}, nil
	case topology.TopicIsoLoad:
		var l schemas.IsoLoadRecord
		if err := s.serde.Decode(ctx, rec.Topic, rec.Value, &l); err != nil {
			return Row{}, materializer.RejectDecode(err)
		}
		if err := validateLoad(&l); err != nil {
			return Row{}, err
		}
		return Row{Load: &l}, nil
	}
	return Row{}, reject(ReasonUnknownTopic, fmt.Sprintf("topic %s carries no ISO records", rec.Topic))
}

func validateLMP(p *schemas.IsoLmpRecord) error {
	if err := validateISO(p.IsoCode); err != nil {
		return err
	}
	switch {
	case !slices.Contains(markets, p.Market):
		return reject(ReasonUnknownEnum, fmt.Sprintf("market %q is not a market of the contract", p.Market))
	case !slices.Contains(locationTypes, p.LocationType):
		return reject(ReasonUnknownEnum, fmt.Sprintf("location_type %q is not a location type of the contract", p.LocationType))
	case strings.TrimSpace(p.LocationID) == "":
		return reject(ReasonMissingField, "location_id is required")
	case p.IntervalStart.IsZero():
		return reject(ReasonMissingField, "interval_start is required")
	case p.DeliveryDate.IsZero():
		return reject(ReasonMissingField, "delivery_date is required")
	case strings.TrimSpace(p.Currency) == "" || strings.TrimSpace(p.UOM) == "":
		return reject(ReasonMissingField, "currency and uom are required")
	case p.RecordHash == "":
		return reject(ReasonMissingField, "record_hash is required")
	case p.IngestTS.IsZero():
		return reject(ReasonMissingField, "ingest_ts is required")
	case p.IntervalEnd != nil && !p.IntervalEnd.After(p.IntervalStart):
		return reject(ReasonInvalidValue, fmt.Sprintf("interval_end %s is not after interval_start %s", p.IntervalEnd, p.IntervalStart))
	case p.IntervalMinutes != nil && *p.IntervalMinutes <= 0:
		return reject(ReasonInvalidValue, fmt.Sprintf("interval_minutes %d is not positive", *p.IntervalMinutes))
	}
	for _, v := range []struct {
		name string
		v    *float64
	}{{"price_total", &p.PriceTotal}, {"price_energy", p.PriceEnergy}, {"price_congestion", p.PriceCongestion}, {"price_loss", p.PriceLoss}} {
		if v.v != nil && (math.IsNaN(*v.v) || math.IsInf(*v.v, 0)) {
			return reject(ReasonInvalidValue, fmt.Sprintf("%s %v is not a finite number", v.name, *v.v))
		}
	}
	p.IntervalStart = p.IntervalStart.UTC()
	p.DeliveryDate = market.Date(p.DeliveryDate)
	return nil
}

func validateLoad(l *schemas.IsoLoadRecord) error {
	if err := validateISO(l.IsoCode); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(l.Area) == "":
		return reject(ReasonMissingField, "area is required")
	case l.IntervalStart.IsZero():
		return reject(ReasonMissingField, "interval_start is required")
	case l.IngestTS.IsZero():
		return reject(ReasonMissingField, "ingest_ts is required")
	case math.IsNaN(l.MW) || math.IsInf(l.MW, 0):
		return reject(ReasonInvalidValue, fmt.Sprintf("mw %v is not a finite number", l.MW))
	case l.IntervalEnd != nil && !l.IntervalEnd.After(l.IntervalStart):
		return reject(ReasonInvalidValue, fmt.Sprintf("interval_end %s is not after interval_start %s", l.IntervalEnd, l.IntervalStart))
	}
	l.IntervalStart = l.IntervalStart.UTC()
	return nil
}

func validateISO(c schemas.IsoCode) error {
	if !slices.Contains(schemas.IsoCodes, c) {
		return reject(ReasonUnknownEnum, fmt.Sprintf("iso_code %q is not an ISO of the contract", c))
	}
	return nil
}

// Write writes the LMP and the load rows to the ISO model
// (market.WriteISO) in tx.
func (*Sink) Write(ctx context.Context, tx pgx.Tx, rows []Row) error {
	var lmp []*schemas.IsoLmpRecord
	var load []*schemas.IsoLoadRecord
	for i := range rows {
		if rows[i].LMP != nil {
			lmp = append(lmp, rows[i].LMP)
		} else {
			load = append(load, rows[i].Load)
		}
	}
	return market.WriteISO(ctx, tx, lmp, load)
}

func reject(reason, detail string) error {
	return materializer.Reject(deadletter.StageValidate, reason, detail)
}
