package api

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

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
	return collectWithin(rows, t, limit, 0, r)
}

// collectWithin is collect with a budget of maxBytes for the page's rows (0:
// none): a row that would take the page beyond it is left for the next page,
// so a page of large rows ends early with a cursor. A page holds at least
// one row, however large.
func collectWithin(rows pgx.Rows, t *table, limit, maxBytes int, r scannedRow) ([]string, error) {
	defer rows.Close()
	var next, kept []string
	for rows.Next() {
		if t.count == limit {
			next = r.key()
			break
		}
		if err := r.scan(rows); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		if maxBytes == 0 {
			t.add(r)
			continue
		}
		m := t.mark()
		t.add(r)
		if t.size() > maxBytes && t.count > 1 {
			t.rollback(m)
			next = kept
			break
		}
		kept = r.key()
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return next, nil
}
