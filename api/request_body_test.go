package api

import "testing"

// TestLoneSurrogate: only half a surrogate pair, escaped, is refused — not
// a whole pair, an escaped backslash before "u", nor other escapes.
func TestLoneSurrogate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		json string
		lone bool
	}{
		{`{"name":"x"}`, false},
		{`{"name":"\ud83d\ude00"}`, false},
		{`{"name":"\\ud800"}`, false},
		{`{"name":"\u00e9\n\"\\"}`, false},
		{`{"name":"\ud800"}`, true},
		{`{"name":"\udc00"}`, true},
		{`{"name":"\ud800x"}`, true},
		{`{"name":"\ud800\u0041"}`, true},
		{`{"name":"\\\ud800"}`, true},
		{`"\ud800`, true},
	} {
		if got := loneSurrogate([]byte(tc.json)); got != tc.lone {
			t.Errorf("loneSurrogate(%s) = %v, want %v", tc.json, got, tc.lone)
		}
	}
}
