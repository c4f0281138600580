package calendar_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
)

func TestWeighted(t *testing.T) {
	t.Parallel()
	ny := calendar.LocationForISO("PJM")
	q1 := []calendar.MonthPrice{
		{Month: month(2027, time.January), Price: 50},
		{Month: month(2027, time.February), Price: 40},
		{Month: month(2027, time.March), Price: 30},
	}
	tests := []struct {
		name      string
		points    []calendar.MonthPrice
		block     calendar.Block
		wantAvg   float64
		wantHours float64
	}{
		// ON hours: Jan 320, Feb 320 (20 weekdays), Mar 368 (23 weekdays).
		// (50·320 + 40·320 + 30·368) / 1008 = 39840 / 1008.
		{"Q1 2027 ON", q1, calendar.On, 39840.0 / 1008, 1008},
		// ATC hours: Jan 744, Feb 672, Mar 743 (DST).
		// (50·744 + 40·672 + 30·743) / 2159 = 86370 / 2159.
		{"Q1 2027 ATC", q1, calendar.ATC, 86370.0 / 2159, 2159},
		{"one month is its price", q1[:1], calendar.Off, 50, 424},
		{"flat prices average to the price", []calendar.MonthPrice{
			{Month: month(2027, time.July), Price: 42.5}, {Month: month(2027, time.November), Price: 42.5},
		}, calendar.TwoBy16, 42.5, 10*16 + 9*16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			avg, hours, err := calendar.Weighted(tt.points, tt.block, ny)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(avg-tt.wantAvg) > 1e-9 || hours != tt.wantHours {
				t.Errorf("Weighted = %v over %v h, want %v over %v h", avg, hours, tt.wantAvg, tt.wantHours)
			}
		})
	}
}

func TestWeightedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		points []calendar.MonthPrice
		block  calendar.Block
		want   error
	}{
		{"no points", nil, calendar.On, calendar.ErrNoPoints},
		{"empty slice", []calendar.MonthPrice{}, calendar.ATC, calendar.ErrNoPoints},
		{"unknown block", []calendar.MonthPrice{{Month: month(2027, time.January), Price: 1}}, "PEAK", calendar.ErrUnknownBlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := calendar.Weighted(tt.points, tt.block, nil); !errors.Is(err, tt.want) {
				t.Errorf("Weighted error = %v, want %v", err, tt.want)
			}
		})
	}
}
