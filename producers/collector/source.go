// Package collector is the one runtime every market and economic data
// collector runs on (docs/CONTRACTS.md#collectors-and-curve-files): a Source knows one provider's API; the
// runtime drives it series by series and page by page, with a client-side
// rate limit, retries with backoff that honour Retry-After, time windows
// for backfills and schedules, and a checkpoint per series committed in the
// same Kafka transaction as the records it covers, so a crash re-fetches
// and never skips or duplicates.
//
// Each source package exports a Spec (its flags, client defaults and
// constructor); the composition root lists the Specs in a Registry, which
// builds a source from a command line or from a configuration. The
// package's Example shows a source end to end.
package collector

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"
)

// Source is one provider's API as the runtime drives it.
type Source interface {
	// Name is the collector's name: the `aurum collect` argument, the
	// collector of its checkpoints and the source label of its metrics
	// ("fred", "eia", "pjm", ...).
	Name() string
	// Series lists what to collect, each with a checkpoint of its own.
	Series(ctx context.Context) ([]Series, error)
	// Fetch requests one page of series s within window w, starting at
	// cursor ("" for the first page), through g. An error wrapping
	// ErrMalformed means the provider answered with something the source
	// cannot read: nothing of the page is published and the checkpoint
	// does not move.
	Fetch(ctx context.Context, g Getter, s Series, w Window, cursor string) (Page, error)
}

// Getter is what a source's fetching uses of its *Client: the provider's
// answer to a path and a query, and the logger of the source's warnings.
// A test hands a Fetch a collectortest.Getter instead.
type Getter interface {
	Get(ctx context.Context, path string, query url.Values) ([]byte, error)
	Logger() *slog.Logger
}

// Series is one unit of collection: a FRED series, an EIA route and facet
// combination, an ISO feed and location set.
type Series struct {
	// Key names the series in its checkpoint (series_key), stable across runs.
	Key string
	// Params are what the source needs to fetch it (ids, facets, routes).
	Params map[string]string
}

// Page is what one Fetch returns.
type Page struct {
	// Records are published in one transaction with the checkpoint.
	Records []Record
	// Next is the cursor of the following page; "" when the series is
	// complete for the window.
	Next string
	// Watermark is the latest observation time the series has reached,
	// kept as the checkpoint's watermark_ts; a later run over the same
	// window starts after it.
	Watermark time.Time
}

// Record is one record to publish: a value of a schemas type on its topic,
// with its ingest_ts (if any) stamped by the source. The runtime encodes
// Value with the topic's schema and keys the record with Key.
type Record struct {
	Topic string
	Key   string
	Value any
	// Time places the record in the window, as the window and the
	// watermark measure the source: the observation's ts or interval
	// start, or whatever else the source's window bounds (the publish
	// time of an ERCOT MIS document). The runtime drops a record whose
	// Time lies outside the window it asked for, so before Since and at
	// or before the checkpoint's watermark, whatever the provider
	// returned. Zero for a record no window bounds (a catalog upsert).
	Time time.Time
}

// ErrMalformed marks a provider answer a source cannot read: truncated or
// invalid JSON or CSV, a missing field, the provider's own error body.
var ErrMalformed = errors.New("malformed provider response")
