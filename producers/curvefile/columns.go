package curvefile

import (
	"errors"
	"fmt"
	"strings"
)

// ErrLayout is matched by every *LayoutError with errors.Is.
var ErrLayout = errors.New("bad curve file layout")

// LayoutError says why a file's header row cannot be loaded: columns that
// name no CurveObservation field, columns it needs and lacks, or a column
// named twice. The whole file is refused; no row of it is published.
type LayoutError struct {
	Unknown   []string
	Missing   []string
	Duplicate []string
}

func (e *LayoutError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown columns: "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required columns: "+strings.Join(e.Missing, ", "))
	}
	if len(e.Duplicate) > 0 {
		parts = append(parts, "columns named twice: "+strings.Join(e.Duplicate, ", "))
	}
	return "curve file layout: " + strings.Join(parts, "; ") +
		" (columns are " + strings.Join(columnNames[:], ", ") + ")"
}

// Is lets errors.Is(err, ErrLayout) match.
func (e *LayoutError) Is(target error) bool { return target == ErrLayout }

// column is the CurveObservation field a file column fills.
type column int

// The columns of docs/CONTRACTS.md#collectors-and-curve-files, in the order of CurveObservation.
const (
	colAsofDate column = iota
	colAssetClass
	colISO
	colRegion
	colLocation
	colMarket
	colProduct
	colBlock
	colSparkLocation
	colPriceType
	colTenorType
	colTenorLabel
	colContractMonth
	colValue
	colBid
	colAsk
	colMid
	colCurrency
	colPerUnit
	colUnitsRaw
	numColumns
)

// columnNames are the header names of the columns, indexed by column.
var columnNames = [numColumns]string{
	"asof_date", "asset_class", "iso", "region", "location", "market", "product", "block",
	"spark_location", "price_type", "tenor_type", "tenor_label", "contract_month",
	"value", "bid", "ask", "mid", "currency", "per_unit", "units_raw",
}

var columnByName = func() map[string]column {
	m := make(map[string]column, numColumns)
	for c, name := range columnNames {
		m[name] = column(c)
	}
	return m
}()

// layout maps a file's columns to fields.
type layout struct {
	// names are the header cells, trimmed and lower-cased, by file column.
	names []string
	// index is the file column of each field, -1 when the file lacks it.
	index [numColumns]int
}

// newLayout reads a header row. Names are matched trimmed and without
// regard to case; columns with an empty name are ignored (spreadsheets
// often carry blank trailing columns), but a value under one makes its row
// bad.
func newLayout(header []string) (*layout, error) {
	l := &layout{names: make([]string, len(header))}
	for i := range l.index {
		l.index[i] = -1
	}
	var lerr LayoutError
	for i, cell := range header {
		if i == 0 {
			cell = strings.TrimPrefix(cell, "\uFEFF") // byte-order mark of Excel CSVs
		}
		name := strings.ToLower(strings.TrimSpace(cell))
		l.names[i] = name
		if name == "" {
			continue
		}
		c, ok := columnByName[name]
		switch {
		case !ok:
			lerr.Unknown = append(lerr.Unknown, fmt.Sprintf("%q", strings.TrimSpace(cell)))
		case l.index[c] >= 0:
			lerr.Duplicate = append(lerr.Duplicate, name)
		default:
			l.index[c] = i
		}
	}
	for _, c := range []column{colAsofDate, colAssetClass, colPriceType, colTenorType, colTenorLabel} {
		if l.index[c] < 0 {
			lerr.Missing = append(lerr.Missing, columnNames[c])
		}
	}
	if !l.has(colValue) && !l.has(colBid) && !l.has(colAsk) && !l.has(colMid) {
		lerr.Missing = append(lerr.Missing, "one of value, bid, ask, mid")
	}
	if !l.has(colUnitsRaw) && (!l.has(colCurrency) || !l.has(colPerUnit)) {
		lerr.Missing = append(lerr.Missing, "units_raw (or both currency and per_unit)")
	}
	if len(lerr.Unknown)+len(lerr.Missing)+len(lerr.Duplicate) > 0 {
		return nil, &lerr
	}
	return l, nil
}

func (l *layout) has(c column) bool { return l.index[c] >= 0 }

// cell returns the trimmed value of field c in row, "" when the file lacks
// the column or the row is short (spreadsheets drop trailing empty cells).
func (l *layout) cell(row []string, c column) string {
	i := l.index[c]
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// stray returns the file column of the first non-empty cell that has no
// named column (beyond the header or under an empty name), or -1.
func (l *layout) stray(row []string) int {
	for i, v := range row {
		if (i >= len(l.names) || l.names[i] == "") && strings.TrimSpace(v) != "" {
			return i
		}
	}
	return -1
}
