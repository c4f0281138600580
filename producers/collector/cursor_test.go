package collector_test

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector"
)

func TestNumberCursor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cursor string
		first  int
		want   int
		ok     bool
	}{
		{"", 1, 1, true}, {"", 0, 0, true}, {"101", 1, 101, true}, {"0", 0, 0, true},
		{"0", 1, 0, false}, {"-5", 0, 0, false}, {"x", 0, 0, false},
	} {
		n, err := collector.NumberCursor(tc.cursor, tc.first, "a page")
		if (err == nil) != tc.ok || n != tc.want {
			t.Errorf("NumberCursor(%q, %d) = %d, %v", tc.cursor, tc.first, n, err)
		}
	}
}
