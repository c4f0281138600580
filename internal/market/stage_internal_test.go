package market

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
)

// TestCopyIntoBinary: every type the stages hold reads back as it was
// written through copyInto's binary encoding — NULLs, dates and
// timestamps before PostgreSQL's epoch and far after it, sub-microsecond
// times (truncated, as pgx does), non-finite floats, empty and non-ASCII
// text — and a row with the wrong number of fields is an error, not a
// misaligned stream.
func TestCopyIntoBinary(t *testing.T) {
	t.Parallel()
	st := storetest.Migrated(t, store.Config{})
	stage := tempTable{name: "copy_probe", columns: []column{
		{"n", "int4"}, {"ts", "timestamptz"}, {"day", "date"}, {"f", "float8"}, {"s", "text"}, {"b", "bool"},
	}}
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	num := func(f float64) *float64 { return &f }
	str := func(s string) *string { return &s }
	rows := []row{
		{n: 1},
		{n: 2, ts: at("2026-10-02T18:00:00.123456789Z"), day: at("2026-10-02T00:00:00Z"), f: num(42.5), s: str("MISO"), b: true},
		{n: 3, ts: at("1950-01-01T00:00:00.000001Z"), day: at("1950-01-31T00:00:00Z"), f: num(-0.25), s: str("")},
		{n: 4, ts: at("9999-12-31T23:59:59.999999Z"), day: at("9999-12-31T00:00:00Z"), f: num(math.Inf(-1)), s: str("Zürich 東京")},
		{n: 5, ts: at("1999-12-31T23:59:59.5+02:00"), day: at("2000-01-01T23:00:00-02:00"), f: num(math.NaN())},
	}
	ctx := context.Background()
	var got []row
	err := st.InTx(ctx, func(tx pgx.Tx) error {
		if err := tempTables(ctx, tx, stage); err != nil {
			return err
		}
		wrong := copyInto(ctx, tx, stage, 1, func(int, *copyRow) error { return nil })
		if wrong == nil {
			t.Error("copyInto accepted a row of no fields")
		}
		if err := copyInto(ctx, tx, stage, len(rows), func(i int, r *copyRow) error {
			w := rows[i]
			r.int4(w.n)
			optional(r, w.ts, (*copyRow).timestamptz)
			optional(r, w.day, (*copyRow).date)
			optional(r, w.f, (*copyRow).float8)
			optional(r, w.s, (*copyRow).text)
			r.boolean(w.b)
			return nil
		}); err != nil {
			return err
		}
		res, err := tx.Query(ctx, `SELECT n, ts, day, f, s, b FROM copy_probe ORDER BY n`)
		if err != nil {
			return err
		}
		got, err = pgx.CollectRows(res, func(r pgx.CollectableRow) (row, error) {
			var w row
			err := r.Scan(&w.n, &w.ts, &w.day, &w.f, &w.s, &w.b)
			return w, err
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for i, want := range rows {
		g := got[i]
		if want.ts != nil {
			want.ts = ptrTo(want.ts.Truncate(time.Microsecond))
		}
		if want.day != nil {
			want.day = ptrTo(Date(*want.day))
		}
		if g.String() != want.String() {
			t.Errorf("row %d read back as %s, want %s", want.n, g, want)
		}
	}
}

// row is a row of copy_probe.
type row struct {
	n       int32
	ts, day *time.Time
	f       *float64
	s       *string
	b       bool
}

// String spells every field of r, times in UTC, so that two rows are
// equal when their strings are (NaN included).
func (r row) String() string {
	return fmt.Sprintf("{%d %s %s %s %s %t}", r.n, instant(r.ts), instant(r.day), deref(r.f), deref(r.s), r.b)
}

func instant(t *time.Time) string {
	if t == nil {
		return "NULL"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func deref[T any](p *T) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprint(*p)
}

func ptrTo[T any](v T) *T { return &v }
