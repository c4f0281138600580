package demo

import (
	"hash/fnv"
	"math"
	"time"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/schemas"
)

// The day-over-day dynamics. Each factor is a mean-reverting random walk
// over business days, x(t) = φ·x(t-1) + σ·ε(t), evaluated as the truncated
// sum Σ φ^k·σ·ε(t-k) so that any day can be computed on its own from the
// seed: a day's values never depend on where the demo started or on what it
// published before.
const (
	phi         = 0.98 // daily mean reversion: a shock halves in about 34 business days
	memory      = 300  // business days summed; φ^300 ≈ 0.2 %
	sigmaGas    = 0.016
	sigmaHub    = 0.009
	sigmaBlock  = 0.001
	sigmaTenor  = 0.0015 // independent noise per point, not persistent
	frontLoad   = 0.6    // front months move more than back months...
	loadDecay   = 15.0   // ...with the extra move decaying over this many months
	daysPerYear = 365.25
)

// epoch is a Monday; business days are counted from it.
var epoch = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// model computes a deterministic end-of-day curve set from a seed.
type model struct {
	seed   uint64
	curves []curveSpec
}

// curveSpec is one published curve: a hub and one of its blocks, with the
// identity and the factor names resolved once.
type curveSpec struct {
	hub      *hub
	shape    *shape
	identity schemas.CurveObservation // identity and unit fields only
	hubF     uint64                   // factor stream of the hub's own moves
	blockF   uint64                   // factor stream of the block's moves
	noiseF   uint64                   // stream of the per-tenor noise
}

const gasFactor = "factor/henry"

func newModel(seed int64) *model {
	m := &model{seed: uint64(seed)}
	for i := range hubs {
		h := &hubs[i]
		for j := range h.blocks {
			s := &h.blocks[j]
			name := string(h.asset) + "/" + h.iso + "/" + h.location + "/" + s.block
			m.curves = append(m.curves, curveSpec{
				hub:      h,
				shape:    s,
				identity: identityOf(h, s),
				hubF:     stream("factor/hub/" + h.location),
				blockF:   stream("factor/block/" + name),
				noiseF:   stream("noise/" + name),
			})
		}
	}
	return m
}

func identityOf(h *hub, s *shape) schemas.CurveObservation {
	o := schemas.CurveObservation{
		AssetClass: h.asset,
		Location:   ptr(h.location),
		Market:     ptr(Market),
		Product:    ptr(Product),
		PriceType:  schemas.PriceTypeMid,
		TenorType:  schemas.TenorMonthly,
		Currency:   ptr(h.currency),
		PerUnit:    ptr(h.perUnit),
		UnitsRaw:   h.units,
	}
	if h.iso != "" {
		o.ISO = ptr(h.iso)
	}
	if h.region != "" {
		o.Region = ptr(h.region)
	}
	if s.block != "" {
		o.Block = ptr(s.block)
	}
	return o
}

// rowsPerDay is how many observations day returns.
func (m *model) rowsPerDay() int { return len(m.curves) * Tenors }

// day returns every observation of the curve set as of asof (a business day,
// UTC midnight), complete with curve_key and version_hash; IngestTS is left
// for the publisher to stamp.
func (m *model) day(asof time.Time) []schemas.CurveObservation {
	t := businessIndex(asof)
	gasLevel := m.factor(stream(gasFactor), t, sigmaGas)
	first := time.Date(asof.Year(), asof.Month()+1, 1, 0, 0, 0, 0, time.UTC)

	out := make([]schemas.CurveObservation, 0, m.rowsPerDay())
	for i := range m.curves {
		c := &m.curves[i]
		h := c.hub
		common := h.gasBeta*gasLevel + m.factor(c.hubF, t, sigmaHub*h.vol)
		block := m.factor(c.blockF, t, sigmaBlock)
		scale := math.Pow10(h.decimals)
		tick := 1 / scale
		for k := range Tenors {
			month := first.AddDate(0, k, 0)
			years := month.AddDate(0, 0, 14).Sub(asof).Hours() / 24 / daysPerYear
			load := 1 - frontLoad + frontLoad*math.Exp(-float64(k)/loadDecay)
			noise := sigmaTenor * normal(m.seed, c.noiseF, uint64(t)<<8|uint64(k))
			logMid := math.Log(c.shape.month[month.Month()-1]) + years*math.Log1p(h.growth) +
				load*common + block + noise

			mid := math.Max(math.Round(math.Exp(logMid)*scale)/scale, 10*tick)
			half := math.Round(mid*(h.spread0+h.spreadM*float64(k))*scale) / scale
			half = math.Min(math.Max(half, tick), math.Floor(mid/2*scale)/scale)
			bid := math.Round((mid-half)*scale) / scale
			ask := math.Round((mid+half)*scale) / scale

			o := c.identity
			o.AsofDate = asof
			o.TenorLabel = month.Format("2006-01")
			o.ContractMonth = ptr(month)
			o.Mid, o.Value, o.Bid, o.Ask = ptr(mid), ptr(mid), ptr(bid), ptr(ask)
			curve.Complete(&o)
			out = append(out, o)
		}
	}
	return out
}

// factor is the level of a mean-reverting walk with daily volatility sigma
// on business day t.
func (m *model) factor(s uint64, t int64, sigma float64) float64 {
	var x, w float64
	w = sigma
	for k := range int64(memory) {
		x += w * normal(m.seed, s, uint64(t-k))
		w *= phi
	}
	return x
}

// businessIndex numbers the business days since epoch; a weekend day gets
// the number of the Friday before it.
func businessIndex(d time.Time) int64 {
	days := int64(d.Sub(epoch).Hours() / 24)
	weeks, rest := days/7, days%7
	if rest < 0 {
		weeks, rest = weeks-1, rest+7
	}
	return weeks*5 + min(rest, 4)
}

// stream names an independent sequence of draws.
func stream(name string) uint64 {
	f := fnv.New64a()
	_, _ = f.Write([]byte(name))
	return f.Sum64()
}

// normal is a standard normal draw, a pure function of (seed, stream, i):
// SplitMix64 hashing and Box-Muller, so the values do not depend on the
// math/rand algorithms of the Go release.
func normal(seed, s, i uint64) float64 {
	h := splitmix(seed ^ splitmix(s^splitmix(i)))
	u1 := (float64(h>>11) + 0.5) / (1 << 53)
	u2 := float64(splitmix(h)>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func ptr[T any](v T) *T { return &v }
