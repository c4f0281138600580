package isofile

import (
	"fmt"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// calendar cuts a window into the periods of a feed's files.
type calendar interface {
	// period returns the period of cursor, or of the start of w for "",
	// and the cursor of the next period: "" once that one starts after
	// w.Until (both bounds of a window are inclusive).
	period(cursor string, w collector.Window) (p Period, next string, err error)
	// pending reports whether the file of p may not be posted yet at now,
	// so that its absence is not an error.
	pending(p Period, now time.Time) bool
}

// days are the operating days of zone, named in cursors by layout.
type days struct {
	layout string
	zone   *time.Location
}

func (c days) period(cursor string, w collector.Window) (Period, string, error) {
	day := isotime.Date(w.Since, c.zone)
	if cursor != "" {
		var err error
		if day, err = time.Parse(c.layout, cursor); err != nil {
			return Period{}, "", fmt.Errorf("day cursor %q: want %s", cursor, c.layout)
		}
	}
	start, end := collector.OperatingDay(day, c.zone)
	var next string
	if !end.After(w.Until) {
		next = day.AddDate(0, 0, 1).Format(c.layout)
	}
	return Period{Day: day, Start: start, End: end}, next, nil
}

// pending: a day's file is posted once the day is over (or, ahead, the day
// before), so only today's and later ones may be missing.
func (c days) pending(p Period, now time.Time) bool {
	return !p.Day.Before(isotime.Date(now, c.zone))
}

// intervals are spans of length aligned on the clock, named in cursors by
// their end.
type intervals struct {
	length time.Duration
	zone   *time.Location
}

// intervalPosting is how long after its end an interval's file may take to
// be posted.
const intervalPosting = time.Hour

func (c intervals) period(cursor string, w collector.Window) (Period, string, error) {
	var end time.Time
	if cursor == "" {
		// The first interval starting at or after w.Since.
		start := w.Since.UTC().Truncate(c.length)
		if start.Before(w.Since) {
			start = start.Add(c.length)
		}
		end = start.Add(c.length)
	} else {
		var err error
		if end, err = time.Parse(time.RFC3339, cursor); err != nil {
			return Period{}, "", fmt.Errorf("interval cursor %q: want RFC 3339", cursor)
		}
	}
	end = end.UTC()
	var next string
	if !end.After(w.Until) {
		next = end.Add(c.length).Format(time.RFC3339)
	}
	start := end.Add(-c.length)
	return Period{Day: isotime.Date(start, c.zone), Start: start, End: end}, next, nil
}

func (c intervals) pending(p Period, now time.Time) bool {
	return !p.End.Before(now.Add(-intervalPosting))
}
