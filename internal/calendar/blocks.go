package calendar

import (
	"fmt"
	"sync"
	"time"
)

// Block is a delivery block: the set of hours a power price applies to. The
// value is the canonical name, which is what ParseBlock returns and JSON
// carries.
type Block string

// The blocks, in hours ending (HE01 is 00:00–01:00) of prevailing local time.
const (
	// On is 5x16: HE07–HE22, Monday to Friday except NERC holidays.
	On Block = "ON"
	// Off is every hour not in On: 7x8 plus 2x16.
	Off Block = "OFF"
	// TwoBy16 is HE07–HE22 on Saturdays, Sundays and NERC holidays.
	TwoBy16 Block = "2X16"
	// SevenBy8 is HE01–HE06 and HE23–HE24 of every day.
	SevenBy8 Block = "7X8"
	// SevenBy16 is HE07–HE22 of every day: On plus 2x16.
	SevenBy16 Block = "7X16"
	// ATC (around the clock, 7x24, flat, base) is every hour.
	ATC Block = "ATC"
)

// BlockInfo describes a block for the metadata endpoint.
type BlockInfo struct {
	Name        Block    `json:"name"`
	Aliases     []string `json:"aliases"`
	Description string   `json:"description"`
}

// blockTable lists every block with its aliases; ParseBlock matches names and
// aliases after Normalize, so aliases need not list case or separator
// variants.
var blockTable = []BlockInfo{
	{On, []string{"PEAK", "ONPEAK", "5X16", "5X16H"}, "5x16: hours ending 07–22, Monday–Friday, excluding NERC holidays"},
	{Off, []string{"OFFPEAK", "WRAP"}, "every hour outside ON: 7x8 plus 2x16"},
	{TwoBy16, []string{"2X16H", "WEEKEND"}, "hours ending 07–22 on Saturdays, Sundays and NERC holidays"},
	{SevenBy8, []string{"7X8H"}, "hours ending 01–06 and 23–24, every day"},
	{SevenBy16, []string{"7X16H"}, "hours ending 07–22, every day (ON plus 2x16)"},
	{ATC, []string{"7X24", "FLAT", "BASE", "BASELOAD", "AROUNDTHECLOCK"}, "every hour of every day"},
}

// Blocks returns every block with its accepted aliases and a description, in
// a fixed order (ON, OFF, 2X16, 7X8, 7X16, ATC). The slice is a copy the
// caller may modify.
func Blocks() []BlockInfo {
	out := make([]BlockInfo, len(blockTable))
	for i, b := range blockTable {
		b.Aliases = append([]string(nil), b.Aliases...)
		out[i] = b
	}
	return out
}

// ParseBlock returns the block named by s, matched case-insensitively and
// ignoring spaces, '-' and '_' against canonical names and aliases ("peak",
// "On-Peak" and "5x16" are On; "offpeak" is Off; "flat", "base" and "7x24"
// are ATC). An unknown name is an error wrapping ErrUnknownBlock.
func ParseBlock(s string) (Block, error) {
	n := Normalize(s)
	for _, b := range blockTable {
		if n == string(b.Name) {
			return b.Name, nil
		}
		for _, a := range b.Aliases {
			if n == a {
				return b.Name, nil
			}
		}
	}
	return "", fmt.Errorf("parse block %q: %w", s, ErrUnknownBlock)
}

// Valid reports whether b is one of the canonical blocks.
func (b Block) Valid() bool {
	for _, info := range blockTable {
		if info.Name == b {
			return true
		}
	}
	return false
}

// BlockHours is the number of hours of each block in a period.
type BlockHours struct {
	On        float64 `json:"on"`
	Off       float64 `json:"off"`
	TwoBy16   float64 `json:"2x16"`
	SevenBy8  float64 `json:"7x8"`
	SevenBy16 float64 `json:"7x16"`
	ATC       float64 `json:"atc"`
}

// Of returns the hours of block b, or 0 for an unknown block.
func (h BlockHours) Of(b Block) float64 {
	switch b {
	case On:
		return h.On
	case Off:
		return h.Off
	case TwoBy16:
		return h.TwoBy16
	case SevenBy8:
		return h.SevenBy8
	case SevenBy16:
		return h.SevenBy16
	case ATC:
		return h.ATC
	}
	return 0
}

func (h BlockHours) add(o BlockHours) BlockHours {
	return BlockHours{
		On: h.On + o.On, Off: h.Off + o.Off, TwoBy16: h.TwoBy16 + o.TwoBy16,
		SevenBy8: h.SevenBy8 + o.SevenBy8, SevenBy16: h.SevenBy16 + o.SevenBy16, ATC: h.ATC + o.ATC,
	}
}

// Hours returns the hours of block b in the calendar month of month (its year
// and month fields; day, clock and location are ignored) in loc's prevailing
// local time (nil means DefaultZone). Hours are elapsed hours, so a month with
// a DST change is one hour short or long; in North American zones the change
// happens at 02:00, inside 7x8, so ON, 2x16 and 7x16 are never affected. An
// unknown block has 0 hours.
func Hours(b Block, month time.Time, loc *time.Location) float64 {
	return MonthHours(month, loc).Of(b)
}

// MonthHours returns the hours of every block in the calendar month of month
// in loc's prevailing local time (nil means DefaultZone), as Hours does for
// one block.
func MonthHours(month time.Time, loc *time.Location) BlockHours {
	h, _ := monthHours(month.Year(), month.Month(), orDefault(loc))
	return h
}

// monthKey names a month in a zone.
type monthKey struct {
	year  int
	month time.Month
	loc   *time.Location
}

type monthCount struct {
	hours  BlockHours
	onDays int
}

// maxMemoMonths bounds monthMemo: 40 zones of 100 years.
const maxMemoMonths = 40 * 100 * 12

// monthMemo holds monthHours' answers, which never change: a scenario run
// asks for the hours of the same few hundred months for every curve it
// rolls up, and counting them day by day was a fifth of a run's CPU.
var monthMemo struct {
	sync.RWMutex
	m map[monthKey]monthCount
}

// monthHours returns the block hours of a month and its number of ON days.
func monthHours(year int, month time.Month, loc *time.Location) (BlockHours, int) {
	k := monthKey{year, month, loc}
	monthMemo.RLock()
	c, ok := monthMemo.m[k]
	monthMemo.RUnlock()
	if ok {
		return c.hours, c.onDays
	}
	c.hours, c.onDays = countMonthHours(year, month, loc)
	monthMemo.Lock()
	defer monthMemo.Unlock()
	if monthMemo.m == nil {
		monthMemo.m = make(map[monthKey]monthCount)
	}
	if len(monthMemo.m) < maxMemoMonths {
		monthMemo.m[k] = c
	}
	return c.hours, c.onDays
}

// countMonthHours counts the block hours of a month, day by day.
func countMonthHours(year int, month time.Month, loc *time.Location) (BlockHours, int) {
	holidays := Holidays(year)
	var h BlockHours
	onDays := 0
	for d := date(year, month, 1); d.Month() == month; d = d.AddDate(0, 0, 1) {
		day, dd := d.Day(), d.Day()+1
		// Elapsed time between wall-clock boundaries, so a DST change is
		// counted in whichever window it falls.
		total := time.Date(year, month, dd, 0, 0, 0, 0, loc).Sub(time.Date(year, month, day, 0, 0, 0, 0, loc)).Hours()
		peak := time.Date(year, month, day, 22, 0, 0, 0, loc).Sub(time.Date(year, month, day, 6, 0, 0, 0, loc)).Hours()
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && !isHoliday(holidays, d) {
			h.On += peak
			onDays++
		} else {
			h.TwoBy16 += peak
		}
		h.SevenBy8 += total - peak
		h.ATC += total
	}
	h.Off = h.TwoBy16 + h.SevenBy8
	h.SevenBy16 = h.On + h.TwoBy16
	return h, onDays
}
