package market

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/sqlb"
)

// statements caches the SQL text of one kind of query per shape.
//
// pgx prepares each text once per connection, and the connections of a
// Reader (store.Reads) plan it once for any parameters (a generic plan)
// instead of for each call's (a custom plan), which was half the
// database's work for a one-curve read. The statements are written so that
// their generic plans are right — chunks excluded when the plan starts,
// dimension indexes chosen by the filters' shape — and checked in tests;
// those whose generic plan would go wrong are marked custom and sent with
// their values in the text (pgx's simple protocol), planned every call.
type statements struct {
	text   sync.Map // shape → string
	custom bool
}

// query runs the statement build writes for a query of the given shape.
func (st *statements) query(ctx context.Context, db Querier, shape uint64, build func(b *sqlb.Builder)) (pgx.Rows, error) {
	b := &sqlb.Builder{}
	cached, ok := st.text.Load(shape)
	if !ok {
		b = sqlb.New()
	}
	build(b)
	if !ok {
		cached = b.SQL()
		st.text.Store(shape, cached)
	}
	args := b.Args()
	if st.custom {
		args = append([]any{pgx.QueryExecModeSimpleProtocol}, args...)
	}
	rows, err := db.Query(ctx, cached.(string), args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return rows, nil
}

// bits is a query shape under construction: one bit per present part.
type bits uint64

// set sets bit n when on.
func (s *bits) set(n uint, on bool) {
	if on {
		*s |= 1 << n
	}
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
