// Package units normalises the price units of curve files ("$/MWh",
// "USD/MMBtu", "p/therm", ...) into an ISO-style currency and a canonical
// per-unit spelling, so that curves quoted in the same unit compare equal
// whichever way a vendor wrote it. The table it knows is served at
// GET /v1/metadata/units.
package units

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknown is returned by Parse for units it cannot read. A loader keeps
// such units as they were written (units_raw) rather than rejecting the row.
var ErrUnknown = errors.New("unknown unit")

// Unit is a price unit: an amount of Currency per one PerUnit.
type Unit struct {
	// Currency is an ISO 4217 code, or GBX for pence sterling.
	Currency string `json:"currency"`
	// PerUnit is the canonical spelling of the quantity, e.g. MWh, MMBtu.
	PerUnit string `json:"per_unit"`
	// Canonical is Currency + "/" + PerUnit, e.g. "USD/MWh".
	Canonical string `json:"canonical"`
	// Kind is what the quantity measures: energy, capacity, emissions,
	// volume, mass or certificate.
	Kind string `json:"kind"`
	// Description says the unit in words, e.g. "US dollars per megawatt-hour".
	Description string `json:"description"`
}

// currency is one currency Parse knows.
type currency struct {
	code    string
	name    string // plural, for descriptions
	aliases []string
}

// quantity is one per-unit Parse knows.
type quantity struct {
	canonical string
	kind      string
	name      string
	aliases   []string
}

var currencies = []currency{
	{"USD", "US dollars", []string{"usd", "$", "us$", "usd$", "dollars", "dollar"}},
	{"CAD", "Canadian dollars", []string{"cad", "c$", "ca$", "cad$"}},
	{"MXN", "Mexican pesos", []string{"mxn", "mx$"}},
	{"EUR", "euros", []string{"eur", "€", "euro", "euros"}},
	{"GBP", "pounds sterling", []string{"gbp", "£", "stg"}},
	{"GBX", "pence sterling", []string{"gbx", "p", "pence", "gbpence"}},
	{"AUD", "Australian dollars", []string{"aud", "a$", "au$"}},
	{"JPY", "Japanese yen", []string{"jpy", "¥", "yen"}},
	{"CHF", "Swiss francs", []string{"chf"}},
	{"NOK", "Norwegian kroner", []string{"nok"}},
}

var quantities = []quantity{
	{"MWh", "energy", "megawatt-hour", []string{"mwh", "mw-h", "mwhr", "megawatthour", "megawatt-hour"}},
	{"kWh", "energy", "kilowatt-hour", []string{"kwh", "kw-h", "kwhr", "kilowatthour", "kilowatt-hour"}},
	{"MMBtu", "energy", "million British thermal units", []string{"mmbtu", "mmbtus", "mmbtu-hhv"}},
	{"Dth", "energy", "dekatherm", []string{"dth", "dekatherm", "decatherm"}},
	{"therm", "energy", "therm", []string{"therm", "therms", "thm"}},
	{"GJ", "energy", "gigajoule", []string{"gj", "gigajoule"}},
	{"MW-day", "capacity", "megawatt-day of capacity", []string{"mw-day", "mwday", "mw-d", "mwd"}},
	{"MW-month", "capacity", "megawatt-month of capacity", []string{"mw-month", "mw-mo", "mwmonth", "mw-mth"}},
	{"kW-month", "capacity", "kilowatt-month of capacity", []string{"kw-month", "kw-mo", "kwmonth", "kw-mth"}},
	{"kW-year", "capacity", "kilowatt-year of capacity", []string{"kw-year", "kw-yr", "kwyear", "kw-y"}},
	{"tCO2", "emissions", "tonne of CO2 (equivalent)", []string{"tco2", "tco2e", "tonneco2", "mtco2", "mtco2e", "allowance", "eua"}},
	{"t", "mass", "metric tonne", []string{"t", "tonne", "tonnes", "mt"}},
	{"ton", "mass", "short ton", []string{"ton", "tons", "st", "shortton"}},
	{"bbl", "volume", "barrel", []string{"bbl", "bbls", "barrel", "barrels"}},
	{"gal", "volume", "US gallon", []string{"gal", "gallon", "gallons"}},
	{"REC", "certificate", "renewable energy certificate", []string{"rec", "recs", "certificate"}},
}

// quantitySpelling folds the ways files space and hyphenate a quantity.
var quantitySpelling = strings.NewReplacer(" ", "", "_", "-", "–", "-")

var (
	currencyByAlias = indexCurrencies()
	quantityByAlias = indexQuantities()
)

func indexCurrencies() map[string]*currency {
	m := make(map[string]*currency)
	for i := range currencies {
		for _, a := range currencies[i].aliases {
			m[a] = &currencies[i]
		}
	}
	return m
}

func indexQuantities() map[string]*quantity {
	m := make(map[string]*quantity)
	for i := range quantities {
		for _, a := range quantities[i].aliases {
			m[a] = &quantities[i]
		}
	}
	return m
}

// Parse reads a unit as a file writes it: a currency and a quantity
// separated by "/" or " per ", in any letter case, e.g. "$/MWh",
// "USD per MMBtu", "p/therm", "USD/MW-day". Input it cannot read fails with
// ErrUnknown.
func Parse(raw string) (Unit, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Unit{}, fmt.Errorf("%w: empty", ErrUnknown)
	}
	cur, qty, ok := strings.Cut(s, "/")
	if !ok {
		i := strings.Index(strings.ToLower(s), " per ")
		if i < 0 {
			return Unit{}, fmt.Errorf("%w: %q has no currency/quantity separator", ErrUnknown, raw)
		}
		cur, qty = s[:i], s[i+len(" per "):]
	}
	c, ok := lookupCurrency(cur)
	if !ok {
		return Unit{}, fmt.Errorf("%w: currency %q in %q", ErrUnknown, strings.TrimSpace(cur), raw)
	}
	q, ok := lookupQuantity(qty)
	if !ok {
		return Unit{}, fmt.Errorf("%w: quantity %q in %q", ErrUnknown, strings.TrimSpace(qty), raw)
	}
	return unit(c, q), nil
}

// Currency returns the code of a currency as a file may write it ("$",
// "usd", "p"), and false when it is not one Parse knows.
func Currency(raw string) (string, bool) {
	c, ok := lookupCurrency(raw)
	if !ok {
		return "", false
	}
	return c.code, true
}

// PerUnit returns the canonical spelling of a quantity as a file may write
// it ("mwh", "MMBTU", "MW-Day"), and false when it is not one Parse knows.
func PerUnit(raw string) (string, bool) {
	q, ok := lookupQuantity(raw)
	if !ok {
		return "", false
	}
	return q.canonical, true
}

func lookupCurrency(raw string) (*currency, bool) {
	s := strings.TrimSpace(raw)
	// "GBp" is the market convention for pence; "GBP" is pounds. Only the
	// exact spelling tells them apart.
	if s == "GBp" {
		return currencyByAlias["gbx"], true
	}
	c, ok := currencyByAlias[strings.ToLower(s)]
	return c, ok
}

func lookupQuantity(raw string) (*quantity, bool) {
	s := strings.ToLower(strings.TrimSpace(raw))
	s = quantitySpelling.Replace(s)
	q, ok := quantityByAlias[s]
	return q, ok
}

func unit(c *currency, q *quantity) Unit {
	return Unit{
		Currency:    c.code,
		PerUnit:     q.canonical,
		Canonical:   c.code + "/" + q.canonical,
		Kind:        q.kind,
		Description: c.name + " per " + q.name,
	}
}

// common lists the units power and gas curves are usually quoted in.
var common = []string{
	"USD/MWh", "CAD/MWh", "MXN/MWh", "EUR/MWh", "GBP/MWh", "AUD/MWh", "JPY/kWh",
	"USD/MMBtu", "USD/Dth", "CAD/GJ", "GBP/therm", "GBX/therm",
	"USD/MW-day", "USD/MW-month", "USD/kW-month", "USD/kW-year", "GBP/kW-year",
	"USD/tCO2", "EUR/tCO2", "GBP/tCO2", "CAD/tCO2",
	"USD/REC", "USD/t", "USD/ton", "USD/bbl", "USD/gal",
}

// Known returns the units power, gas, carbon and capacity curves are
// commonly quoted in, with a description of each. Parse also accepts any
// other pairing of a currency and a quantity it knows.
func Known() []Unit {
	out := make([]Unit, 0, len(common))
	seen := make(map[string]bool, len(common))
	for _, s := range common {
		u, err := Parse(s)
		if err != nil || seen[u.Canonical] {
			continue
		}
		seen[u.Canonical] = true
		out = append(out, u)
	}
	return out
}
