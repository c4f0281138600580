package collector_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/producers/collector"
)

func TestCSV(t *testing.T) {
	t.Parallel()
	rows := collector.NewCSV([]byte("\ufeff Time , Price\n1,2\n\n  \n3\n\"4\",5,6\n"))
	header, err := rows.Header()
	if err != nil || !slices.Equal(header, []string{"Time", "Price"}) {
		t.Fatalf("header %q, %v", header, err)
	}
	var got []string
	for line, row := range rows.Rows() {
		got = append(got, fmt.Sprintf("%s@%d", strings.Join(row, "|"), line))
	}
	// Records are numbered, not lines: encoding/csv passes over empty
	// lines, Rows over a line of spaces (counted). Records may differ in
	// length.
	if want := []string{"1|2@2", "3@4", "4|5|6@5"}; !slices.Equal(got, want) || rows.Err() != nil {
		t.Fatalf("rows %q, err %v; want %q", got, rows.Err(), want)
	}

	if _, err := collector.NewCSV(nil).Header(); !errors.Is(err, collector.ErrMalformed) {
		t.Errorf("empty answer: %v, want ErrMalformed", err)
	}
	bad := collector.NewCSV([]byte("a,b\n1,2\n3,\"4\n"))
	if _, err := bad.Header(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for range bad.Rows() {
		n++
	}
	if err := bad.Err(); n != 1 || !errors.Is(err, collector.ErrMalformed) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("unterminated quote: %d rows, %v; want 1 row, then ErrMalformed naming line 3", n, err)
	}
	// A consumer that stops early stops the reading.
	early := collector.NewCSV([]byte("1\n2\n3\n"))
	for line := range early.Rows() {
		if line == 2 {
			break
		}
	}
	if rest := slices.Collect(func(yield func([]string) bool) {
		for _, row := range early.Rows() {
			if !yield(row) {
				return
			}
		}
	}); len(rest) != 1 || rest[0][0] != "3" {
		t.Errorf("after stopping at line 2, rows %q; want [[3]]", rest)
	}
}
