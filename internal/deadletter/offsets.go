package deadletter

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// span is the offsets from first to last, both included.
type span struct{ first, last int64 }

// offsetSet is a set of offsets of one partition, kept as sorted, disjoint,
// non-adjacent spans: the dead letters of a partition that were replayed.
// Replays filtered by reason leave gaps, so a single offset would not do.
type offsetSet struct{ spans []span }

// has reports whether o is in the set; a nil set is empty.
func (s *offsetSet) has(o int64) bool {
	if s == nil {
		return false
	}
	_, found := slices.BinarySearchFunc(s.spans, o, func(sp span, o int64) int {
		switch {
		case sp.last < o:
			return -1
		case sp.first > o:
			return 1
		}
		return 0
	})
	return found
}

// add puts o in the set.
func (s *offsetSet) add(o int64) {
	if s.has(o) {
		return
	}
	i, _ := slices.BinarySearchFunc(s.spans, o, func(sp span, o int64) int {
		if sp.first < o {
			return -1
		}
		return 1
	})
	// i is the first span after o; merge with it and with the one before
	// when adjacent.
	joinsPrev := i > 0 && s.spans[i-1].last == o-1
	joinsNext := i < len(s.spans) && s.spans[i].first == o+1
	switch {
	case joinsPrev && joinsNext:
		s.spans[i-1].last = s.spans[i].last
		s.spans = slices.Delete(s.spans, i, i+1)
	case joinsPrev:
		s.spans[i-1].last = o
	case joinsNext:
		s.spans[i].first = o
	default:
		s.spans = slices.Insert(s.spans, i, span{o, o})
	}
}

// dropBelow forgets the offsets below o: dead letters the topic's
// retention deleted, which keeps the set as small as the topic.
func (s *offsetSet) dropBelow(o int64) {
	i := 0
	for i < len(s.spans) && s.spans[i].last < o {
		i++
	}
	s.spans = s.spans[i:]
	if len(s.spans) > 0 && s.spans[0].first < o {
		s.spans[0].first = o
	}
}

func (s *offsetSet) clone() *offsetSet { return &offsetSet{spans: slices.Clone(s.spans)} }

// String is the set as "0-4,7,9-12".
func (s *offsetSet) String() string {
	var b strings.Builder
	for i, sp := range s.spans {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(sp.first, 10))
		if sp.last != sp.first {
			b.WriteByte('-')
			b.WriteString(strconv.FormatInt(sp.last, 10))
		}
	}
	return b.String()
}

// parseOffsetSet reads what String writes.
func parseOffsetSet(text string) (*offsetSet, error) {
	s := &offsetSet{}
	if text == "" {
		return s, nil
	}
	for part := range strings.SplitSeq(text, ",") {
		a, b, isSpan := strings.Cut(part, "-")
		first, err := strconv.ParseInt(a, 10, 64)
		last := first
		if err == nil && isSpan {
			last, err = strconv.ParseInt(b, 10, 64)
		}
		if err != nil || first < 0 || last < first {
			return nil, fmt.Errorf("offsets %q: bad span %q", text, part)
		}
		if n := len(s.spans); n > 0 && first <= s.spans[n-1].last+1 {
			return nil, fmt.Errorf("offsets %q: span %q is not after the one before", text, part)
		}
		s.spans = append(s.spans, span{first, last})
	}
	return s, nil
}
