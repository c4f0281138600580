package materializer

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/deadletter"
)

// refusedRow is a row the database refused: rows[index] of the batch.
type refusedRow struct {
	index int
	why   *Rejection
}

// write upserts rows in one transaction. When the database refuses the
// data (a constraint violation), the batch is bisected under savepoints
// until the refused rows are isolated; every other row is still written in
// the same transaction and the refused ones are returned for the
// dead-letter topic. Any other error aborts the transaction and is
// returned, for the caller to retry the whole batch.
func (m *Materializer[K, R]) write(ctx context.Context, rows []R) ([]refusedRow, error) {
	var refused []refusedRow
	err := m.db.InTx(ctx, func(tx pgx.Tx) error {
		refused = refused[:0]
		return m.isolate(ctx, tx, rows, 0, &refused)
	})
	if err != nil {
		return nil, err
	}
	if len(refused) > 0 {
		m.logger.Warn("database refused rows; dead-lettering them", slog.Int("rows", len(refused)), slog.Int("batch", len(rows)))
	}
	return refused, nil
}

// isolate writes rows (rows[0] is the batch's row number offset) under a
// savepoint, splitting them in halves on a data error.
func (m *Materializer[K, R]) isolate(ctx context.Context, tx pgx.Tx, rows []R, offset int, refused *[]refusedRow) error {
	sp, err := tx.Begin(ctx) // a savepoint
	if err != nil {
		return err
	}
	werr := m.sink.Write(ctx, sp, rows)
	if werr == nil {
		return sp.Commit(ctx)
	}
	if err := sp.Rollback(ctx); err != nil {
		return errors.Join(werr, err)
	}
	reason, ok := dataError(werr)
	if !ok {
		return werr
	}
	if len(rows) == 1 {
		*refused = append(*refused, refusedRow{offset, &Rejection{
			Stage: deadletter.StageMaterialize, Reason: reason, Detail: werr.Error(),
		}})
		return nil
	}
	mid := len(rows) / 2
	if err := m.isolate(ctx, tx, rows[:mid], offset, refused); err != nil {
		return err
	}
	return m.isolate(ctx, tx, rows[mid:], offset+mid, refused)
}
