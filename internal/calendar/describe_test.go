package calendar_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/internal/calendar"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	y := calendar.Describe(2027, calendar.LocationForISO("PJM"))
	if y.Year != 2027 || y.TimeZone != "America/New_York" || len(y.Holidays) != 6 || len(y.Months) != 12 {
		t.Fatalf("Describe(2027) = year %d zone %s, %d holidays, %d months", y.Year, y.TimeZone, len(y.Holidays), len(y.Months))
	}
	jan := y.Months[0]
	// See TestHours: Jan 2027 has 20 ON days.
	want := calendar.Month{Month: "2027-01", Days: 31, OnDays: 20, Hours: calendar.BlockHours{
		On: 320, Off: 424, TwoBy16: 176, SevenBy8: 248, SevenBy16: 496, ATC: 744,
	}}
	if jan != want {
		t.Errorf("January = %+v, want %+v", jan, want)
	}
	if y.Months[1].Month != "2027-02" || y.Months[1].Days != 28 || y.Months[10].Hours.ATC != 721 {
		t.Errorf("February %+v, November %+v", y.Months[1], y.Months[10])
	}
	// 2027 starts on a Friday: 52 weeks + 1 Friday = 261 weekdays, minus the
	// five weekday holidays (Christmas is a Saturday) = 256 ON days; DST's
	// lost and gained hours cancel.
	wantTotals := calendar.BlockHours{
		On: 256 * 16, TwoBy16: 109 * 16, SevenBy8: 365 * 8, Off: 109*16 + 365*8,
		SevenBy16: 365 * 16, ATC: 8760,
	}
	if y.Totals != wantTotals {
		t.Errorf("totals = %+v, want %+v", y.Totals, wantTotals)
	}
}

func TestDescribeJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(calendar.Describe(2027, nil))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"year":2027`, `"time_zone":"America/New_York"`,
		`"holidays":[{"date":"2027-01-01","name":"New Year's Day"}`,
		`{"month":"2027-01","days":31,"on_days":20,"hours":{"on":320,"off":424,"2x16":176,"7x8":248,"7x16":496,"atc":744}}`,
		`"totals":{"on":4096,`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s:\n%s", want, s)
		}
	}
}
