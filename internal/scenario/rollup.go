package scenario

import (
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
)

// rollUps returns an output for each complete tenorType strip of monthly
// (one curve's MONTHLY outputs in month order): base, each attribution delta
// and the bands hour-weighted by the curve's block in its ISO's zone, and
// value = base + Σ attribution. It returns nothing when the curve's block is
// unknown to the calendar.
func (e *Engine) rollUps(curve *BasePoint, monthly []Output, tenorType string) []Output {
	block := calendar.ATC
	if curve.Block != "" {
		b, err := calendar.ParseBlock(curve.Block)
		if err != nil {
			return nil
		}
		block = b
	}
	loc := calendar.LocationForISO(curve.ISO)
	var out []Output
	for start := 0; start < len(monthly); {
		first := *monthly[start].ContractMonth
		end := start + 1
		for end < len(monthly) && sameStrip(tenorType, first, *monthly[end].ContractMonth) {
			end++
		}
		months := monthly[start:end]
		start = end
		if len(months) != stripLen(tenorType) {
			continue // incomplete: months are distinct, so a short strip misses one
		}
		label := calendar.StripLabel(tenorType, first)
		hours := make([]float64, len(months))
		for i := range months {
			hours[i] = calendar.Hours(block, *months[i].ContractMonth, loc)
		}
		if o, ok := rollUp(months, hours, tenorType, label); ok {
			out = append(out, o)
		}
	}
	return out
}

// rollUp averages the months of one complete strip weighted by hours; it
// returns false when the months have no hours.
func rollUp(months []Output, hours []float64, tenorType, label string) (Output, bool) {
	// Σ price·hours / Σ hours, summed in month order exactly as
	// calendar.Weighted does, so a strip's base equals GET /v1/curves/strips.
	weighted := func(value func(o *Output) float64) float64 {
		var sum, total float64
		for i := range months {
			sum += value(&months[i]) * hours[i]
			total += hours[i]
		}
		return sum / total
	}
	var total float64
	for _, h := range hours {
		total += h
	}
	if total == 0 {
		return Output{}, false
	}
	o := Output{
		CurveKey: months[0].CurveKey, TenorType: tenorType, TenorLabel: label, Metric: MetricPrice,
		Base:        weighted(func(m *Output) float64 { return m.Base }),
		Attribution: make([]Attribution, len(months[0].Attribution)),
	}
	for i, a := range months[0].Attribution {
		o.Attribution[i] = Attribution{Driver: a.Driver, Delta: weighted(func(m *Output) float64 { return m.Attribution[i].Delta })}
	}
	o.Value = o.Base + sumDeltas(o.Attribution)
	banded := true
	for i := range months {
		banded = banded && months[i].BandLower != nil
	}
	if banded {
		lo := weighted(func(m *Output) float64 { return *m.BandLower })
		hi := weighted(func(m *Output) float64 { return *m.BandUpper })
		o.BandLower, o.BandUpper = &lo, &hi
	}
	return o, true
}

// sameStrip reports whether months a and b fall in the same QUARTER or
// CALENDAR strip (calendar.StripLabel would give them one label).
func sameStrip(tenorType string, a, b time.Time) bool {
	if a.Year() != b.Year() {
		return false
	}
	return tenorType == TenorCalendar || (a.Month()-1)/3 == (b.Month()-1)/3
}

// stripLen is the number of months of a QUARTER or CALENDAR strip, as
// calendar.StripMonths gives them.
func stripLen(tenorType string) int {
	if tenorType == TenorCalendar {
		return 12
	}
	return 3
}
