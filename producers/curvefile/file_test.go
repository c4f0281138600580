package curvefile

import (
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/aurum-energy/aurum/schemas"
)

var update = flag.Bool("update", false, "rewrite testdata/curves/sample.xlsx from sample.csv")

const (
	sampleCSV  = "../../testdata/curves/sample.csv"
	sampleXLSX = "../../testdata/curves/sample.xlsx"
	badCSV     = "../../testdata/curves/sample_bad.csv"
)

// parsed is what a file parses to: its observations and its bad rows.
type parsed struct {
	obs []schemas.CurveObservation
	bad []rowError
}

// parseFile parses every row of a file as Load does, without Kafka.
func parseFile(t testing.TB, path string) parsed {
	t.Helper()
	var out parsed
	eachRow(t, path, func(o *schemas.CurveObservation, rerr *rowError) {
		if rerr != nil {
			out.bad = append(out.bad, *rerr)
			return
		}
		out.obs = append(out.obs, clone(o))
	})
	return out
}

// eachRow calls f with what each non-blank row of a file parses to.
func eachRow(t testing.TB, path string, f func(*schemas.CurveObservation, *rowError)) {
	t.Helper()
	src, err := openSource(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer src.close()
	header, _, err := src.next()
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	l, err := newLayout(header)
	if err != nil {
		t.Fatalf("layout: %v", err)
	}
	excel, d1904 := src.excelDates()
	p := newParser(l, filepath.Base(path), src.sheet(), excel, d1904, testIngest)
	for {
		row, line, err := src.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("row: %v", err)
		}
		if !blank(row) {
			f(p.parse(row, line))
		}
	}
}

// clone copies o away from the parser's reused storage.
func clone(o *schemas.CurveObservation) schemas.CurveObservation {
	c := *o
	for _, p := range []**string{&c.ISO, &c.Region, &c.Location, &c.Market, &c.Product, &c.Block,
		&c.SparkLocation, &c.Currency, &c.PerUnit, &c.SourceFile, &c.SheetName} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	for _, p := range []**float64{&c.Value, &c.Bid, &c.Ask, &c.Mid} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	if c.ContractMonth != nil {
		v := *c.ContractMonth
		c.ContractMonth = &v
	}
	return c
}

// writeXLSX writes a CSV curve file as a workbook the way a desk would:
// dates as date cells, prices as numbers (text where the CSV has garbage),
// a first sheet of curves and a second sheet of notes the loader must
// ignore.
func writeXLSX(t testing.TB, csvPath, xlsxPath string) {
	t.Helper()
	in, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rows, err := csv.NewReader(in).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "EOD Curves"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		t.Fatal(err)
	}
	priceStyle, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00: shows rounded, stores exact
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			col := header[c]
			switch {
			case r == 0 || v == "":
				if v != "" {
					err = f.SetCellStr(sheet, cell, v)
				}
			case col == "asof_date" || col == "contract_month":
				d, perr := time.Parse(time.DateOnly, v)
				if perr != nil {
					err = f.SetCellStr(sheet, cell, v)
				} else if err = f.SetCellValue(sheet, cell, d); err == nil {
					err = f.SetCellStyle(sheet, cell, cell, dateStyle)
				}
			case col == "value" || col == "bid" || col == "ask" || col == "mid":
				n, perr := strconv.ParseFloat(v, 64)
				if perr != nil {
					err = f.SetCellStr(sheet, cell, v)
				} else if err = f.SetCellFloat(sheet, cell, n, -1, 64); err == nil {
					err = f.SetCellStyle(sheet, cell, cell, priceStyle)
				}
			default:
				err = f.SetCellStr(sheet, cell, v)
			}
			if err != nil {
				t.Fatalf("%s: %v", cell, err)
			}
		}
	}
	if _, err := f.NewSheet("Notes"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStr("Notes", "A1", "Marks as of the close; not a curve."); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(xlsxPath); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestSampleXLSXMatchesCSV: the committed workbook parses to exactly the
// observations of the CSV it was made from, but for the sheet name and
// source file. Run with -update to regenerate it.
func TestSampleXLSXMatchesCSV(t *testing.T) {
	if *update {
		writeXLSX(t, sampleCSV, sampleXLSX)
	}
	fromCSV, fromXLSX := parseFile(t, sampleCSV), parseFile(t, sampleXLSX)
	if len(fromCSV.bad) > 0 || len(fromXLSX.bad) > 0 {
		t.Fatalf("bad rows: csv %+v xlsx %+v", fromCSV.bad, fromXLSX.bad)
	}
	if len(fromCSV.obs) != 45 || len(fromXLSX.obs) != len(fromCSV.obs) {
		t.Fatalf("csv has %d observations, xlsx %d; want 45 each", len(fromCSV.obs), len(fromXLSX.obs))
	}
	for i := range fromCSV.obs {
		c, x := fromCSV.obs[i], fromXLSX.obs[i]
		if str(c.SourceFile) != "sample.csv" || str(x.SourceFile) != "sample.xlsx" || c.SheetName != nil || str(x.SheetName) != "EOD Curves" {
			t.Fatalf("row %d: source %v/%v sheet %v/%v", i, str(c.SourceFile), str(x.SourceFile), c.SheetName, str(x.SheetName))
		}
		x.SourceFile, x.SheetName = c.SourceFile, c.SheetName
		if !reflect.DeepEqual(c, x) {
			t.Errorf("row %d differs:\ncsv  %s\nxlsx %s", i, describe(c), describe(x))
		}
	}
}

func TestXLSXQuarantinesLikeCSV(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bad.xlsx")
	writeXLSX(t, badCSV, path)
	fromCSV, fromXLSX := parseFile(t, badCSV), parseFile(t, path)
	if len(fromCSV.bad) != 5 || !reflect.DeepEqual(fromCSV.bad, fromXLSX.bad) {
		t.Errorf("bad rows:\ncsv  %+v\nxlsx %+v", fromCSV.bad, fromXLSX.bad)
	}
	if len(fromXLSX.obs) != len(fromCSV.obs) {
		t.Fatalf("csv has %d observations, xlsx %d", len(fromCSV.obs), len(fromXLSX.obs))
	}
	for i := range fromCSV.obs {
		if x := withSource(fromXLSX.obs[i], "sample_bad.csv"); !reflect.DeepEqual(fromCSV.obs[i], x) {
			t.Errorf("row %d differs:\ncsv  %s\nxlsx %s", i, describe(fromCSV.obs[i]), describe(x))
		}
	}
}

func withSource(o schemas.CurveObservation, file string) schemas.CurveObservation {
	o.SourceFile, o.SheetName = &file, nil
	return o
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notWorkbook := filepath.Join(dir, "curves.xlsx")
	if err := os.WriteFile(notWorkbook, []byte("asof_date,mid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"missing file", filepath.Join(dir, "nope.csv")},
		{"directory", dir + "/sub.csv"},
		{"unsupported type", filepath.Join(dir, "curves.json")},
		{"not a workbook", notWorkbook},
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if src, err := openSource(tt.path); err == nil {
				src.close()
				t.Errorf("openSource(%s) succeeded", tt.path)
			} else if errors.Is(err, io.EOF) {
				t.Errorf("openSource(%s) = %v", tt.path, err)
			}
		})
	}
}

func describe(o schemas.CurveObservation) string {
	s := o.AsofDate.Format(time.DateOnly) + " " + string(o.AssetClass) + " " + str(o.Location) + " " + str(o.Block) + " " + o.TenorLabel
	for _, f := range []*float64{o.Value, o.Bid, o.Ask, o.Mid} {
		if f == nil {
			s += " -"
		} else {
			s += " " + strconv.FormatFloat(*f, 'g', -1, 64)
		}
	}
	if o.ContractMonth != nil {
		s += " cm=" + o.ContractMonth.Format(time.DateOnly)
	}
	return s + " " + o.UnitsRaw + " " + str(o.Currency) + "/" + str(o.PerUnit)
}
