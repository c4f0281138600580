package market

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/sqlb"
)

// statements runs one kind of query, writing its text on every call.
//
// The text depends only on which parts of a query are present, never on a
// value, so pgx prepares each text once per connection (its statement
// cache, an LRU of bounded size) and the connections of a Reader
// (store.Reads) plan it once for any parameters (a generic plan) instead
// of for each call's (a custom plan), which was half the database's work
// for a one-curve read. Writing the text costs a few microseconds, within
// the noise of a read's round trip; keeping it per shape would be a map
// whose size the clients choose. The statements are written so that their
// generic plans are right — chunks excluded when the plan starts,
// dimension indexes chosen by the filters present — and checked in tests;
// those whose generic plan would go wrong are marked custom and sent with
// their values in the text (pgx's simple protocol), planned every call.
type statements struct {
	custom bool
}

// query runs the statement build writes.
func (st *statements) query(ctx context.Context, db Querier, build func(b *sqlb.Builder)) (pgx.Rows, error) {
	b := sqlb.New()
	build(b)
	args := b.Args()
	if st.custom {
		args = append([]any{pgx.QueryExecModeSimpleProtocol}, args...)
	}
	rows, err := db.Query(ctx, b.SQL(), args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return rows, nil
}

// collect scans the rows of a statement that asked for limit+1 rows with
// scan, keeping the first limit of them. It returns them and, when a
// further row exists, the keyset of the last one kept.
func collect[T any](rows pgx.Rows, limit int, scan func(pgx.Rows, *T) error, key func(*T) []string) ([]T, []string, error) {
	defer rows.Close()
	out := make([]T, 0, min(limit, 128))
	more := false
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		out = append(out, *new(T))
		if err := scan(rows, &out[len(out)-1]); err != nil {
			return nil, nil, fmt.Errorf("scan: %w", err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read rows: %w", err)
	}
	if !more {
		return out, nil, nil
	}
	return out, key(&out[len(out)-1]), nil
}

// lateralEnd closes the LATERAL lookup of one curve's observations that
// every curve read makes. OFFSET 0 keeps the planner from flattening the
// lookup into a join, which it could run as a scan of the whole
// observation table when it misjudges how many rows a page needs.
const lateralEnd = " OFFSET 0)"
