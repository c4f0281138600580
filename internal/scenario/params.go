package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Parameter names a scenario's parameters may set, overriding the defaults
// of the package doc's table.
const (
	ParamHeatRate       = "heat_rate"
	ParamCoalHeatRate   = "coal_heat_rate"
	ParamOilHeatRate    = "oil_heat_rate"
	ParamEmissionFactor = "emission_factor"
	ParamSupplySlope    = "supply_slope"
	ParamElasticity     = "elasticity"
	ParamRampMonths     = "ramp_months"
)

// numRange is the accepted range of a number: min < x (or ≤ when minIncl)
// and x ≤ max; integer requires a whole number.
type numRange struct {
	min, max float64
	minIncl  bool
	integer  bool
}

func (r numRange) contains(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) || x > r.max || x < r.min || x == r.min && !r.minIncl {
		return false
	}
	return !r.integer || x == math.Trunc(x)
}

func (r numRange) String() string {
	lo := "("
	if r.minIncl {
		lo = "["
	}
	kind := "a number"
	if r.integer {
		kind = "an integer"
	}
	return fmt.Sprintf("%s in %s%s, %s]", kind, lo, fmtNum(r.min), fmtNum(r.max))
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Ranges of the coefficients, shared by parameters and payload fields.
var (
	heatRateRange       = numRange{min: 0, max: 30}
	emissionFactorRange = numRange{min: 0, max: 3, minIncl: true}
	slopeRange          = numRange{min: 0, max: 1000, minIncl: true}
	rampRange           = numRange{min: 1, max: 600, minIncl: true, integer: true}
)

// paramSpec is one parameter: its default and accepted range.
type paramSpec struct {
	def float64
	rng numRange
}

// paramSpecs are the parameters with their defaults (documented in the
// package doc, which says where each comes from).
var paramSpecs = map[string]paramSpec{
	ParamHeatRate:       {7.5, heatRateRange},
	ParamCoalHeatRate:   {10.7, heatRateRange},
	ParamOilHeatRate:    {11.2, heatRateRange},
	ParamEmissionFactor: {0.4, emissionFactorRange},
	ParamSupplySlope:    {2.0, slopeRange},
	ParamElasticity:     {1.0, slopeRange},
	ParamRampMonths:     {1, rampRange},
}

// Defaults returns the built-in value of every parameter, keyed by name.
func Defaults() map[string]float64 {
	out := make(map[string]float64, len(paramSpecs))
	for name, spec := range paramSpecs {
		out[name] = spec.def
	}
	return out
}

// params are resolved parameter values: the defaults with a scenario's
// parameters applied.
type params map[string]float64

// parseParams resolves parameters, recording unknown or invalid ones.
func parseParams(in map[string]string, errs *ValidationErrors) params {
	p := params(Defaults())
	for _, name := range sortedKeys(in) {
		field := "parameters." + name
		spec, ok := paramSpecs[name]
		if !ok {
			errs.add(field, fmt.Sprintf("unknown parameter; known: %s", strings.Join(sortedKeys(paramSpecs), ", ")))
			continue
		}
		raw := strings.TrimSpace(in[name])
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil || !spec.rng.contains(x) {
			errs.add(field, fmt.Sprintf("must be %s, not %q", spec.rng, in[name]))
			continue
		}
		p[name] = x
	}
	return p
}
