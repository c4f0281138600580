package materializer

import (
	"context"
	"errors"
	"hash/maphash"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/serde"
)

// Sink is what a stream contributes to its materialiser: how a record
// becomes a row of type R, the row's primary key K, and how a batch of rows
// is written. Implementations must be safe for concurrent use: several
// workers call them at once.
type Sink[K comparable, R any] interface {
	// Decode turns a record into a row. An error wrapping a *Rejection
	// sends the record to the dead-letter topic; any other error (registry
	// unreachable, ...) is retried with backoff.
	Decode(ctx context.Context, rec *kgo.Record) (R, error)
	// Key is the row's primary key: of several rows with the same key in a
	// batch only the last is written.
	Key(row *R) K
	// Write upserts rows, whose keys are distinct, in tx. It must be
	// idempotent: writing the same rows again leaves the same table. A
	// *pgconn.PgError of class 22 or 23 (data exception, constraint
	// violation) makes the Materializer isolate the offending rows and
	// dead-letter them; any other error is retried with backoff.
	Write(ctx context.Context, tx pgx.Tx, rows []R) error
	// Table names the table Write fills, the label of
	// aurum_records_materialized_total.
	Table() string
}

// Sharder is implemented by a Sink whose rows must share a write
// transaction when they share more than the primary key — for instance all
// as-of dates of one curve, which update the same "latest" row. Rows with
// equal Shard are written by the same transaction; without it rows are
// spread by primary key.
type Sharder[R any] interface {
	Shard(seed maphash.Seed, row *R) uint64
}

// Rejection says why a record can never be written. Returned (wrapped) by
// Sink.Decode, it sends the record to the dead-letter topic.
type Rejection struct {
	// Stage is deadletter.StageDecode, StageValidate or StageMaterialize.
	Stage string
	// Reason is a short, stable code: the aurum.error.reason header prefix
	// and the reason label of aurum_records_dead_lettered_total.
	Reason string
	// Detail is for the person reading the dead letter.
	Detail string
}

func (r *Rejection) Error() string {
	return r.Stage + ": " + r.Reason + ": " + r.Detail
}

func (r *Rejection) failure() deadletter.Failure {
	return deadletter.Failure{Reason: r.Reason, Detail: r.Detail, Stage: r.Stage}
}

// Reject returns a *Rejection.
func Reject(stage, reason, detail string) error {
	return &Rejection{Stage: stage, Reason: reason, Detail: detail}
}

// Dead-letter reasons of records that cannot be decoded.
const (
	ReasonMalformed     = "malformed"
	ReasonUnknownSchema = "unknown_schema"
)

// RejectDecode classifies an error of serde.Decode: bytes that can never
// decode become a *Rejection at the decode stage, anything else (the
// registry is unreachable) is returned as it is, to be retried.
func RejectDecode(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, serde.ErrMalformed):
		return Reject(deadletter.StageDecode, ReasonMalformed, err.Error())
	case errors.Is(err, serde.ErrUnknownSchema):
		return Reject(deadletter.StageDecode, ReasonUnknownSchema, err.Error())
	}
	return err
}
