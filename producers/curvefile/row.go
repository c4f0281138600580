package curvefile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/units"
	"github.com/aurum-energy/aurum/schemas"
)

// Quarantine reasons of rows the loader cannot even turn into an
// observation; rows that parse but break the contract carry the reasons of
// package curve (missing_units, no_price, invalid_enum, ...).
const (
	ReasonBadNumber = "bad_number" // a price cell is not a finite number
	ReasonBadDate   = "bad_date"   // a date cell is not YYYY-MM-DD
	ReasonBadRow    = "bad_row"    // the row does not fit the header or the file format
)

// rowError says why a row is quarantined.
type rowError struct {
	reason string
	detail string
}

// parser turns rows into observations. It reuses one observation, and the
// storage its optional fields point to, for every row: the loader encodes
// each observation before asking for the next.
type parser struct {
	layout   *layout
	source   string // base name of the file
	sheet    string
	excel    bool // dates may be Excel serial numbers
	date1904 bool
	ingest   time.Time

	buf   obsBuf
	keys  map[curve.Identity]string
	units map[unitCells]unitResult
	dates [2]dateMemo // asof_date, contract_month
}

// obsBuf is an observation and the values its pointer fields point to.
type obsBuf struct {
	o                                                    schemas.CurveObservation
	iso, region, location, market, product, block, spark string
	contractMonth                                        time.Time
	value, bid, ask, mid                                 float64
	currency, perUnit, sourceFile, sheetName             string
}

type unitCells struct{ raw, currency, perUnit string }

type unitResult struct{ raw, currency, perUnit string }

type dateMemo struct {
	cell string
	t    time.Time
}

// maxCachedKeys bounds the curve_key cache; files name far fewer curves.
const maxCachedKeys = 1 << 16

func newParser(l *layout, sourceFile, sheet string, excel, date1904 bool, ingest time.Time) *parser {
	p := &parser{
		layout: l, source: sourceFile, sheet: sheet, excel: excel, date1904: date1904, ingest: ingest,
		keys:  make(map[curve.Identity]string),
		units: make(map[unitCells]unitResult),
	}
	p.buf.sourceFile = sourceFile
	p.buf.sheetName = sheet
	return p
}

// parse returns the observation of row, complete with curve_key and
// version_hash, or why the row is quarantined. The observation is valid
// until the next call.
func (p *parser) parse(row []string, line int) (*schemas.CurveObservation, *rowError) {
	l, b := p.layout, &p.buf
	if i := l.stray(row); i >= 0 {
		return nil, &rowError{ReasonBadRow, fmt.Sprintf("cell %d (%q) has no column in the header on line %d", i+1, row[i], line)}
	}
	o := &b.o
	*o = schemas.CurveObservation{
		AssetClass: schemas.AssetClass(strings.ToLower(l.cell(row, colAssetClass))),
		ISO:        optional(&b.iso, l.cell(row, colISO)),
		Region:     optional(&b.region, l.cell(row, colRegion)),
		Location:   optional(&b.location, l.cell(row, colLocation)),
		Market:     optional(&b.market, l.cell(row, colMarket)),
		Product:    optional(&b.product, l.cell(row, colProduct)),
		Block:      optional(&b.block, l.cell(row, colBlock)),

		SparkLocation: optional(&b.spark, l.cell(row, colSparkLocation)),
		PriceType:     schemas.PriceType(strings.ToUpper(l.cell(row, colPriceType))),
		TenorType:     schemas.TenorType(strings.ToUpper(l.cell(row, colTenorType))),
		TenorLabel:    l.cell(row, colTenorLabel),
		SourceFile:    optional(&b.sourceFile, b.sourceFile),
		SheetName:     optional(&b.sheetName, b.sheetName),
		IngestTS:      p.ingest,
	}

	var err *rowError
	if o.AsofDate, err = p.date(0, row, colAsofDate, line); err != nil {
		return nil, err
	}
	cm, err := p.date(1, row, colContractMonth, line)
	if err != nil {
		return nil, err
	}
	if cm.IsZero() && o.TenorType == schemas.TenorMonthly {
		cm, _ = monthOf(o.TenorLabel)
	}
	if !cm.IsZero() {
		b.contractMonth = time.Date(cm.Year(), cm.Month(), 1, 0, 0, 0, 0, time.UTC)
		o.ContractMonth = &b.contractMonth
	}

	for _, f := range [...]struct {
		c   column
		dst **float64
		v   *float64
	}{{colValue, &o.Value, &b.value}, {colBid, &o.Bid, &b.bid}, {colAsk, &o.Ask, &b.ask}, {colMid, &o.Mid, &b.mid}} {
		if *f.dst, err = number(f.v, l.cell(row, f.c), f.c, line); err != nil {
			return nil, err
		}
	}
	if o.Mid == nil && o.Bid != nil && o.Ask != nil {
		// The contract's mid is "given, or derived from bid and ask".
		b.mid = (*o.Bid + *o.Ask) / 2
		o.Mid = &b.mid
	}

	u := p.unitsOf(unitCells{l.cell(row, colUnitsRaw), l.cell(row, colCurrency), l.cell(row, colPerUnit)})
	o.UnitsRaw = u.raw
	o.Currency = optional(&b.currency, u.currency)
	o.PerUnit = optional(&b.perUnit, u.perUnit)

	// Validate before the key is set: the key is computed from the very
	// fields Validate would check it against.
	if verr := curve.Validate(o); verr != nil {
		if ie, ok := verr.(*curve.InvalidError); ok {
			return nil, &rowError{string(ie.Reason), ie.Detail}
		}
		return nil, &rowError{"invalid", verr.Error()}
	}
	o.CurveKey = p.key(curve.IdentityOf(o))
	o.VersionHash = curve.VersionHash(o) // with CurveKey, what curve.Complete does
	return o, nil
}

// key returns the curve_key of id, remembering the keys of the curves seen.
func (p *parser) key(id curve.Identity) string {
	if k, ok := p.keys[id]; ok {
		return k
	}
	k := curve.Key(id)
	if len(p.keys) >= maxCachedKeys {
		clear(p.keys)
	}
	p.keys[id] = k
	return k
}

// identity reads the curve identity of a row that may not parse, for the
// key of its dead-letter record; ok is false when every value is empty.
func (p *parser) identity(row []string) (id curve.Identity, ok bool) {
	l := p.layout
	id = curve.Identity{
		AssetClass: l.cell(row, colAssetClass), ISO: l.cell(row, colISO), Region: l.cell(row, colRegion),
		Location: l.cell(row, colLocation), Market: l.cell(row, colMarket), Product: l.cell(row, colProduct),
		Block: l.cell(row, colBlock), SparkLocation: l.cell(row, colSparkLocation),
	}
	return id, id != curve.Identity{}
}

// unitsOf applies the unit rules: currency and per-unit come from units_raw
// when it is a unit package units knows; explicit currency and per_unit
// cells win; units_raw is "CUR/UNIT" when the file gives only the two
// cells. Unknown units_raw is kept, with no currency or per-unit implied.
func (p *parser) unitsOf(c unitCells) unitResult {
	if r, ok := p.units[c]; ok {
		return r
	}
	r := unitResult{raw: c.raw}
	if u, err := units.Parse(c.raw); err == nil {
		r.currency, r.perUnit = u.Currency, u.PerUnit
	}
	if c.currency != "" {
		r.currency = c.currency
		if code, ok := units.Currency(c.currency); ok {
			r.currency = code
		}
	}
	if c.perUnit != "" {
		r.perUnit = c.perUnit
		if canon, ok := units.PerUnit(c.perUnit); ok {
			r.perUnit = canon
		}
	}
	if r.raw == "" && c.currency != "" && c.perUnit != "" {
		r.raw = c.currency + "/" + c.perUnit
	}
	if len(p.units) < maxCachedKeys {
		p.units[c] = r
	}
	return r
}

// date reads a date cell: YYYY-MM-DD, or in a workbook an Excel serial
// date. A zero time means the cell is empty. memo is the slot remembering
// the column's last cell: a file usually has one as-of date.
func (p *parser) date(memo int, row []string, c column, line int) (time.Time, *rowError) {
	s := p.layout.cell(row, c)
	if s == "" {
		return time.Time{}, nil
	}
	m := &p.dates[memo]
	if s == m.cell {
		return m.t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil && c == colContractMonth {
		t, err = time.Parse("2006-01", s)
	}
	if err != nil && p.excel {
		if serial, ferr := strconv.ParseFloat(s, 64); ferr == nil && serial >= 1 {
			if et, eerr := excelize.ExcelDateToTime(serial, p.date1904); eerr == nil {
				t, err = time.Date(et.Year(), et.Month(), et.Day(), 0, 0, 0, 0, time.UTC), nil
			}
		}
	}
	if err != nil {
		return time.Time{}, &rowError{ReasonBadDate, fmt.Sprintf("%s %q on line %d is not a YYYY-MM-DD date", columnNames[c], s, line)}
	}
	m.cell, m.t = s, t
	return t, nil
}

// number reads a price cell into *v; nil means the cell is empty.
func number(v *float64, s string, c column, line int) (*float64, *rowError) {
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, &rowError{ReasonBadNumber, fmt.Sprintf("%s %q on line %d", columnNames[c], s, line)}
	}
	*v = f
	return v, nil
}

// optional points dst at s, or returns nil for an empty s.
func optional(dst *string, s string) *string {
	if s == "" {
		return nil
	}
	*dst = s
	return dst
}

var monthAbbrev = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// monthOf reads the delivery month of a monthly tenor label: "2027-01",
// "2027-1", "Jan-27", "JAN27", "Jan 2027", "January-2027", "Sept 27".
func monthOf(label string) (time.Time, bool) {
	s := strings.ToLower(strings.TrimSpace(label))
	if y, m, ok := strings.Cut(s, "-"); ok && len(y) == 4 && isDigits(y) && isDigits(m) {
		year, _ := strconv.Atoi(y)
		month, _ := strconv.Atoi(m)
		return monthStart(year, month)
	}
	i := 0
	for i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
		i++
	}
	if i < 3 {
		return time.Time{}, false
	}
	month, ok := monthAbbrev[s[:3]]
	if !ok || !strings.HasPrefix(fullMonth[month-1], s[:i]) && s[:i] != "sept" {
		return time.Time{}, false
	}
	y := strings.TrimLeft(s[i:], " -/'.")
	if !isDigits(y) || (len(y) != 2 && len(y) != 4) {
		return time.Time{}, false
	}
	year, _ := strconv.Atoi(y)
	if len(y) == 2 {
		year += 2000
	}
	return monthStart(year, int(month))
}

var fullMonth = [12]string{"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december"}

func monthStart(year, month int) (time.Time, bool) {
	if month < 1 || month > 12 || year < 1900 || year > 2200 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC), true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
