package calendar

import (
	"fmt"
	"strings"
	"time"

	// Embedded so that hours per block are DST-correct even in a container
	// image without /usr/share/zoneinfo; the calendar is wrong, not just
	// slower, when a zone falls back to UTC.
	_ "time/tzdata"
)

// DefaultZone is the zone used for an unknown ISO and for a nil location:
// Eastern prevailing time, the convention of the largest power markets.
const DefaultZone = "America/New_York"

// isoZones maps an ISO code (upper case, without separators) to the IANA zone
// of its prevailing local time, in which its delivery blocks are defined.
var isoZones = map[string]string{
	"PJM":   "America/New_York",
	"NYISO": "America/New_York",
	"ISONE": "America/New_York",
	"MISO":  "America/Chicago",
	"ERCOT": "America/Chicago",
	"SPP":   "America/Chicago",
	"CAISO": "America/Los_Angeles",
	"AESO":  "America/Edmonton",
}

// zones holds the loaded locations of isoZones and DefaultZone. It is built
// once at start-up and never written afterwards.
var zones = loadZones()

func loadZones() map[string]*time.Location {
	out := make(map[string]*time.Location, len(isoZones)+1)
	for _, name := range append([]string{DefaultZone}, values(isoZones)...) {
		if _, ok := out[name]; ok {
			continue
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			// Unreachable with time/tzdata embedded; a missing zone is a
			// build defect, not a runtime condition.
			panic(fmt.Sprintf("calendar: load zone %s: %v", name, err))
		}
		out[name] = loc
	}
	return out
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// LocationForISO returns the prevailing local time zone in which an ISO's
// blocks are defined: PJM, NYISO and ISONE Eastern; MISO, ERCOT and SPP
// Central; CAISO Pacific; AESO Mountain (America/Edmonton). The code is
// matched case-insensitively ignoring '-', '_' and spaces ("ISO-NE" is ISONE);
// an unknown or empty code gets DefaultZone.
func LocationForISO(iso string) *time.Location {
	if name, ok := isoZones[Normalize(iso)]; ok {
		return zones[name]
	}
	return zones[DefaultZone]
}

// orDefault returns loc, or the DefaultZone location when loc is nil.
func orDefault(loc *time.Location) *time.Location {
	if loc == nil {
		return zones[DefaultZone]
	}
	return loc
}

// Normalize upper-cases s and drops spaces, tabs, '-' and '_': the form in
// which block names, tenor types and ISO codes are matched, so that
// "on-peak", "On Peak" and "ONPEAK" compare equal, as do "ISO-NE" and
// "isone".
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '\t':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}
