package deadletter

import (
	"testing"
)

func TestOffsetSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		add   []int64
		below int64 // dropBelow, when > 0
		want  string
	}{
		{name: "empty", want: ""},
		{name: "one", add: []int64{7}, want: "7"},
		{name: "a run in order", add: []int64{0, 1, 2, 3, 4}, want: "0-4"},
		{name: "a run backwards", add: []int64{4, 3, 2, 1, 0}, want: "0-4"},
		{name: "gaps a filter leaves", add: []int64{0, 2, 4, 9, 10, 11}, want: "0,2,4,9-11"},
		{name: "filling a gap joins both sides", add: []int64{1, 3, 2}, want: "1-3"},
		{name: "repeats change nothing", add: []int64{5, 5, 6, 5}, want: "5-6"},
		{name: "retention drops whole spans", add: []int64{0, 1, 5, 6, 9}, below: 5, want: "5-6,9"},
		{name: "retention cuts a span", add: []int64{0, 1, 2, 3, 8}, below: 2, want: "2-3,8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &offsetSet{}
			for _, o := range tc.add {
				s.add(o)
			}
			if tc.below > 0 {
				s.dropBelow(tc.below)
			}
			if got := s.String(); got != tc.want {
				t.Fatalf("set = %q, want %q", got, tc.want)
			}
			back, err := parseOffsetSet(s.String())
			if err != nil || back.String() != tc.want {
				t.Fatalf("parse(%q) = %v, %v", tc.want, back, err)
			}
			for _, o := range tc.add {
				if o >= tc.below && !back.has(o) {
					t.Errorf("%d is missing", o)
				}
			}
			if back.has(1000) || back.has(-1) {
				t.Error("has an offset never added")
			}
		})
	}
}

func TestParseOffsetSetRefusesWhatStringNeverWrites(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"x", "3-1", "-1", "1,1", "0-4,3", "2,1", "1-2,3", "1,"} {
		if _, err := parseOffsetSet(bad); err == nil {
			t.Errorf("parseOffsetSet(%q) accepted it", bad)
		}
	}
	var none *offsetSet
	if none.has(0) {
		t.Error("a nil set has an offset")
	}
}
