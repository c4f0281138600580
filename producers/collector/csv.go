package collector

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// CSV reads a provider's CSV answer record by record, numbering them from
// 1 (the header, when Header reads one) — records, not lines: encoding/csv
// passes over empty lines and a quoted cell may span several. Records may
// differ in length: each parser checks the cells it needs. Build it with
// NewCSV. It is the one loop of the ISO parsers over a CSV answer.
type CSV struct {
	r    *csv.Reader
	line int
	err  error
}

// NewCSV reads body, a whole CSV answer.
func NewCSV(body []byte) *CSV {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	return &CSV{r: r}
}

// Header reads the first record, its cells trimmed of spaces and of a
// leading byte-order mark. An empty answer or one whose first line cannot
// be read is an error wrapping ErrMalformed.
func (c *CSV) Header() ([]string, error) {
	header, err := c.r.Read()
	c.line++
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: empty csv", ErrMalformed)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: csv header: %v", ErrMalformed, err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	return header, nil
}

// Rows yields the records after those already read with their line
// numbers, passing over blank lines. It ends at the end of the answer or
// at a record it cannot read, which Err then reports.
func (c *CSV) Rows() iter.Seq2[int, []string] {
	return func(yield func(int, []string) bool) {
		for c.err == nil {
			row, err := c.r.Read()
			c.line++
			switch {
			case errors.Is(err, io.EOF):
				return
			case err != nil:
				c.err = fmt.Errorf("%w: csv line %d: %v", ErrMalformed, c.line, err)
				return
			case len(row) == 1 && strings.TrimSpace(row[0]) == "":
				continue
			}
			if !yield(c.line, row) {
				return
			}
		}
	}
}

// Err is the error that ended Rows before the end of the answer, wrapping
// ErrMalformed; nil when it read to the end.
func (c *CSV) Err() error { return c.err }
