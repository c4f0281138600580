package scenario

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aurum-energy/aurum/internal/calendar"
)

// Driver types (docs/CONTRACTS.md#scenarios), the values of Driver.Type and of
// Attribution.Driver.
const (
	CurveShock   = "curve_shock"
	FuelPrice    = "fuel_price"
	CarbonPolicy = "carbon_policy"
	LoadGrowth   = "load_growth"
	FleetChange  = "fleet_change"
	Volatility   = "volatility"
)

// Payload values and asset classes the drivers know.
const (
	assetPower   = "power"
	assetGas     = "gas"
	assetCarbon  = "carbon"
	fuelGas      = "natural_gas"
	fuelCoal     = "coal"
	fuelOil      = "oil"
	fuelCO2      = "co2"
	changeAdd    = "add"
	changeRetire = "retire"
)

// Month bounds of a curve_shock without from_month or to_month.
const (
	noMonthBefore = math.MinInt
	noMonthAfter  = math.MaxInt
)

// DriverTypes lists the driver types, in the order of docs/CONTRACTS.md#scenarios.
var DriverTypes = []string{CurveShock, FuelPrice, CarbonPolicy, LoadGrowth, FleetChange, Volatility}

// identityDimensions are the dimensions of a base point a curve_shock
// selector may filter on.
var identityDimensions = []string{"curve_key", "asset_class", "iso", "location", "market", "product", "block"}

// Ranges of payload fields that are not parameters.
var (
	shiftAbsRange = numRange{min: -1e6, max: 1e6, minIncl: true}
	shiftPctRange = numRange{min: -100, max: 1000, minIncl: true}
	fuelDeltaRng  = numRange{min: -1e4, max: 1e4, minIncl: true}
	carbonPrice   = numRange{min: 0, max: 1e4, minIncl: true}
	growthRange   = numRange{min: -50, max: 100, minIncl: true}
	yearRange     = numRange{min: 1900, max: 2200, minIncl: true, integer: true}
	capacityRange = numRange{min: 0, max: 1e6}
	volRange      = numRange{min: 0, max: 500}
)

// point is a base point prepared for the drivers.
type point struct {
	*BasePoint
	month int    // monthIndex of the contract month
	class string // asset class, lower case
	iso   string // ISO, normalised by calendar.Normalize
}

// priceDriver is a compiled driver that moves prices.
type priceDriver interface {
	delta(p *point) float64
}

// compile parses drivers and parameters into an engine, recording every
// problem in errs; the engine is only usable when errs stays empty.
func compile(drivers []Driver, parameters map[string]string, errs *ValidationErrors) *Engine {
	var paramErrs ValidationErrors
	prm := parseParams(parameters, &paramErrs)
	defer func() { *errs = append(*errs, paramErrs...) }()
	e := &Engine{}
	if len(drivers) > MaxDrivers {
		// Checked here rather than in Validate so that the worker, which
		// compiles a request's drivers, refuses such a request too.
		errs.add("drivers", fmt.Sprintf("has %d drivers; at most %d are allowed", len(drivers), MaxDrivers))
		return e
	}
	vols := 0
	for i, d := range drivers {
		path := fmt.Sprintf("drivers[%d]", i)
		if !slices.Contains(DriverTypes, d.Type) {
			errs.add(path+".driver_type", fmt.Sprintf("unknown driver type %q; one of %s", d.Type, strings.Join(DriverTypes, ", ")))
			continue
		}
		p, ok := openPayload(path+".payload", d.Payload, errs)
		if !ok {
			continue
		}
		var pd priceDriver
		switch d.Type {
		case CurveShock:
			pd = newCurveShock(p)
		case FuelPrice:
			pd = newFuelPrice(p, prm)
		case CarbonPolicy:
			pd = newCarbonPolicy(p, prm)
		case LoadGrowth:
			pd = newLoadGrowth(p, prm)
		case FleetChange:
			pd = newFleetChange(p, prm)
		case Volatility:
			if vols++; vols > 1 {
				errs.add(path+".driver_type", "only one volatility driver is allowed")
			}
			vol, _ := p.number("annual_vol_pct", true, volRange)
			e.sigma = vol / 100
		}
		p.finish()
		if pd != nil {
			e.drivers = append(e.drivers, pd)
			e.names = append(e.names, d.Type)
		}
	}
	return e
}

// coefficient returns the payload's value of name when given, else the
// parameter param.
func coefficient(p *payload, name string, rng numRange, prm params, param string) float64 {
	if x, ok := p.number(name, false, rng); ok {
		return x
	}
	return prm[param]
}

// curveShock shifts selected points: shift_abs + P·shift_pct/100 for
// from ≤ m ≤ to.
type curveShock struct {
	selector map[string][]string
	abs, pct float64
	from, to int
}

func newCurveShock(p *payload) *curveShock {
	d := &curveShock{from: noMonthBefore, to: noMonthAfter}
	d.selector, _ = p.filter("selector", identityDimensions)
	d.selector = NormalizeFilter(d.selector)
	_, hasAbs := p.get("shift_abs")
	_, hasPct := p.get("shift_pct")
	if !hasAbs && !hasPct {
		p.errs.add(p.field("shift_abs"), "shift_abs or shift_pct is required")
	}
	d.abs, _ = p.number("shift_abs", false, shiftAbsRange)
	d.pct, _ = p.number("shift_pct", false, shiftPctRange)
	from, hasFrom := p.month("from_month", false)
	to, hasTo := p.month("to_month", false)
	if hasFrom {
		d.from = from
	}
	if hasTo {
		d.to = to
	}
	if hasFrom && hasTo && to < from {
		p.errs.add(p.field("to_month"), "is before from_month")
	}
	return d
}

func (d *curveShock) delta(p *point) float64 {
	if p.month < d.from || p.month > d.to || !d.selects(p) {
		return 0
	}
	return d.abs + p.Mid*d.pct/100
}

// selects reports whether the selector matches p: every dimension it names
// has p's value among its values, compared case-insensitively.
func (d *curveShock) selects(p *point) bool {
	for dim, vals := range d.selector {
		var v string
		switch dim {
		case "curve_key":
			v = p.CurveKey
		case "asset_class":
			v = p.AssetClass
		case "iso":
			v = p.ISO
		case "location":
			v = p.Location
		case "market":
			v = p.Market
		case "product":
			v = p.Product
		case "block":
			v = p.Block
		}
		v = strings.TrimSpace(v)
		found := false
		for _, want := range vals {
			if strings.EqualFold(v, want) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// fuelPrice passes a fuel price change through to power prices by a heat
// rate (or an emission factor for co2), and one to one to the fuel's own
// market (gas for natural_gas, carbon for co2).
type fuelPrice struct {
	fuel    string
	dlt     float64
	coef    float64
	classes map[string]bool
}

func newFuelPrice(p *payload, prm params) *fuelPrice {
	d := &fuelPrice{}
	d.fuel, _ = p.enum("fuel", true, fuelGas, fuelCoal, fuelOil, fuelCO2)
	d.dlt, _ = p.number("delta", true, fuelDeltaRng)
	d.classes = p.classes("asset_classes", assetPower, assetGas)
	if d.fuel == fuelCO2 {
		d.coef = coefficient(p, "emission_factor", emissionFactorRange, prm, ParamEmissionFactor)
		if _, ok := p.get("heat_rate"); ok {
			p.errs.add(p.field("heat_rate"), "applies to natural_gas, coal and oil, not co2; use emission_factor")
		}
		return d
	}
	param := map[string]string{fuelCoal: ParamCoalHeatRate, fuelOil: ParamOilHeatRate}[d.fuel]
	if param == "" {
		param = ParamHeatRate
	}
	d.coef = coefficient(p, "heat_rate", heatRateRange, prm, param)
	if _, ok := p.get("emission_factor"); ok && d.fuel != "" {
		p.errs.add(p.field("emission_factor"), "applies to co2 only; use heat_rate")
	}
	return d
}

func (d *fuelPrice) delta(p *point) float64 {
	if !d.classes[p.class] {
		return 0
	}
	switch p.class {
	case assetGas:
		if d.fuel == fuelGas {
			return d.dlt
		}
		return 0
	case assetCarbon:
		if d.fuel == fuelCO2 {
			return d.dlt
		}
		return 0
	}
	return d.coef * d.dlt
}

// carbonPolicy adds the carbon cost of the marginal unit from start_month.
type carbonPolicy struct {
	cost    float64 // emission_factor·price
	start   int
	classes map[string]bool
}

func newCarbonPolicy(p *payload, prm params) *carbonPolicy {
	d := &carbonPolicy{}
	price, _ := p.number("price", true, carbonPrice)
	d.start, _ = p.month("start_month", true)
	ef := coefficient(p, "emission_factor", emissionFactorRange, prm, ParamEmissionFactor)
	d.cost = ef * price
	d.classes = p.classes("asset_classes", assetPower)
	return d
}

func (d *carbonPolicy) delta(p *point) float64 {
	if !d.classes[p.class] || p.month < d.start {
		return 0
	}
	return d.cost
}

// loadGrowth prices compound load growth since January of start_year.
type loadGrowth struct {
	growth     float64 // annual_growth_pct/100
	start      int     // monthIndex of January of start_year
	elasticity float64
	iso        string
	classes    map[string]bool
}

func newLoadGrowth(p *payload, prm params) *loadGrowth {
	d := &loadGrowth{}
	g, _ := p.number("annual_growth_pct", true, growthRange)
	d.growth = g / 100
	year, _ := p.number("start_year", true, yearRange)
	d.start = int(year) * 12
	d.elasticity = coefficient(p, "elasticity", slopeRange, prm, ParamElasticity)
	iso, _ := p.str("iso", false)
	d.iso = calendar.Normalize(iso)
	d.classes = p.classes("asset_classes", assetPower)
	return d
}

func (d *loadGrowth) delta(p *point) float64 {
	if !d.classes[p.class] || d.iso != "" && p.iso != d.iso {
		return 0
	}
	years := float64(p.month-d.start) / 12
	if years <= 0 {
		return 0
	}
	return d.elasticity * 100 * (math.Pow(1+d.growth, years) - 1)
}

// fleetChange moves prices along the supply stack as capacity leaves (up)
// or arrives (down), ramping in over ramp_months from effective_month.
type fleetChange struct {
	mag     float64 // ±supply_slope·capacity_mw/1000
	start   int
	ramp    float64
	iso     string
	classes map[string]bool
}

func newFleetChange(p *payload, prm params) *fleetChange {
	d := &fleetChange{}
	change, _ := p.enum("change", true, changeAdd, changeRetire)
	capacity, _ := p.number("capacity_mw", true, capacityRange)
	d.start, _ = p.month("effective_month", true)
	slope := coefficient(p, "supply_slope", slopeRange, prm, ParamSupplySlope)
	d.ramp = coefficient(p, "ramp_months", rampRange, prm, ParamRampMonths)
	iso, _ := p.str("iso", false)
	d.iso = calendar.Normalize(iso)
	d.classes = p.classes("asset_classes", assetPower)
	d.mag = slope * capacity / 1000
	if change == changeAdd {
		d.mag = -d.mag
	}
	return d
}

func (d *fleetChange) delta(p *point) float64 {
	if !d.classes[p.class] || d.iso != "" && p.iso != d.iso {
		return 0
	}
	ramp := min(max(float64(p.month-d.start+1)/d.ramp, 0), 1)
	return d.mag * ramp
}
