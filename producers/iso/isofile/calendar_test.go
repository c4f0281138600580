package isofile

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func TestDays(t *testing.T) {
	t.Parallel()
	cal := days{layout: isotime.DayLayout, zone: isotime.Eastern}
	// The Eastern day 2024-11-03 runs 04:00 UTC to 05:00 UTC next day.
	w := collector.Days(utc(2024, 11, 3, 0, 0), utc(2024, 11, 3, 0, 0), isotime.Eastern)
	if !w.Since.Equal(utc(2024, 11, 3, 4, 0)) || !w.Until.Equal(utc(2024, 11, 4, 5, 0).Add(-time.Nanosecond)) {
		t.Fatalf("window of 2024-11-03: %+v", w)
	}
	p, next, err := cal.period("", w)
	if err != nil || !p.Day.Equal(utc(2024, 11, 3, 0, 0)) || next != "" ||
		!p.Start.Equal(w.Since) || !p.End.Equal(utc(2024, 11, 4, 5, 0)) {
		t.Errorf("period %+v next %q err %v", p, next, err)
	}
	// Until is inclusive: the first instant of the next day is in it.
	w.Until = utc(2024, 11, 4, 5, 0)
	p, next, _ = cal.period("", w)
	if next != "20241104" {
		t.Errorf("next %q", next)
	}
	if !isotime.Date(utc(2024, 11, 4, 4, 59), isotime.Eastern).Equal(p.Day) {
		t.Error("Date")
	}
	if _, _, err := cal.period("2024-11-04", w); err == nil {
		t.Error("bad cursor accepted")
	}
	// Today's file may not be posted yet, yesterday's must be.
	now := utc(2024, 11, 4, 12, 0)
	if !cal.pending(Period{Day: utc(2024, 11, 4, 0, 0)}, now) || cal.pending(Period{Day: utc(2024, 11, 3, 0, 0)}, now) {
		t.Error("pending")
	}
}

func TestIntervals(t *testing.T) {
	t.Parallel()
	cal := intervals{length: 5 * time.Minute, zone: isotime.Central}
	// A window starting within an interval begins with the next one.
	w := collector.Window{Since: utc(2025, 3, 31, 13, 46), Until: utc(2025, 3, 31, 13, 55)}
	p, next, err := cal.period("", w)
	if err != nil || !p.Start.Equal(utc(2025, 3, 31, 13, 50)) || !p.End.Equal(utc(2025, 3, 31, 13, 55)) ||
		!p.Day.Equal(utc(2025, 3, 31, 0, 0)) || next != "2025-03-31T14:00:00Z" {
		t.Errorf("period %+v next %q err %v", p, next, err)
	}
	if p, next, _ = cal.period(next, w); !p.End.Equal(utc(2025, 3, 31, 14, 0)) || next != "" {
		t.Errorf("last period %+v next %q", p, next)
	}
	// An interval's file may take an hour to be posted.
	now := utc(2025, 3, 31, 15, 0)
	if !cal.pending(Period{End: utc(2025, 3, 31, 14, 5)}, now) || cal.pending(Period{End: utc(2025, 3, 31, 13, 55)}, now) {
		t.Error("pending")
	}
}
