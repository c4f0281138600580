package calendar

import (
	"fmt"
	"time"
)

// MonthPrice is a price for one contract month (its year and month fields
// count; day, clock and location are ignored).
type MonthPrice struct {
	Month time.Time
	Price float64
}

// Weighted returns the hour-weighted average price of points for block b in
// loc's prevailing local time (nil means DefaultZone), Σ price·hours / Σ
// hours with hours from Hours, and the total hours Σ hours. This is how a
// QUARTER, SEASON or CALENDAR strip is priced from its monthly tenors. Each
// point counts once, so a month given twice is weighted twice. An unknown
// block wraps ErrUnknownBlock; no points wraps ErrNoPoints.
func Weighted(points []MonthPrice, b Block, loc *time.Location) (avg, hours float64, err error) {
	if !b.Valid() {
		return 0, 0, fmt.Errorf("weighted average: block %q: %w", b, ErrUnknownBlock)
	}
	if len(points) == 0 {
		return 0, 0, fmt.Errorf("weighted average of %s: %w", b, ErrNoPoints)
	}
	loc = orDefault(loc)
	var sum float64
	for _, p := range points {
		h := Hours(b, p.Month, loc)
		sum += p.Price * h
		hours += h
	}
	if hours == 0 {
		return 0, 0, fmt.Errorf("weighted average of %s: points have no hours: %w", b, ErrNoPoints)
	}
	return sum / hours, hours, nil
}
