package market

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// stageColumn is a column of a staging table: its name and type.
type stageColumn struct{ name, typ string }

// stage copies src into a temporary table named name with columns,
// dropped at commit. A staging table of the same name left by an earlier
// write in the same transaction is replaced, so a write may stage once per
// call even when the materialiser bisects a batch under savepoints. COPY
// is the fastest way into PostgreSQL; the upsert from the staging table
// then runs as one statement.
func stage(ctx context.Context, tx pgx.Tx, name string, columns []stageColumn, src pgx.CopyFromSource) error {
	defs := make([]string, len(columns))
	names := make([]string, len(columns))
	for i, c := range columns {
		defs[i] = c.name + " " + c.typ
		names[i] = c.name
	}
	ddl := fmt.Sprintf("DROP TABLE IF EXISTS pg_temp.%s; CREATE TEMP TABLE %s (%s) ON COMMIT DROP", name, name, strings.Join(defs, ", "))
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("create staging table %s: %w", name, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{name}, names, src); err != nil {
		return fmt.Errorf("copy into %s: %w", name, err)
	}
	return nil
}
