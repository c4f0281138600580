package market

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tempTable is a temporary table a write stages rows in.
type tempTable struct {
	name    string
	columns []column
}

// column is a column of a temporary table: its name and type.
type column struct{ name, typ string }

// tempTables creates the temporary tables, dropped at commit, in one round
// trip. Tables of the same names left by an earlier write in the same
// transaction are replaced, so a write may create its tables on every call
// even when the materialiser bisects a batch under savepoints.
func tempTables(ctx context.Context, tx pgx.Tx, tables ...tempTable) error {
	var ddl strings.Builder
	for _, t := range tables {
		defs := make([]string, len(t.columns))
		for i, c := range t.columns {
			defs[i] = c.name + " " + c.typ
		}
		fmt.Fprintf(&ddl, "DROP TABLE IF EXISTS pg_temp.%s; CREATE TEMP TABLE %s (%s) ON COMMIT DROP;\n",
			t.name, t.name, strings.Join(defs, ", "))
	}
	if _, err := tx.Exec(ctx, ddl.String()); err != nil {
		return fmt.Errorf("create temporary tables: %w", err)
	}
	return nil
}

// copyInto copies src into the temporary table t, in the order of its
// columns. COPY is the fastest way into PostgreSQL; an upsert from the
// table then runs as one statement.
func copyInto(ctx context.Context, tx pgx.Tx, t tempTable, src pgx.CopyFromSource) error {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, names, src); err != nil {
		return fmt.Errorf("copy into %s: %w", t.name, err)
	}
	return nil
}

// copyRows feeds n rows to COPY through values, which fills row i's values
// into a slice reused for every row (pgx encodes a row before asking for
// the next), so a write builds no [][]any and copies no record.
type copyRows struct {
	n, i   int
	vals   []any
	values func(i int, vals []any) error
}

// newCopyRows returns a CopyFromSource of n rows, width values each.
func newCopyRows(n, width int, values func(i int, vals []any) error) *copyRows {
	return &copyRows{n: n, i: -1, vals: make([]any, width), values: values}
}

func (c *copyRows) Next() bool {
	c.i++
	return c.i < c.n
}

func (c *copyRows) Values() ([]any, error) {
	if err := c.values(c.i, c.vals); err != nil {
		return nil, err
	}
	return c.vals, nil
}

func (*copyRows) Err() error { return nil }

// dimKey is the public identity of a dimension row: an ISO code and a
// location or area, or a provider and a series.
type dimKey struct{ scope, name string }

// readIDs reads the rows of a dimension upsert — id, scope, name, and
// whether the statement wrote the row — into ids by identity, and reports
// whether any row was written.
func readIDs(rows pgx.Rows) (map[dimKey]int32, bool, error) {
	ids := map[dimKey]int32{}
	wrote := false
	var (
		id int32
		k  dimKey
		w  bool
	)
	_, err := pgx.ForEachRow(rows, []any{&id, &k.scope, &k.name, &w}, func() error {
		ids[k] = id
		wrote = wrote || w
		return nil
	})
	return ids, wrote, err
}

// compareKeys orders dimension identities.
func compareKeys(a, b dimKey) int {
	if c := strings.Compare(a.scope, b.scope); c != 0 {
		return c
	}
	return strings.Compare(a.name, b.name)
}
