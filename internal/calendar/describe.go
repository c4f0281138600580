package calendar

import (
	"fmt"
	"time"
)

// Year is the calendar of one year in one zone, shaped for JSON: what GET
// /v1/metadata/calendars serves.
type Year struct {
	Year     int        `json:"year"`
	TimeZone string     `json:"time_zone"`
	Holidays []Holiday  `json:"holidays"`
	Months   []Month    `json:"months"`
	Totals   BlockHours `json:"totals"`
}

// Month is one calendar month of a Year.
type Month struct {
	// Month is the canonical MONTHLY label, "2027-01".
	Month string `json:"month"`
	// Days is the number of days in the month.
	Days int `json:"days"`
	// OnDays is the number of ON (5x16) days: weekdays that are not NERC
	// holidays.
	OnDays int `json:"on_days"`
	// Hours are the hours of each block in the month.
	Hours BlockHours `json:"hours"`
}

// Describe returns the calendar of year in loc's prevailing local time (nil
// means DefaultZone): its NERC holidays as observed, and the hours of every
// block per month and in total.
func Describe(year int, loc *time.Location) Year {
	loc = orDefault(loc)
	y := Year{Year: year, TimeZone: loc.String(), Holidays: Holidays(year), Months: make([]Month, 0, 12)}
	for m := time.January; m <= time.December; m++ {
		h, onDays := monthHours(year, m, loc)
		y.Months = append(y.Months, Month{
			Month:  fmt.Sprintf("%04d-%02d", year, int(m)),
			Days:   date(year, m+1, 0).Day(),
			OnDays: onDays,
			Hours:  h,
		})
		y.Totals = y.Totals.add(h)
	}
	return y
}
