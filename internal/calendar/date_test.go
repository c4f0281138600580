package calendar_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
)

// TestAppendDate: AppendDate writes what time.DateOnly formats, in the
// time's own location, for years of four digits and the others.
func TestAppendDate(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 15, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 8, 1, 30, 0, 0, ny),
		time.Date(2026, 3, 8, 3, 0, 0, 0, time.UTC).In(ny), // still 7 March in New York
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		times = append(times, time.Unix(rng.Int64N(400*365*86400)-100*365*86400, 0).UTC())
	}
	for _, tm := range times {
		want := tm.Format(time.DateOnly)
		if got := string(calendar.AppendDate([]byte("x"), tm)); got != "x"+want {
			t.Errorf("AppendDate(%v) = %q, want %q", tm, got, "x"+want)
		}
	}
}
