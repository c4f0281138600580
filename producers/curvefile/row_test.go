package curvefile

import (
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/schemas"
)

var testIngest = time.Date(2026, 11, 24, 22, 15, 0, 123456000, time.UTC)

// parseLine parses one CSV-like line under header with a fresh parser.
func parseLine(t *testing.T, header, line string) (*schemas.CurveObservation, *rowError) {
	t.Helper()
	l, err := newLayout(strings.Split(header, ","))
	if err != nil {
		t.Fatalf("layout: %v", err)
	}
	return newParser(l, "t.csv", "", false, false, testIngest).parse(strings.Split(line, ","), 2)
}

func TestLayoutErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header string
		unknown      []string
		missing      []string
		duplicate    []string
	}{
		{name: "unknown column", header: "asof_date,asset_class,price_type,tenor_type,tenor_label,mid,units_raw,price,Hub Name",
			unknown: []string{`"price"`, `"Hub Name"`}},
		{name: "missing asof_date", header: "asset_class,price_type,tenor_type,tenor_label,mid,units_raw",
			missing: []string{"asof_date"}},
		{name: "missing every price", header: "asof_date,asset_class,price_type,tenor_type,tenor_label,units_raw",
			missing: []string{"one of value, bid, ask, mid"}},
		{name: "missing units", header: "asof_date,asset_class,price_type,tenor_type,tenor_label,mid,currency",
			missing: []string{"units_raw (or both currency and per_unit)"}},
		{name: "named twice", header: "asof_date,asset_class,price_type,tenor_type,tenor_label,mid,units_raw,MID",
			duplicate: []string{"mid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newLayout(strings.Split(tt.header, ","))
			le, ok := err.(*LayoutError)
			if !ok {
				t.Fatalf("newLayout = %v, want *LayoutError", err)
			}
			if strings.Join(le.Unknown, "|") != strings.Join(tt.unknown, "|") ||
				strings.Join(le.Missing, "|") != strings.Join(tt.missing, "|") ||
				strings.Join(le.Duplicate, "|") != strings.Join(tt.duplicate, "|") {
				t.Errorf("got %+v, want unknown %v missing %v duplicate %v", le, tt.unknown, tt.missing, tt.duplicate)
			}
			for _, name := range append(append(tt.unknown, tt.missing...), tt.duplicate...) {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
		})
	}
}

func TestLayoutIsForgiving(t *testing.T) {
	t.Parallel()
	header := "\uFEFF Asof_Date ,ASSET_CLASS,price_type,Tenor_Type,tenor_label,Bid,ask,currency,per_unit,"
	if _, err := newLayout(strings.Split(header, ",")); err != nil {
		t.Fatalf("newLayout: %v", err)
	}
}

func TestUnitRules(t *testing.T) {
	t.Parallel()
	const header = "asof_date,asset_class,price_type,tenor_type,tenor_label,mid,currency,per_unit,units_raw"
	tests := []struct {
		name                   string
		currency, per, raw     string
		wantCur, wantPer, raw2 string // raw2: the units_raw published
	}{
		{name: "known raw", raw: "$/MWH", wantCur: "USD", wantPer: "MWh", raw2: "$/MWH"},
		{name: "pence", raw: "p/therm", wantCur: "GBX", wantPer: "therm", raw2: "p/therm"},
		{name: "unknown raw is kept", raw: "USD/MWh-ish", raw2: "USD/MWh-ish"},
		{name: "columns give what raw does not", currency: "usd", per: "widget", raw: "USD/widget", wantCur: "USD", wantPer: "widget", raw2: "USD/widget"},
		{name: "explicit currency wins", currency: "CAD", raw: "USD/MWh", wantCur: "CAD", wantPer: "MWh", raw2: "USD/MWh"},
		{name: "explicit per_unit wins", per: "mmbtu", raw: "USD/Dth", wantCur: "USD", wantPer: "MMBtu", raw2: "USD/Dth"},
		{name: "columns only", currency: "USD", per: "MMBtu", wantCur: "USD", wantPer: "MMBtu", raw2: "USD/MMBtu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line := "2026-11-24,power,MID,MONTHLY,2027-01,50," + tt.currency + "," + tt.per + "," + tt.raw
			o, rerr := parseLine(t, header, line)
			if rerr != nil {
				t.Fatalf("parse: %+v", rerr)
			}
			if o.UnitsRaw != tt.raw2 || str(o.Currency) != tt.wantCur || str(o.PerUnit) != tt.wantPer {
				t.Errorf("units_raw %q currency %q per_unit %q; want %q %q %q",
					o.UnitsRaw, str(o.Currency), str(o.PerUnit), tt.raw2, tt.wantCur, tt.wantPer)
			}
			if (tt.wantCur == "") != (o.Currency == nil) {
				t.Errorf("currency pointer %v for %q", o.Currency, tt.wantCur)
			}
		})
	}
}

func TestRowQuarantine(t *testing.T) {
	t.Parallel()
	const header = "asof_date,asset_class,price_type,tenor_type,tenor_label,contract_month,bid,ask,mid,currency,units_raw"
	tests := []struct {
		name, line, reason, detail string
	}{
		{"no units", "2026-11-24,power,MID,MONTHLY,2027-01,,,,50,,", "missing_units", "units_raw is empty"},
		{"currency without per-unit", "2026-11-24,power,MID,MONTHLY,2027-01,,,,50,USD,", "missing_units", "units_raw is empty"},
		{"no price", "2026-11-24,power,MID,MONTHLY,2027-01,,,,,,USD/MWh", "no_price", "none of value, bid, ask, mid is set"},
		{"bad asset class", "2026-11-24,uranium,MID,MONTHLY,2027-01,,,,50,,USD/MWh", "invalid_enum", `asset_class "uranium"`},
		{"bad tenor type", "2026-11-24,power,MID,WEEKLY,2027-01,,,,50,,USD/MWh", "invalid_enum", `tenor_type "WEEKLY"`},
		{"bad number", "2026-11-24,power,MID,MONTHLY,2027-01,,abc,51,,,USD/MWh", "bad_number", `bid "abc" on line 2`},
		{"infinite number", "2026-11-24,power,MID,MONTHLY,2027-01,,,,Inf,,USD/MWh", "bad_number", `mid "Inf" on line 2`},
		{"bad date", "2026-13-45,power,MID,MONTHLY,2027-01,,,,50,,USD/MWh", "bad_date", `asof_date "2026-13-45" on line 2`},
		{"bad contract month", "2026-11-24,power,MID,MONTHLY,2027-01,soon,,,50,,USD/MWh", "bad_date", `contract_month "soon" on line 2`},
		{"no as-of date", ",power,MID,MONTHLY,2027-01,,,,50,,USD/MWh", "missing_field", "asof_date is missing"},
		{"stray cell", "2026-11-24,power,MID,MONTHLY,2027-01,,,,50,,USD/MWh,extra", "bad_row", `cell 12 ("extra")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, rerr := parseLine(t, header, tt.line)
			if rerr == nil {
				t.Fatalf("parsed %+v, want quarantine", o)
			}
			if rerr.reason != tt.reason || !strings.Contains(rerr.detail, tt.detail) {
				t.Errorf("got %s: %s; want %s: …%s…", rerr.reason, rerr.detail, tt.reason, tt.detail)
			}
		})
	}
}

func TestRowFields(t *testing.T) {
	t.Parallel()
	const header = "asof_date,asset_class,iso,location,block,price_type,tenor_type,tenor_label,contract_month,bid,ask,mid,units_raw"
	o, rerr := parseLine(t, header, " 2026-11-24 ,POWER, PJM ,West Hub,ON_PEAK,mid,monthly,Jan-27,,50.5,51.5,,USD/MWh")
	if rerr != nil {
		t.Fatalf("parse: %+v", rerr)
	}
	if o.AssetClass != schemas.AssetClassPower || o.PriceType != schemas.PriceTypeMid || o.TenorType != schemas.TenorMonthly {
		t.Errorf("enums %q %q %q", o.AssetClass, o.PriceType, o.TenorType)
	}
	if str(o.ISO) != "PJM" || o.Region != nil || str(o.SourceFile) != "t.csv" || o.SheetName != nil {
		t.Errorf("strings iso %q region %v source %v sheet %v", str(o.ISO), o.Region, o.SourceFile, o.SheetName)
	}
	if o.ContractMonth == nil || !o.ContractMonth.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("contract_month %v, want 2027-01-01 from the label", o.ContractMonth)
	}
	if o.Mid == nil || *o.Mid != 51 || o.Value != nil {
		t.Errorf("mid %v value %v, want mid 51 derived from bid and ask", o.Mid, o.Value)
	}
	if !o.AsofDate.Equal(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)) || !o.IngestTS.Equal(testIngest) {
		t.Errorf("asof %v ingest %v", o.AsofDate, o.IngestTS)
	}
	want := *o
	curve.Complete(&want)
	if o.CurveKey != want.CurveKey || o.VersionHash != want.VersionHash || o.CurveKey == "" {
		t.Errorf("curve_key %s version_hash %s; curve.Complete gives %s %s", o.CurveKey, o.VersionHash, want.CurveKey, want.VersionHash)
	}
}

func TestMonthOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		label string
		want  string // "" when no month is read
	}{
		{"2027-01", "2027-01"}, {"2027-1", "2027-01"}, {"Jan-27", "2027-01"}, {"JAN27", "2027-01"},
		{"jan 2027", "2027-01"}, {"January-2027", "2027-01"}, {"Sept 27", "2027-09"}, {"Dec'28", "2028-12"},
		{"Q1 2027", ""}, {"Cal 2027", ""}, {"2027-13", ""}, {"Janx-27", ""}, {"Jan-2", ""}, {"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			t.Parallel()
			m, ok := monthOf(tt.label)
			got := ""
			if ok {
				got = m.Format("2006-01")
			}
			if got != tt.want {
				t.Errorf("monthOf(%q) = %q, want %q", tt.label, got, tt.want)
			}
		})
	}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
