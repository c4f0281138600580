// Package isotime turns the local wall-clock labels ISOs publish into UTC
// instants, including the 23- and 25-hour days of daylight-saving changes:
// a wall time skipped by spring-forward has no instant, one repeated by
// fall-back has two, and the caller says which it means.
package isotime

import (
	"errors"
	"fmt"
	"slices"
	"time"

	// Embedded zone data, so conversions do not depend on the host's
	// /usr/share/zoneinfo (distroless images have none).
	_ "time/tzdata"
)

// The prevailing-time zones of the ISOs: Eastern for PJM, NYISO and
// ISO-NE, Central for SPP and ERCOT, Pacific for CAISO.
var (
	Eastern = mustLoad("America/New_York")
	Central = mustLoad("America/Chicago")
	Pacific = mustLoad("America/Los_Angeles")
)

// mustLoad loads a zone from the embedded database, which always has it.
func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("isotime: embedded zone %s: %v", name, err))
	}
	return loc
}

// Errors of a wall time that does not name exactly one instant; callers
// wrap them into their own malformed-response errors.
var (
	// ErrNonexistent is a wall time skipped by a spring-forward change.
	ErrNonexistent = errors.New("local time does not exist (daylight-saving gap)")
	// ErrRepeated is a wall time seen more often than it occurs.
	ErrRepeated = errors.New("local time repeated more often than it occurs")
)

// Candidates returns the instants, earliest first, whose wall clock in loc
// reads wall's year, month, day, hour, minute, second and nanosecond
// (wall's own location is ignored): none in a spring-forward gap, two in
// the repeated hour of a fall-back, one otherwise.
func Candidates(wall time.Time, loc *time.Location) []time.Time {
	y, mo, d := wall.Date()
	h, mi, s := wall.Clock()
	asUTC := time.Date(y, mo, d, h, mi, s, wall.Nanosecond(), time.UTC)
	var out []time.Time
	// Every offset in force within a day either side covers any transition
	// that could make this wall time skipped or repeated.
	for _, probe := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, off := asUTC.Add(probe).In(loc).Zone()
		t := asUTC.Add(-time.Duration(off) * time.Second)
		local := t.In(loc)
		ly, lmo, ld := local.Date()
		lh, lmi, ls := local.Clock()
		if ly == y && lmo == mo && ld == d && lh == h && lmi == mi && ls == s && !slices.ContainsFunc(out, t.Equal) {
			out = append(out, t.UTC())
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// WithOffset returns the instant whose wall clock in loc is wall and whose
// UTC offset there is offsetSeconds: how a label that carries its zone
// abbreviation (EST or EDT) resolves the repeated hour.
func WithOffset(wall time.Time, loc *time.Location, offsetSeconds int) (time.Time, error) {
	cands := Candidates(wall, loc)
	for _, t := range cands {
		if _, off := t.In(loc).Zone(); off == offsetSeconds {
			return t, nil
		}
	}
	if len(cands) == 0 {
		return time.Time{}, fmt.Errorf("%s in %s: %w", wall.Format(time.DateTime), loc, ErrNonexistent)
	}
	return time.Time{}, fmt.Errorf("%s in %s has no UTC offset %+ds", wall.Format(time.DateTime), loc, offsetSeconds)
}

// Sequence resolves wall-clock labels of files that repeat the ambiguous
// fall-back hour without saying which is which: rows are in time order per
// series (per location, say), so the first time a series shows a repeated
// wall time it is the earlier instant (daylight time) and the second time
// the later (standard time). A third showing, or a skipped wall time, is
// an error. The zero value is not usable; use NewSequence.
type Sequence struct {
	loc  *time.Location
	seen map[sequenceKey]int
}

type sequenceKey struct {
	series string
	wall   time.Time
}

// NewSequence returns a Sequence for wall times in loc.
func NewSequence(loc *time.Location) *Sequence {
	return &Sequence{loc: loc, seen: make(map[sequenceKey]int)}
}

// Resolve returns the instant of the wall time of series, counting how
// often the series has shown it.
func (s *Sequence) Resolve(series string, wall time.Time) (time.Time, error) {
	cands := Candidates(wall, s.loc)
	if len(cands) == 0 {
		return time.Time{}, fmt.Errorf("%s in %s: %w", wall.Format(time.DateTime), s.loc, ErrNonexistent)
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	y, mo, d := wall.Date()
	h, mi, sec := wall.Clock()
	k := sequenceKey{series: series, wall: time.Date(y, mo, d, h, mi, sec, wall.Nanosecond(), time.UTC)}
	n := s.seen[k]
	if n >= len(cands) {
		return time.Time{}, fmt.Errorf("%s %s in %s: %w", series, wall.Format(time.DateTime), s.loc, ErrRepeated)
	}
	s.seen[k] = n + 1
	return cands[n], nil
}

// Date is the operating day of instant t in loc, as the Avro date
// convention of schemas wants it: midnight UTC of that local date.
func Date(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DayLayout is the form of an operating day in cursors and file names.
const DayLayout = "20060102"
