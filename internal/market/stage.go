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
