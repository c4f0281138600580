// Package scenario is Aurum's scenario model (docs/CONTRACTS.md#scenarios): scenario
// definitions and their validation, the drivers that reprice a base forward
// curve month by month, the attribution of each repriced point to its
// drivers, volatility bands, QUARTER and CALENDAR roll-ups, and the input
// hash that identifies a run.
//
// The package is pure: no I/O, no clock, no randomness, no global state.
// The API validates definitions with [Definition.Validate] and identifies
// runs with [InputHash]; the worker builds an [Engine] from a run's drivers
// and parameters and reprices one curve at a time with [Engine.Curve] (or
// everything at once with [Compute]).
//
// # Drivers
//
// A driver's delta at contract month m for a base point P (docs/CONTRACTS.md#scenarios):
//
//	curve_shock    shift_abs + P·shift_pct/100 on points its selector matches,
//	               from_month ≤ m ≤ to_month (both optional, inclusive)
//	fuel_price     power: heat_rate·delta (natural_gas, coal, oil) or
//	               emission_factor·delta (co2); gas curves: delta for
//	               natural_gas; carbon curves (when listed): delta for co2
//	carbon_policy  emission_factor·price when m ≥ start_month
//	load_growth    elasticity·100·((1+g/100)^years − 1), years = months from
//	               January of start_year to m, /12; nothing unless years > 0
//	fleet_change   ±supply_slope·capacity_mw/1000·ramp(m), + retire, − add;
//	               ramp(m) = clamp((months from effective_month to m + 1)/ramp_months, 0, 1)
//	volatility     no delta; bands value·exp(∓1.645·σ·√T), σ = annual_vol_pct/100
//
// Months are "YYYY-MM". By default fuel_price affects power and gas curves
// and carbon_policy, load_growth and fleet_change affect power curves; a
// payload's "asset_classes" replaces that list. A listed class takes the
// power formula, except that in fuel_price gas curves take the fuel's delta
// for natural_gas (nothing for other fuels) and carbon curves take it for
// co2 (nothing otherwise). load_growth and fleet_change take an optional
// "iso" restricting them to that ISO's curves. curve_shock's "selector" is a
// dimension filter on the base point's identity (curve_key, asset_class,
// iso, location, market, product, block: a string or a list of strings
// each); without one it shifts every point. ISOs and selector values match
// case-insensitively.
//
// # Defaults
//
// Each coefficient comes from the driver's payload if given, else from the
// scenario's parameters (strings holding numbers), else from the default:
//
//	parameter        payload field     default  unit                range
//	heat_rate        heat_rate         7.5      MMBtu/MWh           (0, 30]
//	coal_heat_rate   heat_rate         10.7     MMBtu/MWh           (0, 30]
//	oil_heat_rate    heat_rate         11.2     MMBtu/MWh           (0, 30]
//	emission_factor  emission_factor   0.4      tCO2/MWh            [0, 3]
//	supply_slope     supply_slope      2.0      $/MWh per GW        [0, 1000]
//	elasticity       elasticity        1.0      $/MWh per 1 % load  [0, 1000]
//	ramp_months      ramp_months       1        months              1..600
//
// A fuel_price driver's heat rate is its payload's heat_rate, else the
// parameter for its fuel: heat_rate for natural_gas, coal_heat_rate for
// coal, oil_heat_rate for oil. emission_factor serves fuel_price with co2
// and carbon_policy; supply_slope and ramp_months fleet_change; elasticity
// load_growth. Where the defaults come from:
//
//   - heat_rate: a marginal gas-fired unit. EIA's Electric Power Annual
//     (Table 8.1, average operating heat rates) gives 7.74 MMBtu/MWh for the
//     gas fleet in 2022; the combined cycles that set most forward prices
//     run nearer 7.
//   - coal_heat_rate, oil_heat_rate: the same table, 2022: coal 10,689 and
//     petroleum 11,166 Btu/kWh.
//   - emission_factor: that gas unit's emissions, 7.5 MMBtu/MWh × EPA's
//     53.06 kgCO2/MMBtu for natural gas = 0.398 tCO2/MWh.
//   - supply_slope: a regional supply stack near the margin; 2 GW retired
//     lifts prices by $4/MWh.
//   - elasticity: 1 % of a 50 GW system is 0.5 GW, which at the default
//     supply_slope is $1/MWh.
//   - ramp_months: a fleet change is fully in effect from its
//     effective_month.
//
// # Validation
//
// [Definition.Validate] and [NewEngine] reject, naming the field by its JSON
// path: an unknown driver_type, a payload that is not an object, an unknown
// payload field, a missing required field and a value out of range. Ranges
// of the fields that are not parameters: shift_abs [−1e6, 1e6], shift_pct
// [−100, 1000] (at least one of the two), fuel_price delta [−1e4, 1e4],
// carbon_policy price [0, 1e4], annual_growth_pct [−50, 100], start_year an
// integer 1900..2200, capacity_mw (0, 1e6], annual_vol_pct (0, 500];
// to_month not before from_month; heat_rate only for fuels and
// emission_factor only for co2 in fuel_price; at most one volatility driver.
//
// # Attribution
//
// Every output carries one attribution entry per price driver (all drivers
// but volatility, which moves no price and is omitted), in the definition's
// order, named by driver_type and with delta 0 where the driver does not
// apply. The value is computed as base + (((0 + d₁) + d₂) + … + dₙ), the
// same left-to-right sum a reader gets by adding the attribution deltas in
// order, so value − base equals the sum of the attribution up to one
// rounding of the final addition (well within 1e-9 relative).
//
// # Bands
//
// With a volatility driver, a monthly output for a contract month starting
// after asof gets P5/P95 bands value·exp(∓1.645·σ·√T), T = days from asof to
// the first day of the contract month / 365 (ACT/365, to the start of
// delivery, when a monthly contract stops trading). Months that have started
// by asof get none. A negative value gets the mirrored band, so BandLower ≤
// BandUpper always.
//
// # Roll-ups
//
// For each curve, every complete QUARTER and CALENDAR strip (all its months
// present) gets an output labelled by [calendar.StripLabel], with base, each
// attribution delta and both bands the hour-weighted averages
// ([calendar.Weighted]) of the monthly ones, weighted by the curve's block
// (ATC when it has none) in its ISO's time zone, as GET /v1/curves/strips
// prices strips. The value is again base + Σ attribution, so the sum holds
// for strips too. A strip has bands only when all its months do (the
// weighted bands are the strip's quantiles when the months move together). A
// curve whose block the calendar does not know gets no roll-ups.
package scenario
