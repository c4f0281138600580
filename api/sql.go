package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// sqlBuilder writes a statement and collects its bound arguments. Every
// value from a request is an argument; the text only ever contains
// constants and the column names of filterColumns and dimensionColumns.
//
// A statement's text depends only on the shape of the query (which
// parameters are present), so it is built once per shape (statements):
// later requests of that shape run the same builder with sql nil, which
// only collects the arguments, in the same order.
type sqlBuilder struct {
	sql  *strings.Builder // nil: the text of this shape is cached
	args []any
}

// text appends constant SQL.
func (b *sqlBuilder) text(s string) {
	if b.sql != nil {
		b.sql.WriteString(s)
	}
}

// param binds v and returns its placeholder, for text that uses it more
// than once.
func (b *sqlBuilder) param(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// arg binds v and appends its placeholder.
func (b *sqlBuilder) arg(v any) {
	ph := b.param(v)
	b.text(ph)
}

// filters appends " AND <alias><column> = ANY($n)" for every dimension
// filter of q.
func (b *sqlBuilder) filters(q *listQuery, alias string) {
	for i, col := range filterColumns {
		if q.filters[i] == nil {
			continue
		}
		b.text(" AND " + alias + col + " = ANY(")
		b.arg(q.filters[i])
		b.text(")")
	}
}

// shape identifies the SQL text a query needs: one bit per dimension
// filter, then the other parameters that change the text.
func (q *listQuery) shape() uint64 {
	var s uint64
	for i, v := range q.filters {
		if v != nil {
			s |= 1 << i
		}
	}
	bit := func(n uint, on bool) {
		if on {
			s |= 1 << n
		}
	}
	bit(16, len(q.asof) > 0)
	bit(17, len(q.asof) > 1)
	bit(18, q.after != nil)
	bit(19, q.prefix != "")
	bit(20, q.counts)
	for i, d := range dimensionColumns {
		for _, want := range q.dims {
			bit(uint(24+i), d == want)
		}
	}
	return s
}

// statements caches the SQL text of one endpoint per query shape.
type statements struct {
	build func(b *sqlBuilder, q *listQuery)
	text  sync.Map // shape → string
}

// query runs the statement of q.
func (st *statements) query(ctx context.Context, db querier, q *listQuery) (pgx.Rows, error) {
	shape := q.shape()
	b := sqlBuilder{}
	cached, ok := st.text.Load(shape)
	if !ok {
		b.sql = &strings.Builder{}
	}
	st.build(&b, q)
	if !ok {
		cached = b.sql.String()
		st.text.Store(shape, cached)
	}
	rows, err := db.Query(ctx, cached.(string), b.args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return rows, nil
}

// querier is what the endpoints read with: the store's pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// scannedRow is a row type read from SQL.
type scannedRow interface {
	row
	scan(rows pgx.Rows) error
	key() []string
}

// collect adds the rows of a query that asked for limit+1 rows to t,
// scanning each into r: the first limit of them. It returns the keyset
// values of the last one added when there is a further row (a next page),
// else nil.
func collect(rows pgx.Rows, t *table, limit int, r scannedRow) ([]string, error) {
	defer rows.Close()
	var next []string
	for rows.Next() {
		if t.count == limit {
			next = r.key()
			break
		}
		if err := r.scan(rows); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		t.add(r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return next, nil
}
