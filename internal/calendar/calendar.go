// Package calendar is the power-trading calendar Aurum uses to hour-weight
// forward-curve strips: NERC holidays, the standard delivery blocks (5x16 ON,
// OFF, 2x16, 7x8, 7x16, ATC) and their hours per month in an ISO's prevailing
// local time, strip labels (MONTHLY, QUARTER, SEASON, CALENDAR) and the
// months they cover, and hour-weighted strip averages.
//
// Every function is pure: results depend only on the arguments and the
// embedded time-zone database, so the package keeps no state and is safe for
// concurrent use.
package calendar

import (
	"errors"
	"time"
)

// Sentinel errors callers branch on (for example to answer 400 rather than
// 500). Returned errors wrap them with the offending input.
var (
	// ErrUnknownBlock means a block name is not one of the known blocks or
	// their aliases.
	ErrUnknownBlock = errors.New("unknown block")
	// ErrUnknownTenorType means a tenor type is not MONTHLY, QUARTER, SEASON
	// or CALENDAR.
	ErrUnknownTenorType = errors.New("unknown tenor type")
	// ErrInvalidLabel means a month or strip label cannot be parsed for its
	// tenor type.
	ErrInvalidLabel = errors.New("invalid label")
	// ErrNoPoints means a weighted average was asked of no points (or of
	// points carrying no hours).
	ErrNoPoints = errors.New("no points to weight")
)

// AppendDate appends t's date in t's location as time.DateOnly formats it
// (2006-01-02), at a fraction of the formatter's cost: a date is in every
// row the loader hashes and the API writes. Years outside 0–9999 are left
// to the formatter.
func AppendDate(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, time.DateOnly)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}
