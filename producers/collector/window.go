package collector

import (
	"cmp"
	"errors"
	"fmt"
	"time"
)

// Window bounds the observations collected; a zero bound is open. Both
// bounds are inclusive. A source whose API takes coarser bounds (dates,
// years) rounds Since up and Until down, never widening the window: the
// runtime resumes a finished series at its watermark + 1ns, and drops
// whatever the provider returns outside the window it asked for
// (Record.Time).
type Window struct {
	Since, Until time.Time
}

// Contains reports whether t lies in w: at or after Since and at or
// before Until.
func (w Window) Contains(t time.Time) bool {
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || !t.After(w.Until))
}

// Reach is how far around now a source's window reaches where a run
// leaves it open (no --since or --until): a window without a start begins
// Lookback before now, one without an end reaches Lookahead after now.
// Now is the source's clock, of open windows and of ingest_ts.
type Reach struct {
	Lookback, Lookahead time.Duration
	Now                 func() time.Time
}

// Or is r with the durations it leaves zero taken from def, and Now
// defaulting to time.Now; a negative duration is an error.
func (r Reach) Or(def Reach) (Reach, error) {
	r.Lookback, r.Lookahead = cmp.Or(r.Lookback, def.Lookback), cmp.Or(r.Lookahead, def.Lookahead)
	if r.Lookback < 0 || r.Lookahead < 0 {
		return r, errors.New("lookback and lookahead must not be negative")
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r, nil
}

// Close closes the bounds w leaves open, around now truncated to a
// multiple of round (zero: now itself): Since at Lookback before it, Until
// at Lookahead after it. It returns the closed window and now, in UTC.
func (r Reach) Close(w Window, round time.Duration) (closed Window, now time.Time) {
	now = r.Now().UTC()
	at := now.Truncate(round)
	if w.Since.IsZero() {
		w.Since = at.Add(-r.Lookback)
	}
	if w.Until.IsZero() {
		w.Until = at.Add(r.Lookahead)
	}
	return Window{Since: w.Since.UTC(), Until: w.Until.UTC()}, now
}

// Zoned is a Source whose provider publishes by the operating days of a
// market's time zone (an ISO's prevailing time): the dates of a window
// name those days. The days of any other source are UTC days.
type Zoned interface {
	Zone() *time.Location
}

// ZoneOf is the zone whose operating days the dates of src's windows name.
func ZoneOf(src Source) *time.Location {
	if z, ok := src.(Zoned); ok {
		return z.Zone()
	}
	return time.UTC
}

// OperatingDay returns the instants the operating day date (its year,
// month and day, whatever its location) spans in loc: [start, end), 23
// or 25 hours long on the days daylight saving time begins or ends.
func OperatingDay(date time.Time, loc *time.Location) (start, end time.Time) {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc).UTC(), time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()
}

// Days is the window of the operating days first to last in loc, both
// included: from the start of first to the last instant of last. A zero
// date leaves its bound open.
func Days(first, last time.Time, loc *time.Location) Window {
	var w Window
	if !first.IsZero() {
		w.Since, _ = OperatingDay(first, loc)
	}
	if !last.IsZero() {
		_, end := OperatingDay(last, loc)
		w.Until = end.Add(-time.Nanosecond)
	}
	return w
}

// ParseWindow reads the bounds of `aurum collect --since/--until`: a date
// (YYYY-MM-DD) names an operating day in zone, from its first instant
// (since) or to its last (until), so both dates are included; an RFC 3339
// time is that instant. An empty bound is open.
func ParseWindow(since, until string, zone *time.Location) (Window, error) {
	first, sinceDate, err := parseArg(since)
	if err != nil {
		return Window{}, fmt.Errorf("--since: %w", err)
	}
	last, untilDate, err := parseArg(until)
	if err != nil {
		return Window{}, fmt.Errorf("--until: %w", err)
	}
	w := Window{Since: first, Until: last}
	if sinceDate {
		w.Since = Days(first, time.Time{}, zone).Since
	}
	if untilDate {
		w.Until = Days(time.Time{}, last, zone).Until
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && w.Until.Before(w.Since) {
		return Window{}, fmt.Errorf("--until %s is before --since %s", until, since)
	}
	return w, nil
}

// parseArg reads one bound of ParseWindow, and whether it is a date.
func parseArg(s string) (t time.Time, date bool, err error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, true, nil
	}
	if t, err = time.Parse(time.RFC3339, s); err != nil {
		return time.Time{}, false, fmt.Errorf("%q is neither YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t.UTC(), false, nil
}
