package subscriber

// recentIDs remembers the last n ids added, to drop redeliveries.
type recentIDs struct {
	ids  map[string]struct{}
	ring []string
	next int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ids: make(map[string]struct{}, n), ring: make([]string, n)}
}

// add reports whether id is new, remembering it.
func (r *recentIDs) add(id string) bool {
	if _, ok := r.ids[id]; ok {
		return false
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.ids[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
	return true
}
