package series

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/schemas"
)

// CatalogSink decodes, validates and writes series metadata into
// ext_series_catalog. It is the materializer.Sink of
// aurum.ext.series_catalog.upsert.v1.
type CatalogSink struct {
	serde *serde.Serde
}

// NewCatalogSink returns the catalog Sink decoding with s.
func NewCatalogSink(s *serde.Serde) *CatalogSink { return &CatalogSink{serde: s} }

// catalogKey is a catalog record's identity within a batch: the series and
// the version of its metadata. updated_ts is part of it so that, of two
// updates of one series in a batch, the database — not the order of the
// records — keeps the newer (Upsert.Latest).
type catalogKey struct {
	provider schemas.Provider
	seriesID string
	updated  int64 // Unix microseconds
}

// Table is the table of aurum_records_materialized_total.
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

// Write stages rows with COPY and upserts them into ext_series_catalog,
// replacing a row only with one updated at the same time or later (its
// first_ts/last_ts widened to every range seen), then bumps the series data
// version, in tx.
func (*CatalogSink) Write(ctx context.Context, tx pgx.Tx, rows []schemas.ExtSeriesCatalogUpsert) error {
	if _, err := materializer.Stage(ctx, tx, tableCatalogStaging, tableCatalog, catalogColumns, &catalogCopySource{rows: rows, i: -1}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, catalogWriteSQL); err != nil {
		return fmt.Errorf("upsert %d catalog entries: %w", len(rows), err)
	}
	return nil
}

const (
	tableCatalog        = "ext_series_catalog"
	tableCatalogStaging = "ext_series_catalog_stage"
)

var catalogColumns = []string{
	"provider", "series_id", "title", "unit", "frequency", "geo_id", "dataset",
	"description", "source_url", "first_ts", "last_ts", "updated_ts",
}

// widenSQL makes each staged row's first_ts/last_ts cover what is already
// known of its series and every staged row of it: collectors send one
// catalog record per page, each spanning only that page, and the catalog
// must span them all.
const widenSQL = `UPDATE pg_temp.` + tableCatalogStaging + ` s
SET first_ts = w.first_ts, last_ts = w.last_ts
FROM (
    SELECT provider, series_id, min(first_ts) AS first_ts, max(last_ts) AS last_ts
    FROM (
        SELECT provider, series_id, first_ts, last_ts FROM pg_temp.` + tableCatalogStaging + `
        UNION ALL
        SELECT c.provider, c.series_id, c.first_ts, c.last_ts
        FROM ` + tableCatalog + ` c
        JOIN (SELECT DISTINCT provider, series_id FROM pg_temp.` + tableCatalogStaging + `) k
          ON k.provider = c.provider AND k.series_id = c.series_id
    ) u
    GROUP BY provider, series_id
) w
WHERE s.provider = w.provider AND s.series_id = w.series_id`

var catalogWriteSQL = widenSQL + ";\n" + materializer.Upsert{
	Target: tableCatalog, Columns: catalogColumns,
	Key:    []string{"provider", "series_id"},
	Latest: "updated_ts",
}.SQL(tableCatalogStaging) + ";\n" + bumpVersion + ";\nDROP TABLE pg_temp." + tableCatalogStaging

type catalogCopySource struct {
	rows []schemas.ExtSeriesCatalogUpsert
	i    int
}

func (c *catalogCopySource) Next() bool {
	c.i++
	return c.i < len(c.rows)
}

func (c *catalogCopySource) Values() ([]any, error) {
	r := &c.rows[c.i]
	return []any{
		string(r.Provider), r.SeriesID, r.Title, r.Unit, r.Frequency, r.GeoID, r.Dataset,
		r.Description, r.SourceURL, r.FirstTS, r.LastTS, r.UpdatedTS,
	}, nil
}

func (*catalogCopySource) Err() error { return nil }
