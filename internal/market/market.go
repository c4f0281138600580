// Package market owns the market-data tables and their SQL: forward curves,
// ISO prices and load, external series. The materialisers write through it
// (WriteCurves, WriteISO, WriteObservations, WriteCatalog), the
// API and the scenario worker read through a Reader. Nothing else names a
// market table.
//
// # Model
//
// Each dataset is narrow facts beside small dimension tables: a curve,
// an ISO location or load area, a series is one row with its identity and
// descriptive columns under a compact integer id, and an observation row
// holds that id, its time and what was measured (see the migrations in
// internal/store). Public identities — curve_key, (iso, location_id),
// (provider, series_id) — are columns of the dimension rows; readers never
// see the ids. Under TimescaleDB the fact tables are hypertables compressed
// per dimension id; on plain PostgreSQL they are ordinary tables with the
// same columns and indexes, and every statement here runs on both.
//
// # Writes
//
// A write stages its rows with COPY and upserts them in one statement that
// skips rows whose content did not change: reloading identical data writes
// no row version and leaves the dataset's data version alone, so caches
// stay warm; a changed value rewrites that row only and bumps the version.
//
// # Reads
//
// Every read is one statement, one round trip, paged by keyset: a Page
// carries the keyset of the previous page's last row, and each read
// returns the keyset of its own last row when more rows follow.
package market

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier runs statements: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Datasets: the data_version rows the writes bump and readers fold into
// their cache keys.
const (
	DatasetCurves = "curves"
	DatasetISO    = "iso"
	DatasetSeries = "series"
)

// Page is one page of a keyset-paginated read.
type Page struct {
	// Limit is the number of rows wanted; at least 1.
	Limit int
	// After is the keyset of the last row of the previous page, as a read
	// returned it; nil for the first page.
	After []string
}

// ErrNotFound is returned by reads of one named thing (a series) that
// Aurum does not know.
var ErrNotFound = errors.New("not found")

// Reader reads market data. It is safe for concurrent use.
type Reader struct {
	db Querier
	// stripBatch is the number of monthly rows a strips read of a page of
	// limit strips fetches per round trip.
	stripBatch   func(limit int) int
	curves       statements
	asofs        statements // several dates: custom plans
	diffs        statements
	months       statements
	dims         statements
	lmp          statements
	buckets      statements
	series       statements
	observations statements
}

// NewReader returns a Reader querying db, usually the store's pool.
func NewReader(db Querier) *Reader {
	return &Reader{db: db, stripBatch: stripBatch, asofs: statements{custom: true}}
}

// stripBatch is how many monthly rows a strips read fetches per round
// trip: a page of n strips needs up to 12·(n+1) rows, more when strips are
// incomplete, and a batch ends in the middle of a strip at worst.
func stripBatch(limit int) int { return max(1000, 13*(limit+1)) }

// WithStripBatch returns a Reader like r that reads strips in batches of n
// monthly rows whatever the page size (tests make it small to cross batch
// boundaries).
func (r *Reader) WithStripBatch(n int) *Reader {
	c := NewReader(r.db)
	c.stripBatch = func(int) int { return n }
	return c
}

// Date is the calendar date of t in UTC, as a date column stores it (COPY
// encodes a date from the time's own location) and as the records carry
// their dates.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// bumpVersion adds one to dataset's data version when changed, in tx.
// Concurrent writers of a dataset share its data_version row: a write
// bumps it last, as a statement of its own just before the commit, so
// that the row lock is held only for the commit. (Bumped inside the
// write's statement, the lock was taken at its start — a data-modifying
// CTE completes after the main statement — and serialised the writers.)
func bumpVersion(ctx context.Context, tx pgx.Tx, dataset string, changed bool) error {
	if !changed {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE data_version SET version = version + 1, updated_at = now() WHERE dataset = $1`, dataset); err != nil {
		return fmt.Errorf("bump the %s data version: %w", dataset, err)
	}
	return nil
}
