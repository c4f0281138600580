package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

func TestParseBlock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want calendar.Block
	}{
		{"ON", calendar.On}, {"on", calendar.On}, {"PEAK", calendar.On}, {"OnPeak", calendar.On},
		{"on-peak", calendar.On}, {"On Peak", calendar.On}, {"5x16", calendar.On},
		{"OFF", calendar.Off}, {"offpeak", calendar.Off}, {"Off_Peak", calendar.Off}, {"wrap", calendar.Off},
		{"2x16", calendar.TwoBy16}, {"2X16H", calendar.TwoBy16},
		{"7x8", calendar.SevenBy8}, {"7x16", calendar.SevenBy16},
		{"ATC", calendar.ATC}, {"atc", calendar.ATC}, {"7x24", calendar.ATC}, {"Flat", calendar.ATC},
		{"base", calendar.ATC}, {"Baseload", calendar.ATC}, {" around-the-clock ", calendar.ATC},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := calendar.ParseBlock(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseBlock(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "5x8", "peakish", "7x25"} {
		t.Run("unknown "+bad, func(t *testing.T) {
			t.Parallel()
			if _, err := calendar.ParseBlock(bad); !errors.Is(err, calendar.ErrUnknownBlock) {
				t.Errorf("ParseBlock(%q) error = %v, want ErrUnknownBlock", bad, err)
			}
		})
	}
}

func TestBlocksListEveryBlockParsable(t *testing.T) {
	t.Parallel()
	infos := calendar.Blocks()
	if len(infos) != 6 {
		t.Fatalf("Blocks() has %d entries, want 6", len(infos))
	}
	for _, info := range infos {
		for _, name := range append([]string{string(info.Name)}, info.Aliases...) {
			if got, err := calendar.ParseBlock(name); err != nil || got != info.Name {
				t.Errorf("ParseBlock(%q) = %q, %v; want %q", name, got, err, info.Name)
			}
		}
		if info.Description == "" {
			t.Errorf("%s has no description", info.Name)
		}
	}
	infos[0].Aliases[0] = "mutated"
	if calendar.Blocks()[0].Aliases[0] == "mutated" {
		t.Error("Blocks() exposes the package table")
	}
}

func TestHours(t *testing.T) {
	t.Parallel()
	ny := calendar.LocationForISO("PJM")
	tests := []struct {
		name  string
		block calendar.Block
		month time.Time
		loc   *time.Location
		want  float64
	}{
		// Jan 2027: Jan 1 is a Friday; 28 days = 20 weekdays, plus Fri 29 = 21
		// weekdays; minus New Year's Day (Fri) = 20 days × 16 = 320.
		{"ON Jan 2027", calendar.On, month(2027, time.January), ny, 320},
		// 31 − 20 ON days = 11 days × 16 = 176.
		{"2x16 Jan 2027", calendar.TwoBy16, month(2027, time.January), ny, 176},
		// 31 × 8 = 248.
		{"7x8 Jan 2027", calendar.SevenBy8, month(2027, time.January), ny, 248},
		// 176 + 248 = 424.
		{"OFF Jan 2027", calendar.Off, month(2027, time.January), ny, 424},
		// 31 × 16 = 496.
		{"7x16 Jan 2027", calendar.SevenBy16, month(2027, time.January), ny, 496},
		{"ATC Jan 2027", calendar.ATC, month(2027, time.January), ny, 744},
		// Jan 2026: Jan 1 Thu; 28 days = 20 weekdays plus Thu 29, Fri 30 = 22;
		// minus New Year's Day = 21 × 16 = 336.
		{"ON Jan 2026", calendar.On, month(2026, time.January), ny, 336},
		// Feb 2026: exactly 4 weeks, 20 weekdays, no holiday = 320.
		{"ON Feb 2026", calendar.On, month(2026, time.February), ny, 320},
		// Jul 2026: Jul 1 Wed; 28 days = 20 weekdays plus Wed 29, Thu 30,
		// Fri 31 = 23; Jul 4 is a Saturday, not moved = 23 × 16 = 368.
		{"ON Jul 2026 Saturday holiday", calendar.On, month(2026, time.July), ny, 368},
		// Jul 2027: Jul 1 Thu; 20 + Thu 29, Fri 30 = 22 weekdays; minus
		// observed Mon Jul 5 = 21 × 16 = 336.
		{"ON Jul 2027 observed Monday", calendar.On, month(2027, time.July), ny, 336},
		// Nov 2027: Nov 1 Mon; 20 + Mon 29, Tue 30 = 22; minus Thanksgiving
		// Nov 25 = 21 × 16 = 336.
		{"ON Nov 2027", calendar.On, month(2027, time.November), ny, 336},
		// Dec 2027: Dec 1 Wed; 20 + Wed 29, Thu 30, Fri 31 = 23; Christmas is a
		// Saturday, not moved = 23 × 16 = 368.
		{"ON Dec 2027 Saturday Christmas", calendar.On, month(2027, time.December), ny, 368},
		// DST starts Sun Mar 14 2027 (02:00 → 03:00): 31 × 24 − 1 = 743.
		{"ATC Mar 2027 New York", calendar.ATC, month(2027, time.March), ny, 743},
		// The lost hour is HE03, in 7x8: 31 × 8 − 1 = 247.
		{"7x8 Mar 2027 New York", calendar.SevenBy8, month(2027, time.March), ny, 247},
		// Mar 1 2027 is a Monday; 20 + Mon 29, Tue 30, Wed 31 = 23 × 16 = 368,
		// untouched by DST.
		{"ON Mar 2027 New York", calendar.On, month(2027, time.March), ny, 368},
		// DST ends Sun Nov 7 2027 (02:00 → 01:00): November has 30 days, so
		// 30 × 24 + 1 = 721.
		{"ATC Nov 2027 New York", calendar.ATC, month(2027, time.November), ny, 721},
		// The extra hour (repeated HE02) is in 7x8: 30 × 8 + 1 = 241.
		{"7x8 Nov 2027 New York", calendar.SevenBy8, month(2027, time.November), ny, 241},
		// 2x16 Nov 2027: 30 − 21 ON days = 9 × 16 = 144; OFF = 144 + 241.
		{"OFF Nov 2027 New York", calendar.Off, month(2027, time.November), ny, 385},
		{"ATC Mar 2027 Los Angeles", calendar.ATC, month(2027, time.March), calendar.LocationForISO("CAISO"), 743},
		{"ATC Mar 2027 Chicago", calendar.ATC, month(2027, time.March), calendar.LocationForISO("ERCOT"), 743},
		// Arizona keeps standard time all year.
		{"ATC Mar 2027 Phoenix", calendar.ATC, month(2027, time.March), mustLoad(t, "America/Phoenix"), 744},
		{"ATC Mar 2027 UTC", calendar.ATC, month(2027, time.March), time.UTC, 744},
		{"nil location is New York", calendar.ATC, month(2027, time.November), nil, 721},
		// Only year and month count: a mid-month instant in another zone.
		{"day and zone of month ignored", calendar.On, time.Date(2027, time.January, 17, 23, 0, 0, 0, ny), ny, 320},
		{"unknown block", calendar.Block("5X8"), month(2027, time.January), ny, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := calendar.Hours(tt.block, tt.month, tt.loc); got != tt.want {
				t.Errorf("Hours(%s, %s, %v) = %v, want %v", tt.block, tt.month.Format("2006-01"), tt.loc, got, tt.want)
			}
		})
	}
}

func TestHoursPartition(t *testing.T) {
	t.Parallel()
	for _, iso := range []string{"PJM", "ERCOT", "CAISO", "AESO"} {
		t.Run(iso, func(t *testing.T) {
			t.Parallel()
			loc := calendar.LocationForISO(iso)
			for y := 2026; y <= 2028; y++ {
				for m := time.January; m <= time.December; m++ {
					h := calendar.MonthHours(month(y, m), loc)
					label := month(y, m).Format("2006-01")
					if h.On+h.Off != h.ATC {
						t.Errorf("%s: ON %v + OFF %v != ATC %v", label, h.On, h.Off, h.ATC)
					}
					if h.TwoBy16+h.SevenBy8 != h.Off || h.On+h.TwoBy16 != h.SevenBy16 {
						t.Errorf("%s: blocks do not partition: %+v", label, h)
					}
					days := float64(month(y, m).AddDate(0, 1, -1).Day())
					if h.SevenBy16 != 16*days {
						t.Errorf("%s: 7x16 = %v, want %v (DST never touches HE07–HE22)", label, h.SevenBy16, 16*days)
					}
					if d := h.ATC - 24*days; d != 0 && !(m == time.March && d == -1) && !(m == time.November && d == 1) {
						t.Errorf("%s: ATC %v differs from %v outside a DST month", label, h.ATC, 24*days)
					}
					for _, b := range calendar.Blocks() {
						if got := calendar.Hours(b.Name, month(y, m), loc); got != h.Of(b.Name) {
							t.Errorf("%s: Hours(%s) = %v, MonthHours says %v", label, b.Name, got, h.Of(b.Name))
						}
					}
				}
			}
		})
	}
}

func TestLocationForISO(t *testing.T) {
	t.Parallel()
	tests := []struct{ iso, want string }{
		{"PJM", "America/New_York"}, {"NYISO", "America/New_York"}, {"ISONE", "America/New_York"},
		{"ISO-NE", "America/New_York"}, {"isone", "America/New_York"},
		{"MISO", "America/Chicago"}, {"ERCOT", "America/Chicago"}, {"SPP", "America/Chicago"},
		{"CAISO", "America/Los_Angeles"}, {"AESO", "America/Edmonton"},
		{"UNKNOWN", "America/New_York"}, {"", "America/New_York"},
	}
	for _, tt := range tests {
		t.Run("iso "+tt.iso, func(t *testing.T) {
			t.Parallel()
			if got := calendar.LocationForISO(tt.iso).String(); got != tt.want {
				t.Errorf("LocationForISO(%q) = %s, want %s", tt.iso, got, tt.want)
			}
		})
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
