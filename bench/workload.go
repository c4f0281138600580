package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// fileColumns is the header of a curve file as `aurum load curves` reads it
// (testdata/curves/sample.csv), in file order.
var fileColumns = []string{"asof_date", "asset_class", "iso", "region", "location", "market", "product",
	"block", "spark_location", "price_type", "tenor_type", "tenor_label", "contract_month",
	"value", "bid", "ask", "mid", "currency", "per_unit", "units_raw"}

// Shape of the workload: every location has an ON and an OFF block
// curve of tenors monthly points.
var blocks = [...]string{"ON", "OFF"}

const tenors = 120

// workload is the pair of curve files the storage figures load: one
// as-of date old enough for a 30-day compression policy to apply, and
// the next business day with slightly moved prices.
type workload struct {
	locations  int
	day1, day2 time.Time
	file1      string
	file2      string
}

// rows is the number of rows of each file.
func (w *workload) rows() int { return w.locations * len(blocks) * tenors }

// curves is the number of curves of each file.
func (w *workload) curves() int { return w.locations * len(blocks) }

// location names the n-th location (1-based): MISO.N0001.
func (w *workload) location(n int) string {
	return fmt.Sprintf("MISO.N%0*d", w.locationDigits(), n)
}

// locationDigits is the zero-padded width of location numbers.
func (w *workload) locationDigits() int {
	return max(4, len(strconv.Itoa(w.locations)))
}

// curve is the location and block of curve c (0 ≤ c < curves()).
func (w *workload) curve(c int) (location, block string) {
	return w.location(c/len(blocks) + 1), blocks[c%len(blocks)]
}

// newWorkload writes the two files under dir. The first as-of date is the
// business day about 60 days before now.
func newWorkload(dir string, locations int, now time.Time) (*workload, error) {
	day1 := businessDayOnOrBefore(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -60))
	w := &workload{
		locations: locations,
		day1:      day1,
		day2:      nextBusinessDay(day1),
		file1:     filepath.Join(dir, "curves-day1.csv"),
		file2:     filepath.Join(dir, "curves-day2.csv"),
	}
	if err := w.write(w.file1, w.day1); err != nil {
		return nil, err
	}
	if err := w.write(w.file2, w.day2); err != nil {
		return nil, err
	}
	return w, nil
}

// write writes every curve of asof to path.
func (w *workload) write(path string, asof time.Time) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(bw)
	if err := cw.Write(fileColumns); err != nil {
		return err
	}
	date := asof.Format(time.DateOnly)
	firstMonth := time.Date(asof.Year(), asof.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]string, len(fileColumns))
	for c := range w.curves() {
		location, block := w.curve(c)
		for t := range tenors {
			month := firstMonth.AddDate(0, t, 0)
			bid, ask := price(c, month, asof)
			row = append(row[:0], date, "power", "MISO", "", location, "DA", "", block, "",
				"MID", "MONTHLY", month.Format("2006-01"), month.Format(time.DateOnly),
				"", cents(bid), cents(ask), strconv.FormatFloat((bid+ask)/2, 'f', 3, 64),
				"USD", "MWh", "USD/MWh")
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return bw.Flush()
}

// price is a deterministic bid and ask of curve c for month as of asof:
// a level of 25–60 $/MWh per curve, a seasonal shape, a spread of
// 0.20–1.50, and a move of up to ±2% from one as-of date to the next.
func price(c int, month, asof time.Time) (bid, ask float64) {
	level := 25 + 35*unit(uint64(c))
	season := 1 + 0.15*math.Cos(2*math.Pi*float64(month.Month()-7)/12)
	move := 1 + 0.04*(unit(uint64(c)<<32^uint64(month.Unix())^uint64(asof.Unix()))-0.5)
	mid := level * season * move
	spread := 0.20 + 1.30*unit(uint64(c)*7919^uint64(month.Unix()))
	return mid - spread/2, mid + spread/2
}

// unit maps x to [0, 1) (splitmix64).
func unit(x uint64) float64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

func cents(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func businessDayOnOrBefore(d time.Time) time.Time {
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

func nextBusinessDay(d time.Time) time.Time {
	d = d.AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
