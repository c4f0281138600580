package curvefile

import (
	"encoding/csv"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/internal/curve"
)

// FuzzParseRows feeds an arbitrary CSV file, its cells read as text or as
// an Excel workbook's, through the layout and the row parser: the header is
// a layout or an ErrLayout, and every row an observation that passes
// curve.Validate with its curve_key and version_hash, or a reason to
// quarantine it. Nothing panics.
func FuzzParseRows(f *testing.F) {
	for _, path := range []string{"../../testdata/curves/sample.csv", "../../testdata/curves/sample_bad.csv"} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), false)
	}
	f.Add("asof_date,asset_class,price_type,tenor_type,tenor_label,bid,ask,units_raw\n46000,power,MID,MONTHLY,JAN27,40,42,$/MWh\n", true)
	f.Fuzz(func(t *testing.T, file string, excel bool) {
		r := csv.NewReader(strings.NewReader(file))
		r.FieldsPerRecord = -1
		header, err := r.Read()
		if err != nil {
			return
		}
		l, err := newLayout(header)
		if err != nil {
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("newLayout(%q) = %v, want ErrLayout", header, err)
			}
			return
		}
		p := newParser(l, "fuzz.csv", "", excel, false, testIngest)
		for line := 2; ; line++ {
			row, err := r.Read()
			if err != nil {
				var perr *csv.ParseError
				if errors.As(err, &perr) {
					continue
				}
				return
			}
			if blank(row) {
				continue
			}
			o, rerr := p.parse(row, line)
			if rerr != nil {
				if rerr.reason == "" {
					t.Fatalf("row %q quarantined without a reason: %+v", row, rerr)
				}
				continue
			}
			if err := curve.Validate(o); err != nil || o.CurveKey == "" || o.VersionHash == "" {
				t.Fatalf("row %q parsed into an observation that breaks the contract (%v): %+v", row, err, o)
			}
		}
	})
}
