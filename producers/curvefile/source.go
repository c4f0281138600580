package curvefile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// source streams the rows of a curve file, the header first.
type source interface {
	// next returns the cells of the next row and its line (CSV) or row
	// (XLSX) number, io.EOF after the last row, or a *rowSyntaxError for a
	// row that cannot be split into cells; reading may go on after one.
	// The slice is reused by the following call.
	next() (cells []string, line int, err error)
	// sheet is the worksheet read, "" for CSV.
	sheet() string
	// position and size give the progress through the file in bytes;
	// size is 0 when unknown.
	position() int64
	size() int64
	// excelDates says that dates may come as Excel serial numbers, and
	// whether the workbook counts them from 1904.
	excelDates() (ok, date1904 bool)
	close() error
}

// rowSyntaxError is a row the file format itself cannot read, such as a
// stray quote in a CSV line.
type rowSyntaxError struct {
	line int
	err  error
}

func (e *rowSyntaxError) Error() string { return e.err.Error() }

// openSource opens path by its extension: .csv (or .txt) as CSV, .xlsx and
// .xlsm as a workbook whose first sheet is read.
func openSource(path string) (source, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt":
		return openCSV(path)
	case ".xlsx", ".xlsm":
		return openXLSX(path)
	default:
		return nil, fmt.Errorf("unsupported file type %q: want .csv or .xlsx", filepath.Ext(path))
	}
}

// csvSource reads a CSV file as it goes; memory does not grow with the
// file.
type csvSource struct {
	f     *os.File
	count *countingReader
	r     *csv.Reader
	total int64
}

func openCSV(path string) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if st.IsDir() {
		_ = f.Close()
		return nil, errors.New("is a directory")
	}
	count := &countingReader{r: f}
	r := csv.NewReader(count)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1 // checked against the header by the parser
	return &csvSource{f: f, count: count, r: r, total: st.Size()}, nil
}

func (s *csvSource) next() ([]string, int, error) {
	cells, err := s.r.Read()
	if err == nil {
		line, _ := s.r.FieldPos(0)
		return cells, line, nil
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return nil, perr.StartLine, &rowSyntaxError{line: perr.StartLine, err: perr}
	}
	return nil, 0, err
}

func (s *csvSource) sheet() string                { return "" }
func (s *csvSource) position() int64              { return s.count.n }
func (s *csvSource) size() int64                  { return s.total }
func (s *csvSource) excelDates() (ok, d1904 bool) { return false, false }
func (s *csvSource) close() error                 { return s.f.Close() }

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// xlsxSource streams the first worksheet of a workbook. Cells come raw
// (unformatted), so prices keep their full precision and dates come as
// serial numbers, whatever the number format shows.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	name     string
	row      int
	date1904 bool
}

func openXLSX(path string) (*xlsxSource, error) {
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, errors.New("workbook has no sheets")
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("workbook properties: %w", err)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("sheet %q: %w", sheets[0], err)
	}
	s := &xlsxSource{f: f, rows: rows, name: sheets[0]}
	if props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	return s, nil
}

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, fmt.Errorf("sheet %q: %w", s.name, err)
		}
		return nil, 0, io.EOF
	}
	s.row++
	cells, err := s.rows.Columns()
	if err != nil {
		return nil, s.row, fmt.Errorf("sheet %q row %d: %w", s.name, s.row, err)
	}
	return cells, s.row, nil
}

func (s *xlsxSource) sheet() string                { return s.name }
func (s *xlsxSource) position() int64              { return int64(s.row) }
func (s *xlsxSource) size() int64                  { return 0 }
func (s *xlsxSource) excelDates() (ok, d1904 bool) { return true, s.date1904 }

func (s *xlsxSource) close() error {
	err := s.rows.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
