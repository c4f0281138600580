package materializer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Stage copies src into a temporary table named staging, shaped like the
// table like (its columns, defaults and NOT NULL constraints), dropped at
// commit. A staging table of the same name left by an earlier write in the
// same transaction is replaced, so a Sink may call Stage once per Write
// even when a batch is bisected under savepoints. It returns the rows
// copied. COPY is the fastest way into PostgreSQL; the upsert from the
// staging table (see Upsert) then runs as one statement.
func Stage(ctx context.Context, tx pgx.Tx, staging, like string, columns []string, src pgx.CopyFromSource) (int64, error) {
	st, lk := pgx.Identifier{staging}.Sanitize(), pgx.Identifier{like}.Sanitize()
	ddl := fmt.Sprintf(`DROP TABLE IF EXISTS pg_temp.%s; CREATE TEMP TABLE %s (LIKE %s INCLUDING DEFAULTS) ON COMMIT DROP`, st, st, lk)
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return 0, fmt.Errorf("create staging table %s: %w", staging, err)
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{staging}, columns, src)
	if err != nil {
		return 0, fmt.Errorf("copy into %s: %w", staging, err)
	}
	return n, nil
}

// Upsert is one INSERT … SELECT … ON CONFLICT DO UPDATE from a staging
// table into a target table.
type Upsert struct {
	// Target is the table written.
	Target string
	// Columns are copied from the staging table, by name.
	Columns []string
	// Key is the conflict target: the target's primary key.
	Key []string
	// Latest, when set, keeps one staged row per Key — the one with the
	// greatest Latest column — and replaces an existing row only with one
	// whose Latest is the same or later. Used for "latest value" tables.
	Latest string
}

// SQL returns the statement reading from staging. Columns not in Key are
// updated from the incoming row.
func (u Upsert) SQL(staging string) string {
	cols := identList(u.Columns)
	key := identList(u.Key)
	target := pgx.Identifier{u.Target}.Sanitize()
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s AS t (%s) SELECT ", target, cols)
	if u.Latest != "" {
		fmt.Fprintf(&b, "DISTINCT ON (%s) ", key)
	}
	fmt.Fprintf(&b, "%s FROM pg_temp.%s", cols, pgx.Identifier{staging}.Sanitize())
	if u.Latest != "" {
		fmt.Fprintf(&b, " ORDER BY %s, %s DESC", key, pgx.Identifier{u.Latest}.Sanitize())
	}
	fmt.Fprintf(&b, " ON CONFLICT (%s) DO UPDATE SET ", key)
	first := true
	for _, c := range u.Columns {
		if slices.Contains(u.Key, c) {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		q := pgx.Identifier{c}.Sanitize()
		fmt.Fprintf(&b, "%s = EXCLUDED.%s", q, q)
	}
	if u.Latest != "" {
		l := pgx.Identifier{u.Latest}.Sanitize()
		fmt.Fprintf(&b, " WHERE EXCLUDED.%s >= t.%s", l, l)
	}
	return b.String()
}

func identList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(q, ", ")
}
