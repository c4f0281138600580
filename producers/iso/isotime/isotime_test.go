package isotime

import (
	"errors"
	"testing"
	"time"
)

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func TestCandidates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		wall time.Time
		loc  *time.Location
		want []time.Time
	}{
		{"summer", utc(2026, 6, 9, 0, 0), Eastern, []time.Time{utc(2026, 6, 9, 4, 0)}},
		{"winter", utc(2026, 1, 9, 0, 0), Central, []time.Time{utc(2026, 1, 9, 6, 0)}},
		// 2024-11-03 01:30 Eastern happens at 05:30 UTC (EDT) and 06:30 (EST).
		{"fall-back", utc(2024, 11, 3, 1, 30), Eastern, []time.Time{utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 6, 30)}},
		// 2026-03-08 02:30 Eastern does not happen.
		{"spring gap", utc(2026, 3, 8, 2, 30), Eastern, nil},
		{"after gap", utc(2026, 3, 8, 3, 0), Eastern, []time.Time{utc(2026, 3, 8, 7, 0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Candidates(tc.wall, tc.loc)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestSequence(t *testing.T) {
	t.Parallel()
	s := NewSequence(Eastern)
	one := utc(2024, 11, 3, 1, 0)
	a, _ := s.Resolve("A", one)
	b, _ := s.Resolve("B", one)
	a2, _ := s.Resolve("A", one)
	if !a.Equal(utc(2024, 11, 3, 5, 0)) || !b.Equal(a) || !a2.Equal(utc(2024, 11, 3, 6, 0)) {
		t.Errorf("A %s, B %s, A again %s", a, b, a2)
	}
	if _, err := s.Resolve("A", one); !errors.Is(err, ErrRepeated) {
		t.Errorf("third 01:00: %v", err)
	}
	if _, err := s.Resolve("A", utc(2026, 3, 8, 2, 0)); !errors.Is(err, ErrNonexistent) {
		t.Errorf("02:00 on spring-forward day: %v", err)
	}
	if got, _ := WithOffset(one, Eastern, -5*3600); !got.Equal(utc(2024, 11, 3, 6, 0)) {
		t.Errorf("01:00 EST = %s", got)
	}
}
