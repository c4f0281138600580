package calendar_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
)

func TestHolidays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		year int
		want []string // "YYYY-MM-DD name", in order
	}{
		{
			// Jan 1 Thu; May 31 is a Sunday so the last Monday is May 25;
			// Jul 4 is a Saturday, not moved; Sep 1 Tue so Labor Day Sep 7;
			// Nov 1 Sun so Thursdays are 5, 12, 19, 26; Dec 25 Fri.
			name: "2026 Saturday July 4 not moved",
			year: 2026,
			want: []string{
				"2026-01-01 New Year's Day", "2026-05-25 Memorial Day", "2026-07-04 Independence Day",
				"2026-09-07 Labor Day", "2026-11-26 Thanksgiving Day", "2026-12-25 Christmas Day",
			},
		},
		{
			// Jan 1 Fri; May 31 is a Monday; Jul 4 Sunday, observed Mon Jul 5;
			// Sep 1 Wed so Sep 6; Nov 1 Mon so Thursdays 4, 11, 18, 25;
			// Dec 25 Saturday, not moved.
			name: "2027 Sunday July 4 observed Monday, Saturday Christmas not moved",
			year: 2027,
			want: []string{
				"2027-01-01 New Year's Day", "2027-05-31 Memorial Day", "2027-07-05 Independence Day (observed)",
				"2027-09-06 Labor Day", "2027-11-25 Thanksgiving Day", "2027-12-25 Christmas Day",
			},
		},
		{
			// Jan 1 Saturday (not moved, no Friday Dec 31 2021 holiday);
			// Dec 25 Sunday, observed Mon Dec 26. May 30, Sep 5, Nov 24.
			name: "2022 Sunday Christmas observed Monday",
			year: 2022,
			want: []string{
				"2022-01-01 New Year's Day", "2022-05-30 Memorial Day", "2022-07-04 Independence Day",
				"2022-09-05 Labor Day", "2022-11-24 Thanksgiving Day", "2022-12-26 Christmas Day (observed)",
			},
		},
		{
			// Jan 1 2023 Sunday, observed Mon Jan 2.
			name: "2023 Sunday New Year observed Monday",
			year: 2023,
			want: []string{
				"2023-01-02 New Year's Day (observed)", "2023-05-29 Memorial Day", "2023-07-04 Independence Day",
				"2023-09-04 Labor Day", "2023-11-23 Thanksgiving Day", "2023-12-25 Christmas Day",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := calendar.Holidays(tt.year)
			if len(got) != len(tt.want) {
				t.Fatalf("Holidays(%d) has %d entries, want %d: %v", tt.year, len(got), len(tt.want), got)
			}
			for i, h := range got {
				if s := h.Date.Format(time.DateOnly) + " " + h.Name; s != tt.want[i] {
					t.Errorf("holiday %d = %q, want %q", i, s, tt.want[i])
				}
			}
		})
	}
}

func TestHolidayJSON(t *testing.T) {
	t.Parallel()
	h := calendar.Holidays(2027)[2]
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"date":"2027-07-05","name":"Independence Day (observed)"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var back calendar.Holiday
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Date.Equal(h.Date) || back.Name != h.Name {
		t.Errorf("round trip = %+v, want %+v", back, h)
	}
}
