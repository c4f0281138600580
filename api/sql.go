package api

import (
	"fmt"
	"strconv"
	"strings"

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
