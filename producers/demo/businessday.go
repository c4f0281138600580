package demo

import "time"

// The demo's clock counts business days: Monday to Friday. Holidays are not
// skipped; the simulated market trades on them.

// dateOf returns the calendar date of t in t's location, as UTC midnight,
// the form of an Avro date.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func isBusinessDay(d time.Time) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// onOrAfter returns d if it is a business day, else the Monday after it.
func onOrAfter(d time.Time) time.Time {
	for !isBusinessDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// onOrBefore returns d if it is a business day, else the Friday before it.
func onOrBefore(d time.Time) time.Time {
	for !isBusinessDay(d) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// addBusinessDays moves d by n business days (n may be negative); d itself
// need not be a business day.
func addBusinessDays(d time.Time, n int) time.Time {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if isBusinessDay(d) {
			n--
		}
	}
	return d
}
