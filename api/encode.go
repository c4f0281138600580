package api

import (
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aurum-energy/aurum/internal/calendar"
)

// row is one row of a list response. cells names and writes its columns,
// in order, to w; the same method writes the CSV header (w in header mode),
// so the JSON members and the CSV columns cannot drift apart.
type row interface {
	cells(w *cellWriter)
}

// cellMode is what a cellWriter writes.
type cellMode uint8

const (
	modeJSON cellMode = iota
	modeCSV
	modeHeader
)

// cellWriter appends the cells of rows to buf as a JSON object or a CSV
// record. Rows are encoded by hand rather than with encoding/json: list
// responses are the API's hot path and this avoids reflection and an
// allocation per field.
type cellWriter struct {
	mode  cellMode
	buf   []byte
	first bool
	// repeats are the runs of cells that consecutive rows share (repeat).
	repeats [maxRepeats]repeated
}

// repeated is where in buf the cells of slot were written for the row
// whose shared values are named id.
type repeated struct {
	id       string
	from, to int
}

// maxRepeats is the number of runs of shared cells a row may have.
const maxRepeats = 3

// repeat writes a run of cells, the slot-th of the row, whose values are
// those of every row sharing id — a curve's identity on each of its
// points: the first time with write, then for as long as id does not
// change by copying what write wrote. Rows are the API's hot path; a page
// holds a curve's many points in a row.
func (w *cellWriter) repeat(slot int, id string, write func()) {
	r := &w.repeats[slot]
	if w.mode != modeHeader && r.id == id && r.to > r.from {
		// A row's first run has no separator before it; a later run always
		// has one, so the copy is right wherever the run sits.
		w.buf = append(w.buf, w.buf[r.from:r.to]...)
		w.first = false
		return
	}
	from := len(w.buf)
	write()
	if w.mode != modeHeader {
		*r = repeated{id: id, from: from, to: len(w.buf)}
	}
}

// name starts a cell.
func (w *cellWriter) name(n string) {
	switch w.mode {
	case modeJSON:
		if !w.first {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, '"')
		w.buf = append(w.buf, n...)
		w.buf = append(w.buf, '"', ':')
	case modeCSV, modeHeader:
		if !w.first {
			w.buf = append(w.buf, ',')
		}
		if w.mode == modeHeader {
			w.buf = append(w.buf, n...)
		}
	}
	w.first = false
}

// null writes an absent value: JSON null, an empty CSV field.
func (w *cellWriter) null() {
	if w.mode == modeJSON {
		w.buf = append(w.buf, "null"...)
	}
}

func (w *cellWriter) str(n, v string) {
	w.name(n)
	switch w.mode {
	case modeJSON:
		w.buf = appendJSONString(w.buf, v)
	case modeCSV:
		w.buf = appendCSVField(w.buf, v)
	}
}

func (w *cellWriter) optStr(n string, v *string) {
	if v == nil {
		w.name(n)
		w.null()
		return
	}
	w.str(n, *v)
}

func (w *cellWriter) num(n string, v float64) {
	w.name(n)
	if w.mode == modeHeader {
		return
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		w.null()
		return
	}
	// 'f' keeps CSV numbers plain (no exponent) and is valid JSON.
	w.buf = strconv.AppendFloat(w.buf, v, 'f', -1, 64)
}

func (w *cellWriter) optNum(n string, v *float64) {
	if v == nil {
		w.name(n)
		w.null()
		return
	}
	w.num(n, *v)
}

func (w *cellWriter) integer(n string, v int64) {
	w.name(n)
	if w.mode != modeHeader {
		w.buf = strconv.AppendInt(w.buf, v, 10)
	}
}

// date writes a calendar date, YYYY-MM-DD.
func (w *cellWriter) date(n string, v time.Time) {
	w.name(n)
	switch w.mode {
	case modeJSON:
		w.buf = append(w.buf, '"')
		w.buf = calendar.AppendDate(w.buf, v)
		w.buf = append(w.buf, '"')
	case modeCSV:
		w.buf = calendar.AppendDate(w.buf, v)
	}
}

func (w *cellWriter) optDate(n string, v *time.Time) {
	if v == nil {
		w.name(n)
		w.null()
		return
	}
	w.date(n, *v)
}

// strList writes a list of strings: a JSON array, or the values separated
// by spaces in one CSV field.
func (w *cellWriter) strList(n string, vs []string) {
	w.name(n)
	switch w.mode {
	case modeJSON:
		w.buf = append(w.buf, '[')
		for i, v := range vs {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = appendJSONString(w.buf, v)
		}
		w.buf = append(w.buf, ']')
	case modeCSV:
		size := 0
		for _, v := range vs {
			size += len(v) + 1
		}
		joined := make([]byte, 0, size)
		for i, v := range vs {
			if i > 0 {
				joined = append(joined, ' ')
			}
			joined = append(joined, v...)
		}
		w.buf = appendCSVField(w.buf, string(joined))
	}
}

// table accumulates the rows of one page in one format: a JSON array, or
// CSV records after a header record (RFC 4180, CRLF line ends).
type table struct {
	w     cellWriter
	count int
}

// newTable starts a page of rows like header (whose values are ignored).
func newTable(f format, header row) *table {
	t := &table{}
	t.w.buf = make([]byte, 0, 4096)
	if f == formatCSV {
		t.w.mode, t.w.first = modeHeader, true
		header.cells(&t.w)
		t.w.buf = append(t.w.buf, '\r', '\n')
		t.w.mode = modeCSV
		return t
	}
	t.w.buf = append(t.w.buf, '[')
	return t
}

// add appends a row.
func (t *table) add(r row) {
	t.w.first = true
	if t.w.mode == modeJSON {
		if t.count > 0 {
			t.w.buf = append(t.w.buf, ',')
		}
		t.w.buf = append(t.w.buf, '{')
		r.cells(&t.w)
		t.w.buf = append(t.w.buf, '}')
	} else {
		r.cells(&t.w)
		t.w.buf = append(t.w.buf, '\r', '\n')
	}
	t.count++
}

// tableMark is a position in a table to roll back to.
type tableMark struct{ size, count int }

// mark returns the table's current position.
func (t *table) mark() tableMark { return tableMark{len(t.w.buf), t.count} }

// rollback removes the rows added since m.
func (t *table) rollback(m tableMark) { t.w.buf, t.count = t.w.buf[:m.size], m.count }

// size is the number of bytes of the rows so far.
func (t *table) size() int { return len(t.w.buf) }

// grow makes room for n more bytes of rows.
func (t *table) grow(n int) { t.w.buf = slices.Grow(t.w.buf, n) }

// bytes ends the page and returns its encoding.
func (t *table) bytes() []byte {
	if t.w.mode == modeJSON {
		t.w.buf = append(t.w.buf, ']')
	}
	return t.w.buf
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; U+2028 and U+2029 are escaped so the output is also valid
// JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
