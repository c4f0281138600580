package collector

import (
	"fmt"
	"strconv"
)

// NumberCursor reads the cursor of a provider that pages by number (an
// offset, a page, a start row): first for the first page (""), and an
// error naming what it counts for a cursor that is not a number from
// first on.
func NumberCursor(cursor string, first int, what string) (int, error) {
	if cursor == "" {
		return first, nil
	}
	n, err := strconv.Atoi(cursor)
	if err != nil || n < first {
		return 0, fmt.Errorf("cursor %q: want %s from %d", cursor, what, first)
	}
	return n, nil
}
