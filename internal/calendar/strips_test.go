package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
)

func TestStripMonths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tenorType string
		label     string
		first     time.Time
		n         int
		canonical string
	}{
		{"monthly canonical", "MONTHLY", "2027-01", month(2027, time.January), 1, "2027-01"},
		{"monthly alias", "monthly", "Jan-27", month(2027, time.January), 1, "2027-01"},
		{"quarter Q1", "QUARTER", "2027-Q1", month(2027, time.January), 3, "2027-Q1"},
		{"quarter Q4", "QUARTER", "2027-Q4", month(2027, time.October), 3, "2027-Q4"},
		{"quarter prefix form", "quarter", "Q3-2027", month(2027, time.July), 3, "2027-Q3"},
		{"quarter compact", "QUARTER", "2027q2", month(2027, time.April), 3, "2027-Q2"},
		{"quarter two-digit year", "QUARTER", "Q2 27", month(2027, time.April), 3, "2027-Q2"},
		{"summer", "SEASON", "2027-SUMMER", month(2027, time.April), 7, "2027-SUMMER"},
		{"winter spans the year end", "SEASON", "2027-WINTER", month(2027, time.November), 5, "2027-WINTER"},
		{"season name first", "season", "Summer 2027", month(2027, time.April), 7, "2027-SUMMER"},
		{"season abbreviated", "SEASON", "Win27", month(2027, time.November), 5, "2027-WINTER"},
		{"calendar canonical", "CALENDAR", "2027", month(2027, time.January), 12, "2027"},
		{"calendar CAL-YYYY", "CALENDAR", "CAL-2027", month(2027, time.January), 12, "2027"},
		{"calendar CalYY", "calendar", "Cal27", month(2027, time.January), 12, "2027"},
		{"calendar CAL YY", "CALENDAR", "CAL 28", month(2028, time.January), 12, "2028"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := calendar.StripMonths(tt.tenorType, tt.label)
			if err != nil {
				t.Fatalf("StripMonths(%s, %q): %v", tt.tenorType, tt.label, err)
			}
			if len(got) != tt.n {
				t.Fatalf("StripMonths(%s, %q) has %d months, want %d", tt.tenorType, tt.label, len(got), tt.n)
			}
			for i, m := range got {
				if want := tt.first.AddDate(0, i, 0); !m.Equal(want) || m.Location() != time.UTC {
					t.Errorf("month %d = %v, want %v UTC", i, m, want)
				}
				if l := calendar.StripLabel(tt.tenorType, m); l != tt.canonical {
					t.Errorf("StripLabel(%s, %s) = %q, want %q", tt.tenorType, m.Format("2006-01"), l, tt.canonical)
				}
			}
		})
	}
}

func TestStripMonthsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tenorType, label string
		want                   error
	}{
		{"unknown tenor type", "WEEKLY", "2027-W01", calendar.ErrUnknownTenorType},
		{"strip tenor type has no fixed months", "STRIP", "2027", calendar.ErrUnknownTenorType},
		{"quarter 5", "QUARTER", "2027-Q5", calendar.ErrInvalidLabel},
		{"quarter without year", "QUARTER", "Q1", calendar.ErrInvalidLabel},
		{"season unknown", "SEASON", "2027-SPRING", calendar.ErrInvalidLabel},
		{"calendar two-digit bare", "CALENDAR", "27", calendar.ErrInvalidLabel},
		{"calendar garbage", "CALENDAR", "2027; drop", calendar.ErrInvalidLabel},
		{"monthly month 13", "MONTHLY", "2027-13", calendar.ErrInvalidLabel},
		{"empty label", "MONTHLY", "", calendar.ErrInvalidLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := calendar.StripMonths(tt.tenorType, tt.label); !errors.Is(err, tt.want) {
				t.Errorf("StripMonths(%s, %q) error = %v, want %v", tt.tenorType, tt.label, err, tt.want)
			}
		})
	}
}

// Every month of 2026–2028 lies in exactly the strip its label names.
func TestStripLabelRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tenor := range []string{"MONTHLY", "QUARTER", "SEASON", "CALENDAR"} {
		t.Run(tenor, func(t *testing.T) {
			t.Parallel()
			for m := month(2026, time.January); m.Year() <= 2028; m = m.AddDate(0, 1, 0) {
				label := calendar.StripLabel(tenor, m)
				months, err := calendar.StripMonths(tenor, label)
				if err != nil {
					t.Fatalf("StripMonths(%s, %q): %v", tenor, label, err)
				}
				found := false
				for _, sm := range months {
					found = found || sm.Equal(m)
				}
				if !found {
					t.Errorf("%s strip %q = %v does not contain %s", tenor, label, months, m.Format("2006-01"))
				}
			}
		})
	}
}

func TestStripLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tenorType string
		month           time.Time
		want            string
	}{
		{"march belongs to previous winter", "SEASON", month(2028, time.March), "2027-WINTER"},
		{"november starts winter", "SEASON", month(2027, time.November), "2027-WINTER"},
		{"october ends summer", "SEASON", month(2027, time.October), "2027-SUMMER"},
		{"december is Q4", "QUARTER", month(2027, time.December), "2027-Q4"},
		{"zone and day ignored", "MONTHLY", time.Date(2027, time.February, 28, 23, 0, 0, 0, time.UTC), "2027-02"},
		{"unknown tenor type", "WEEKLY", month(2027, time.January), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := calendar.StripLabel(tt.tenorType, tt.month); got != tt.want {
				t.Errorf("StripLabel(%s, %v) = %q, want %q", tt.tenorType, tt.month, got, tt.want)
			}
		})
	}
}

func TestParseMonth(t *testing.T) {
	t.Parallel()
	jan27 := month(2027, time.January)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2027-01", jan27}, {"2027/01", jan27}, {"202701", jan27}, {"01/2027", jan27}, {"2027-1", jan27},
		{"Jan-27", jan27}, {"JAN27", jan27}, {"jan27", jan27}, {"Jan 2027", jan27}, {"January 2027", jan27},
		{"Jan'27", jan27}, {"JAN-2027", jan27}, {" 2027-01 ", jan27},
		{"Sep-28", month(2028, time.September)}, {"Sept 2028", month(2028, time.September)},
		{"DEC99", month(2099, time.December)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := calendar.ParseMonth(tt.in)
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseMonth(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "2027", "2027-00", "2027-13", "Foo-27", "Jan", "Jan-7", "27-01", "2027-01-15", "Jan 2027!"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			t.Parallel()
			if _, err := calendar.ParseMonth(bad); !errors.Is(err, calendar.ErrInvalidLabel) {
				t.Errorf("ParseMonth(%q) error = %v, want ErrInvalidLabel", bad, err)
			}
		})
	}
}
