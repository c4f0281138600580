package series

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
)

// CatalogSink decodes, validates and writes series metadata into the
// catalog columns of ext_series. It is the materializer.Sink of
// aurum.ext.series_catalog.upsert.v1.
type CatalogSink struct {
	serde *serde.Serde
}

// NewCatalogSink returns the catalog Sink decoding with s.
func NewCatalogSink(s *serde.Serde) *CatalogSink { return &CatalogSink{serde: s} }

// catalogKey is a catalog record's identity within a batch: the series and
// the version of its metadata. updated_ts is part of it so that, of two
// updates of one series in a batch, the database — not the order of the
// records — keeps the newer (market.WriteCatalog).
type catalogKey struct {
	provider schemas.Provider
	seriesID string
	updated  int64 // Unix microseconds
}

// Table is the label of aurum_records_materialized_total (tableCatalog).
func (*CatalogSink) Table() string { return tableCatalog }

// Key returns the row's key (see catalogKey).
func (*CatalogSink) Key(c *schemas.ExtSeriesCatalogUpsert) catalogKey {
	return catalogKey{c.Provider, c.SeriesID, c.UpdatedTS.UnixMicro()}
}

// Shard keeps every update of a series in one write transaction.
func (*CatalogSink) Shard(seed maphash.Seed, c *schemas.ExtSeriesCatalogUpsert) uint64 {
	return maphash.String(seed, string(c.Provider)+"\x00"+c.SeriesID)
}

// Decode decodes a record of any registered ExtSeriesCatalogUpsert schema
// and validates it: a known provider, a series, a title and updated_ts.
func (s *CatalogSink) Decode(ctx context.Context, rec *kgo.Record) (schemas.ExtSeriesCatalogUpsert, error) {
	var c schemas.ExtSeriesCatalogUpsert
	if err := s.serde.Decode(ctx, rec.Topic, rec.Value, &c); err != nil {
		return c, materializer.RejectDecode(err)
	}
	if err := validateIdentity(c.Provider, c.SeriesID); err != nil {
		return c, err
	}
	switch {
	case strings.TrimSpace(c.Title) == "":
		return c, reject(ReasonMissingField, "title is required")
	case c.UpdatedTS.IsZero():
		return c, reject(ReasonMissingField, "updated_ts is required")
	case c.FirstTS != nil && c.LastTS != nil && c.LastTS.Before(*c.FirstTS):
		return c, reject(ReasonInvalidValue, fmt.Sprintf("last_ts %s is before first_ts %s", c.LastTS, c.FirstTS))
	}
	return c, nil
}

// Write writes rows to the catalog columns of ext_series
// (market.WriteCatalog) in tx: a series' metadata is its newest record's,
// an older record changes nothing but the span, and first_ts/last_ts are
// widened to every record seen.
func (*CatalogSink) Write(ctx context.Context, tx pgx.Tx, rows []schemas.ExtSeriesCatalogUpsert) error {
	return market.WriteCatalog(ctx, tx, rows)
}

// tableCatalog is the label of aurum_records_materialized_total: the
// catalog's, from when it was a table of its own, so that dashboards keep
// their series.
const tableCatalog = "ext_series_catalog"
