package subscriber

import "testing"

func TestRecentIDs(t *testing.T) {
	t.Parallel()
	r := newRecentIDs(2)
	for i, tc := range []struct {
		id   string
		want bool
	}{{"a", true}, {"a", false}, {"b", true}, {"c", true}, {"a", true}, {"c", false}} {
		if got := r.add(tc.id); got != tc.want {
			t.Errorf("step %d add(%q) = %v, want %v", i, tc.id, got, tc.want)
		}
	}
}
