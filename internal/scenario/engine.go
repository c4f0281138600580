package scenario

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/internal/calendar"
	"github.com/aurum-energy/aurum/internal/market"
)

// Tenor types and the metric of outputs.
const (
	TenorMonthly  = "MONTHLY"
	TenorQuarter  = "QUARTER"
	TenorCalendar = "CALENDAR"
	MetricPrice   = "price"
)

// bandZ is the standard normal quantile of the P5/P95 bands.
const bandZ = 1.645

// Limits of one run (docs/CONTRACTS.md#scenarios). A run holds its outputs
// until it commits them, each with an attribution entry per price driver,
// so they bound a run's memory: about 50 bytes per attribution entry and
// 500 per output in the worker.
const (
	MaxOutputs            = 50_000
	MaxAttributionEntries = 1_000_000
)

// BasePoint is one MONTHLY mid of a base curve as of the run's date.
type BasePoint struct {
	// Identity of the curve, for selectors, asset-class rules, the ISO
	// restriction and the roll-up calendar (Block, ISO).
	CurveKey   string
	AssetClass string
	ISO        string
	Location   string
	Market     string
	Product    string
	Block      string
	// TenorLabel is the contract month's label; it is parsed
	// (calendar.ParseMonth) only when ContractMonth is zero.
	TenorLabel    string
	ContractMonth time.Time
	Mid           float64
	// Currency and PerUnit are not used by the model; they are carried so
	// callers can keep one struct per row.
	Currency string
	PerUnit  string
}

// Attribution is one driver's share of an output's delta; Driver is the
// driver_type.
type Attribution struct {
	Driver string  `json:"driver"`
	Delta  float64 `json:"delta"`
}

// Output is one repriced point (docs/CONTRACTS.md#records ScenarioOutput without the run's
// identity): a MONTHLY point, or a QUARTER or CALENDAR roll-up.
type Output struct {
	CurveKey   string `json:"curve_key"`
	TenorType  string `json:"tenor_type"`
	TenorLabel string `json:"tenor_label"`
	// ContractMonth is the first of the month (UTC) of a MONTHLY output,
	// nil for a strip.
	ContractMonth *time.Time `json:"contract_month"`
	Metric        string     `json:"metric"`
	// Base is the base curve's price; Value = Base + Σ Attribution deltas.
	Base  float64 `json:"base"`
	Value float64 `json:"value"`
	// BandLower and BandUpper are the P5 and P95 of Value, nil without a
	// volatility driver or for a month that has started by asof.
	BandLower   *float64      `json:"band_lower"`
	BandUpper   *float64      `json:"band_upper"`
	Attribution []Attribution `json:"attribution"`
}

// Engine reprices base curves with a fixed set of drivers and parameters.
// It is safe for concurrent use.
type Engine struct {
	drivers []priceDriver
	names   []string
	sigma   float64 // annual volatility as a fraction; 0 without bands
}

// NewEngine compiles a run's drivers and parameters. Invalid ones give a
// [ValidationErrors] (matching ErrInvalid) with paths "drivers[i]..." and
// "parameters.<name>", as Definition.Validate reports them.
func NewEngine(drivers []Driver, parameters map[string]string) (*Engine, error) {
	var errs ValidationErrors
	e := compile(drivers, parameters, &errs)
	if err := errs.err(); err != nil {
		return nil, fmt.Errorf("compile scenario drivers: %w", err)
	}
	return e, nil
}

// OutputLimit is how many outputs one run with e's drivers may produce:
// MaxOutputs, or fewer when that many would hold more than
// MaxAttributionEntries attribution entries.
func (e *Engine) OutputLimit() int {
	return min(MaxOutputs, MaxAttributionEntries/max(1, len(e.drivers)))
}

// CheckOutputs returns an error matching ErrTooManyOutputs, saying what the
// limit is, when n outputs exceed e's OutputLimit; what is the kind of count
// n is ("base points", "outputs"), for the message.
func (e *Engine) CheckOutputs(n int, what string) error {
	if limit := e.OutputLimit(); n > limit {
		return fmt.Errorf("%w: the run would produce at least %d outputs (%s); a run with %d price drivers may produce at most %d (%d outputs, %d attribution entries): narrow the curve filter or use fewer drivers",
			ErrTooManyOutputs, n, what, len(e.drivers), limit, MaxOutputs, MaxAttributionEntries)
	}
	return nil
}

// Compute reprices every base point with def's drivers and parameters (the
// curve filter is the caller's: base is already the selected curves) and
// returns the outputs of each curve in curve_key order, as [Engine.Curve]
// orders them. An invalid definition gives an error matching ErrInvalid,
// unusable base points one matching ErrInvalidBase, more outputs than
// [Engine.OutputLimit] one matching ErrTooManyOutputs.
func Compute(def Definition, asof time.Time, base []BasePoint) ([]Output, error) {
	e, err := NewEngine(def.Drivers, def.Parameters)
	if err != nil {
		return nil, err
	}
	if err := e.CheckOutputs(len(base), "one per base point"); err != nil {
		return nil, err
	}
	var out []Output
	for _, curve := range Curves(base) {
		o, err := e.Curve(asof, curve)
		if err != nil {
			return nil, err
		}
		out = append(out, o...)
		if err := e.CheckOutputs(len(out), "with roll-ups"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Curves groups base points by curve, in curve_key order, each group in the
// order given: the steps in which a worker may call [Engine.Curve],
// checking for cancellation between them.
func Curves(base []BasePoint) [][]BasePoint {
	idx := make(map[string]int)
	var counts []int
	for _, p := range base {
		i, ok := idx[p.CurveKey]
		if !ok {
			i = len(counts)
			idx[p.CurveKey] = i
			counts = append(counts, 0)
		}
		counts[i]++
	}
	groups := make([][]BasePoint, len(counts))
	for i, n := range counts {
		groups[i] = make([]BasePoint, 0, n)
	}
	for _, p := range base {
		i := idx[p.CurveKey]
		groups[i] = append(groups[i], p)
	}
	slices.SortFunc(groups, func(a, b []BasePoint) int { return strings.Compare(a[0].CurveKey, b[0].CurveKey) })
	return groups
}

// Curve reprices the MONTHLY points of one curve as of asof (a date; its
// calendar day counts) and rolls them up. It returns the MONTHLY outputs in
// month order, then the complete QUARTER strips, then the complete CALENDAR
// strips, each in order. Points of several curves, a point without a
// contract month (neither ContractMonth nor a parsable TenorLabel), a
// non-finite mid or two points for one month give an error matching
// ErrInvalidBase.
func (e *Engine) Curve(asof time.Time, points []BasePoint) ([]Output, error) {
	pts, err := preparePoints(points)
	if err != nil {
		return nil, err
	}
	asofDay := time.Date(asof.Year(), asof.Month(), asof.Day(), 0, 0, 0, 0, time.UTC)
	out := make([]Output, 0, len(pts)+len(pts)/3+len(pts)/12)
	for i := range pts {
		out = append(out, e.reprice(&pts[i], asofDay))
	}
	if len(pts) > 0 {
		out = append(out, e.rollUps(pts[0].BasePoint, out, TenorQuarter)...)
		out = append(out, e.rollUps(pts[0].BasePoint, out[:len(pts)], TenorCalendar)...)
	}
	return out, nil
}

// preparePoints checks the points of one curve and returns them prepared,
// in month order.
func preparePoints(points []BasePoint) ([]point, error) {
	pts := make([]point, len(points))
	copies := slices.Clone(points)
	for i := range copies {
		bp := &copies[i]
		if bp.CurveKey != points[0].CurveKey {
			return nil, fmt.Errorf("curve %s: point %d is of curve %s: %w", points[0].CurveKey, i, bp.CurveKey, ErrInvalidBase)
		}
		if bp.ContractMonth.IsZero() {
			m, err := calendar.ParseMonth(bp.TenorLabel)
			if err != nil {
				return nil, fmt.Errorf("curve %s: point %d has no contract month: %w: %w", bp.CurveKey, i, ErrInvalidBase, err)
			}
			bp.ContractMonth = m
		}
		bp.ContractMonth = time.Date(bp.ContractMonth.Year(), bp.ContractMonth.Month(), 1, 0, 0, 0, 0, time.UTC)
		if math.IsNaN(bp.Mid) || math.IsInf(bp.Mid, 0) {
			return nil, fmt.Errorf("curve %s %s: mid %v: %w", bp.CurveKey, bp.ContractMonth.Format("2006-01"), bp.Mid, ErrInvalidBase)
		}
		pts[i] = point{
			BasePoint: bp, month: monthIndex(bp.ContractMonth),
			class: strings.ToLower(strings.TrimSpace(bp.AssetClass)), iso: calendar.Normalize(bp.ISO),
		}
	}
	slices.SortStableFunc(pts, func(a, b point) int { return a.month - b.month })
	for i := 1; i < len(pts); i++ {
		if pts[i].month == pts[i-1].month {
			return nil, fmt.Errorf("curve %s: two points for %s: %w", pts[i].CurveKey, pts[i].ContractMonth.Format("2006-01"), ErrInvalidBase)
		}
	}
	return pts, nil
}

// reprice computes one MONTHLY output.
func (e *Engine) reprice(p *point, asofDay time.Time) Output {
	month := p.ContractMonth
	o := Output{
		CurveKey: p.CurveKey, TenorType: TenorMonthly, TenorLabel: calendar.StripLabel(TenorMonthly, month),
		ContractMonth: &month, Metric: MetricPrice, Base: p.Mid,
		Attribution: make([]Attribution, len(e.drivers)),
	}
	for i, d := range e.drivers {
		o.Attribution[i] = Attribution{Driver: e.names[i], Delta: d.delta(p)}
	}
	o.Value = o.Base + sumDeltas(o.Attribution)
	if e.sigma > 0 {
		if t := month.Sub(asofDay).Hours() / 24 / 365; t > 0 {
			k := bandZ * e.sigma * math.Sqrt(t)
			lo, hi := o.Value*math.Exp(-k), o.Value*math.Exp(k)
			if lo > hi {
				lo, hi = hi, lo
			}
			o.BandLower, o.BandUpper = &lo, &hi
		}
	}
	return o
}

// sumDeltas adds the deltas left to right from 0: the one summation both
// Value and a reader of the attribution use.
func sumDeltas(attr []Attribution) float64 {
	var s float64
	for _, a := range attr {
		s += a.Delta
	}
	return s
}

// BasePointsOf are the base points of the base prices market.BasePrices
// reads for a run.
func BasePointsOf(prices []market.BasePrice) []BasePoint {
	text := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	out := make([]BasePoint, len(prices))
	for i := range prices {
		p := &prices[i]
		out[i] = BasePoint{
			CurveKey: p.Key, AssetClass: p.AssetClass, ISO: text(p.ISO), Location: text(p.Location),
			Market: text(p.Market), Product: text(p.Product), Block: text(p.Block),
			TenorLabel: p.TenorLabel, Mid: p.Price, Currency: text(p.Currency), PerUnit: text(p.PerUnit),
		}
		if p.ContractMonth != nil {
			out[i].ContractMonth = *p.ContractMonth
		}
	}
	return out
}
