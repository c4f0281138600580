// Package series holds the sinks of the external series streams:
// observations (aurum.ext.timeseries.obs.v1) into ext_timeseries_observation,
// one row per observation and vintage (market.WriteObservations), and the
// series catalog (aurum.ext.series_catalog.upsert.v1) into the catalog
// columns of ext_series (market.WriteCatalog). Both bump the 'series' data
// version the API's cache keys depend on, in the write transaction, when
// something changed. consumers/materializer runs them as groups
// aurum-series-materializer and aurum-catalog-materializer (`aurum consume
// series`, `aurum consume catalog`).
package series

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
)

// Dead-letter reasons of records that decode but break the contract.
const (
	ReasonMissingField    = "missing_field"
	ReasonUnknownProvider = "unknown_provider"
	ReasonInvalidValue    = "invalid_value"
)

// providers are the Provider symbols of the contract (docs/CONTRACTS.md#records).
var providers = []schemas.Provider{
	schemas.ProviderEIA, schemas.ProviderFRED, schemas.ProviderNOAA, schemas.ProviderWorldBank,
}

// ObservationSink decodes, validates and writes external time-series
// observations into ext_timeseries_observation (and their series into
// ext_series). It is the materializer.Sink of aurum.ext.timeseries.obs.v1.
type ObservationSink struct {
	serde *serde.Serde
}

// NewObservationSink returns the observation Sink decoding with s.
func NewObservationSink(s *serde.Serde) *ObservationSink { return &ObservationSink{serde: s} }

// obsKey is the identity of an observation: one per instant and vintage
// of a series (the primary key of ext_timeseries_observation, by public
// identity).
type obsKey struct {
	provider schemas.Provider
	seriesID string
	ts       int64 // Unix microseconds
	asof     int64 // Unix seconds of the vintage date
}

// Table is the table of aurum_records_materialized_total.
func (*ObservationSink) Table() string { return tableObservation }

// Key returns the row's primary key.
func (*ObservationSink) Key(o *schemas.ExtTimeseriesObservation) obsKey {
	return obsKey{o.Provider, o.SeriesID, o.TS.UnixMicro(), o.AsofDate.Unix()}
}

// Decode decodes a record of any registered ExtTimeseriesObservation schema
// and validates it: a known provider, a series, an instant and a vintage.
// A null value is valid and stays null; a NaN or infinite one is rejected.
func (s *ObservationSink) Decode(ctx context.Context, rec *kgo.Record) (schemas.ExtTimeseriesObservation, error) {
	var o schemas.ExtTimeseriesObservation
	if err := s.serde.Decode(ctx, rec.Topic, rec.Value, &o); err != nil {
		return o, materializer.RejectDecode(err)
	}
	if err := validateIdentity(o.Provider, o.SeriesID); err != nil {
		return o, err
	}
	switch {
	case o.TS.IsZero():
		return o, reject(ReasonMissingField, "ts is required")
	case o.AsofDate.IsZero():
		return o, reject(ReasonMissingField, "asof_date is required")
	case o.IngestTS.IsZero():
		return o, reject(ReasonMissingField, "ingest_ts is required")
	case o.Value != nil && (math.IsNaN(*o.Value) || math.IsInf(*o.Value, 0)):
		return o, reject(ReasonInvalidValue, fmt.Sprintf("value %v is not a finite number; send null for a missing value", *o.Value))
	}
	o.TS = o.TS.UTC()
	o.AsofDate = market.Date(o.AsofDate)
	return o, nil
}

// Write writes rows to the series model (market.WriteObservations) in tx.
func (*ObservationSink) Write(ctx context.Context, tx pgx.Tx, rows []schemas.ExtTimeseriesObservation) error {
	return market.WriteObservations(ctx, tx, rows)
}

// tableObservation is the label of aurum_records_materialized_total.
const tableObservation = "ext_timeseries_observation"

// validateIdentity checks the provider and series of a record.
func validateIdentity(p schemas.Provider, seriesID string) error {
	if !slices.Contains(providers, p) {
		return reject(ReasonUnknownProvider, fmt.Sprintf("provider %q is not one of EIA, FRED, NOAA, WORLDBANK", p))
	}
	if strings.TrimSpace(seriesID) == "" {
		return reject(ReasonMissingField, "series_id is required")
	}
	return nil
}

func reject(reason, detail string) error {
	return materializer.Reject(deadletter.StageValidate, reason, detail)
}
