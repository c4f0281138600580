package calendar

import (
	"encoding/json"
	"fmt"
	"time"
)

// Holiday is a NERC holiday as observed: Date is the civil date on which
// power is traded as off-peak (midnight UTC, only year, month and day carry
// meaning). In JSON it is {"date": "2027-07-05", "name": "..."}.
type Holiday struct {
	Date time.Time
	Name string
}

type holidayJSON struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

// MarshalJSON writes the date as YYYY-MM-DD.
func (h Holiday) MarshalJSON() ([]byte, error) {
	return json.Marshal(holidayJSON{Date: h.Date.Format(time.DateOnly), Name: h.Name})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (h *Holiday) UnmarshalJSON(b []byte) error {
	var v holidayJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("decode holiday: %w", err)
	}
	d, err := time.Parse(time.DateOnly, v.Date)
	if err != nil {
		return fmt.Errorf("decode holiday date %q: %w", v.Date, err)
	}
	*h = Holiday{Date: d, Name: v.Name}
	return nil
}

// Holidays returns the six NERC holidays of year in date order: New Year's
// Day, Memorial Day (last Monday of May), Independence Day, Labor Day (first
// Monday of September), Thanksgiving (fourth Thursday of November) and
// Christmas Day. A fixed-date holiday falling on a Sunday is observed on the
// Monday after (its Name then ends in " (observed)"); one falling on a
// Saturday is not moved, so that year has no weekday holiday for it — the
// NERC rule, unlike the US federal calendar.
func Holidays(year int) []Holiday {
	return []Holiday{
		fixed(year, time.January, 1, "New Year's Day"),
		{Date: lastWeekday(year, time.May, time.Monday), Name: "Memorial Day"},
		fixed(year, time.July, 4, "Independence Day"),
		{Date: nthWeekday(year, time.September, time.Monday, 1), Name: "Labor Day"},
		{Date: nthWeekday(year, time.November, time.Thursday, 4), Name: "Thanksgiving Day"},
		fixed(year, time.December, 25, "Christmas Day"),
	}
}

func date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

func fixed(year int, month time.Month, day int, name string) Holiday {
	d := date(year, month, day)
	if d.Weekday() == time.Sunday {
		return Holiday{Date: d.AddDate(0, 0, 1), Name: name + " (observed)"}
	}
	return Holiday{Date: d, Name: name}
}

func nthWeekday(year int, month time.Month, wd time.Weekday, n int) time.Time {
	first := date(year, month, 1)
	offset := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, offset+7*(n-1))
}

func lastWeekday(year int, month time.Month, wd time.Weekday) time.Time {
	last := date(year, month+1, 0)
	offset := (int(last.Weekday()) - int(wd) + 7) % 7
	return last.AddDate(0, 0, -offset)
}

// isHoliday reports whether civil date d is one of hs.
func isHoliday(hs []Holiday, d time.Time) bool {
	for _, h := range hs {
		if h.Date.Equal(d) {
			return true
		}
	}
	return false
}
