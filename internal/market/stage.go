package market

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

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

// copyInto copies n rows into the temporary table t, in the order of its
// columns, fill writing row i's fields. COPY is the fastest way into
// PostgreSQL; an upsert from the table then runs as one statement. The
// rows go in COPY's binary format, encoded here for the few types the
// stages hold (copyRow): pgx's general encoder boxed every value in an
// interface and chose its encoding per value, a third of a curve write's
// CPU in the materialiser.
func copyInto(ctx context.Context, tx pgx.Tx, t tempTable, n int, fill func(i int, r *copyRow) error) error {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	r := copyRow{buf: make([]byte, 0, len(copyHeader)+n*(2+len(t.columns)*12)+2)}
	r.buf = append(r.buf, copyHeader...)
	for i := range n {
		r.buf = binary.BigEndian.AppendUint16(r.buf, uint16(len(t.columns)))
		r.fields = 0
		if err := fill(i, &r); err != nil {
			return fmt.Errorf("copy into %s: %w", t.name, err)
		}
		if r.fields != len(t.columns) {
			return fmt.Errorf("copy into %s: row %d has %d fields, want %d", t.name, i, r.fields, len(t.columns))
		}
	}
	r.buf = append(r.buf, 0xff, 0xff) // the trailer: a field count of -1
	sql := "COPY pg_temp." + t.name + " (" + strings.Join(names, ", ") + ") FROM STDIN (FORMAT binary)"
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(r.buf), sql); err != nil {
		return fmt.Errorf("copy into %s: %w", t.name, err)
	}
	return nil
}

// copyHeader starts a binary COPY stream: the signature, no flags, no
// header extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyRow appends the fields of one row of a binary COPY stream: each its
// length in bytes, -1 for NULL, then its value in the type's binary
// representation (network byte order).
type copyRow struct {
	buf    []byte
	fields int
}

func (r *copyRow) field(size int) {
	r.fields++
	r.buf = binary.BigEndian.AppendUint32(r.buf, uint32(size))
}

func (r *copyRow) null() { r.field(-1) }

// timestamptz appends t as microseconds since postgresEpoch.
func (r *copyRow) timestamptz(t time.Time) {
	r.field(8)
	r.buf = binary.BigEndian.AppendUint64(r.buf, uint64(t.UnixMicro()-postgresEpoch.UnixMicro()))
}

// date appends the day of t in UTC (Date) as days since postgresEpoch.
func (r *copyRow) date(t time.Time) {
	r.field(4)
	days := (Date(t).Unix() - postgresEpoch.Unix()) / 86400
	r.buf = binary.BigEndian.AppendUint32(r.buf, uint32(int32(days)))
}

func (r *copyRow) float8(f float64) {
	r.field(8)
	r.buf = binary.BigEndian.AppendUint64(r.buf, math.Float64bits(f))
}

func (r *copyRow) int4(v int32) {
	r.field(4)
	r.buf = binary.BigEndian.AppendUint32(r.buf, uint32(v))
}

func (r *copyRow) boolean(b bool) {
	r.field(1)
	if b {
		r.buf = append(r.buf, 1)
	} else {
		r.buf = append(r.buf, 0)
	}
}

func (r *copyRow) text(s string) {
	r.field(len(s))
	r.buf = append(r.buf, s...)
}

// optional appends v with add, or NULL when v is nil.
func optional[T any](r *copyRow, v *T, add func(*copyRow, T)) {
	if v == nil {
		r.null()
		return
	}
	add(r, *v)
}

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
