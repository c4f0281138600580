package curves

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
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
// concurrent transactions never update the same curve_latest row.
func (*Sink) Shard(seed maphash.Seed, o *schemas.CurveObservation) uint64 {
	return maphash.String(seed, o.CurveKey)
}

// Decode decodes a record of any registered CurveObservation schema and
// validates it (curve.Validate); undecodable and invalid records are
// rejected for the dead-letter topic. A producer that left curve_key or
// version_hash empty gets them computed, as Aurum's loader would.
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
	if o.VersionHash == "" {
		o.VersionHash = curve.VersionHash(&o)
	}
	o.AsofDate = o.AsofDate.UTC()
	return o, nil
}

// Write stages rows with COPY and upserts them into curve_observation and
// curve_latest, then bumps the curves data version, all in tx.
func (*Sink) Write(ctx context.Context, tx pgx.Tx, rows []schemas.CurveObservation) error {
	if _, err := materializer.Stage(ctx, tx, tableStaging, tableObservation, columns, newCopySource(rows)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, writeSQL); err != nil {
		return fmt.Errorf("upsert %d curve observations: %w", len(rows), err)
	}
	return nil
}

const (
	tableObservation = "curve_observation"
	tableLatest      = "curve_latest"
	tableStaging     = "curve_observation_stage"
)

// columns of curve_observation, in the order copySource yields them.
var columns = []string{
	"asof_date", "curve_key", "asset_class", "iso", "region", "location", "market", "product",
	"block", "spark_location", "price_type", "tenor_type", "tenor_label", "contract_month",
	"value", "bid", "ask", "mid", "currency", "per_unit", "units_raw", "source_file",
	"sheet_name", "version_hash", "ingest_ts",
}

// writeSQL runs as one round trip (simple protocol): the history upsert,
// the latest-per-tenor upsert, the data version bump — last, so the row
// lock on data_version that concurrent writers share is held only until
// the commit — and the staging table's removal.
var writeSQL = materializer.Upsert{
	Target: tableObservation, Columns: columns,
	Key: []string{"curve_key", "tenor_label", "asof_date", "price_type"},
}.SQL(tableStaging) + ";\n" +
	materializer.Upsert{
		Target: tableLatest, Columns: columns,
		Key:    []string{"curve_key", "tenor_label", "price_type"},
		Latest: "asof_date",
	}.SQL(tableStaging) + ";\n" +
	`UPDATE data_version SET version = version + 1, updated_at = now() WHERE dataset = 'curves';
DROP TABLE pg_temp.` + tableStaging

// copySource feeds rows to COPY without building a [][]any: one value
// slice is reused for every row (pgx encodes a row before asking for the
// next).
type copySource struct {
	rows []schemas.CurveObservation
	i    int
	vals []any
}

func newCopySource(rows []schemas.CurveObservation) *copySource {
	return &copySource{rows: rows, i: -1, vals: make([]any, len(columns))}
}

func (c *copySource) Next() bool {
	c.i++
	return c.i < len(c.rows)
}

func (c *copySource) Values() ([]any, error) {
	o := &c.rows[c.i]
	v := c.vals
	v[0] = dateOnly(o.AsofDate)
	v[1] = o.CurveKey
	v[2] = string(o.AssetClass)
	v[3], v[4], v[5], v[6], v[7], v[8], v[9] = o.ISO, o.Region, o.Location, o.Market, o.Product, o.Block, o.SparkLocation
	v[10] = string(o.PriceType)
	v[11] = string(o.TenorType)
	v[12] = o.TenorLabel
	if o.ContractMonth != nil {
		v[13] = dateOnly(*o.ContractMonth)
	} else {
		v[13] = nil
	}
	v[14], v[15], v[16], v[17] = o.Value, o.Bid, o.Ask, o.Mid
	v[18], v[19] = o.Currency, o.PerUnit
	v[20] = o.UnitsRaw
	v[21], v[22] = o.SourceFile, o.SheetName
	v[23] = o.VersionHash
	v[24] = o.IngestTS
	return v, nil
}

func (*copySource) Err() error { return nil }

// dateOnly is the calendar date of t in UTC, as COPY encodes a date from
// the time's own location.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
