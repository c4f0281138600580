package scenario

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/schemas"
)

// Driver is one driver of a scenario: its type (curve_shock, fuel_price,
// carbon_policy, load_growth, fleet_change, volatility) and its JSON object
// payload.
type Driver struct {
	Type    string          `json:"driver_type"`
	Payload json.RawMessage `json:"payload"`
}

// Definition is what a user defines a scenario with (docs/CONTRACTS.md#scenarios resource,
// without the server-assigned id, version and timestamps).
type Definition struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// CurveFilter selects the base curves, with the dimension filters of
	// GET /v1/curves: each key a dimension, each value the accepted values.
	CurveFilter map[string][]string `json:"curve_filter"`
	Drivers     []Driver            `json:"drivers"`
	// Parameters override the model's defaults (see the package doc).
	Parameters map[string]string `json:"parameters"`
	Tags       []string          `json:"tags"`
}

// FilterDimensions are the keys a curve filter may use, as in GET
// /v1/curves.
var FilterDimensions = []string{
	"curve_key", "asset_class", "iso", "location", "market", "product", "block", "tenor_type", "price_type",
}

var (
	assetClasses = schemas.Symbols(schemas.AssetClasses)
	tenorTypes   = schemas.Symbols(schemas.TenorTypes)
	priceTypes   = schemas.Symbols(schemas.PriceTypes)
)

// Limits of a definition (docs/CONTRACTS.md#scenarios). They are far above
// what a desk defines by hand and keep the work of one run, and the size of
// every response that carries the definition, bounded: each output holds an
// attribution entry per driver.
const (
	MaxNameLen        = 200  // characters of the name
	MaxDescriptionLen = 4000 // characters of the description
	MaxDrivers        = 200  // drivers of a scenario
	MaxTags           = 32   // tags of a scenario
	MaxTagLen         = 64   // characters of one tag
	MaxFilterValues   = 1000 // values of a curve filter or a selector, over all its dimensions
	MaxFilterValueLen = 200  // characters of one filter value
)

// Validate checks the whole definition: a name, a curve filter with at least
// one dimension with a value and only known dimensions and values, at least
// one driver, each with a known type and a valid payload, known, parsable
// parameters in range, and the limits above. It returns nil or a
// [ValidationErrors] naming every offending field.
func (d Definition) Validate() error {
	var errs ValidationErrors
	switch name := strings.TrimSpace(d.Name); {
	case name == "":
		errs.add("name", "is required")
	case utf8.RuneCountInString(name) > MaxNameLen:
		errs.add("name", fmt.Sprintf("is longer than %d characters", MaxNameLen))
	}
	if utf8.RuneCountInString(d.Description) > MaxDescriptionLen {
		errs.add("description", fmt.Sprintf("is longer than %d characters", MaxDescriptionLen))
	}
	validateFilter("curve_filter", d.CurveFilter, FilterDimensions, &errs)
	if len(d.Drivers) == 0 {
		errs.add("drivers", "needs at least one driver")
	}
	compile(d.Drivers, d.Parameters, &errs)
	validateTags(d.Tags, &errs)
	return errs.err()
}

// validateTags checks the number of tags and each tag.
func validateTags(tags []string, errs *ValidationErrors) {
	if len(tags) > MaxTags {
		errs.add("tags", fmt.Sprintf("has %d tags; at most %d are allowed", len(tags), MaxTags))
		return
	}
	for i, tag := range tags {
		switch {
		case strings.TrimSpace(tag) == "":
			errs.add(fmt.Sprintf("tags[%d]", i), "must not be empty")
		case utf8.RuneCountInString(tag) > MaxTagLen:
			errs.add(fmt.Sprintf("tags[%d]", i), fmt.Sprintf("is longer than %d characters", MaxTagLen))
		}
	}
}

// validateFilter checks a dimension filter at path: only keys in dims, at
// least one non-empty value overall, and valid enumerations.
func validateFilter(path string, f map[string][]string, dims []string, errs *ValidationErrors) {
	total := 0
	for _, vals := range f {
		total += len(vals)
	}
	if total > MaxFilterValues {
		// One problem, not one per value: the answer stays small too.
		errs.add(path, fmt.Sprintf("has %d values; at most %d are allowed over all dimensions", total, MaxFilterValues))
		return
	}
	values := 0
	for _, key := range sortedKeys(f) {
		field := path + "." + key
		if !slices.Contains(dims, key) {
			errs.add(field, fmt.Sprintf("unknown dimension; known: %s", strings.Join(dims, ", ")))
			continue
		}
		for i, v := range f[key] {
			v = strings.TrimSpace(v)
			if v == "" {
				errs.add(fmt.Sprintf("%s[%d]", field, i), "must not be empty")
				continue
			}
			values++
			if utf8.RuneCountInString(v) > MaxFilterValueLen {
				errs.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("is longer than %d characters", MaxFilterValueLen))
				continue
			}
			if reason := checkDimensionValue(key, v); reason != "" {
				errs.add(fmt.Sprintf("%s[%d]", field, i), reason)
			}
		}
	}
	if values == 0 && !reported(*errs, path) {
		errs.add(path, fmt.Sprintf("needs at least one dimension with a value (%s)", strings.Join(dims, ", ")))
	}
}

// reported reports whether a problem was already recorded under path.
func reported(errs ValidationErrors, path string) bool {
	for _, e := range errs {
		if e.Field == path || strings.HasPrefix(e.Field, path+".") {
			return true
		}
	}
	return false
}

// checkDimensionValue returns why v is not a valid value of dimension key,
// or "" when it is.
func checkDimensionValue(key, v string) string {
	var allowed []string
	switch key {
	case "curve_key":
		if !curve.IsKey(strings.ToLower(v)) {
			return fmt.Sprintf("%q is not a curve key (64 hex digits)", v)
		}
	case "asset_class":
		allowed, v = assetClasses, strings.ToLower(v)
	case "tenor_type":
		allowed, v = tenorTypes, strings.ToUpper(v)
	case "price_type":
		allowed, v = priceTypes, strings.ToUpper(v)
	}
	if allowed != nil && !slices.Contains(allowed, v) {
		return fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	return ""
}

// NormalizeFilter returns a copy of a valid curve filter in the canonical
// form GET /v1/curves queries with: values trimmed, curve_key and
// asset_class lower case, tenor_type and price_type upper case, each list
// sorted and without duplicates or empty values, and dimensions without
// values dropped.
func NormalizeFilter(f map[string][]string) map[string][]string {
	out := make(map[string][]string, len(f))
	for key, vals := range f {
		var norm []string
		for _, v := range vals {
			v = strings.TrimSpace(v)
			switch key {
			case "curve_key", "asset_class":
				v = strings.ToLower(v)
			case "tenor_type", "price_type":
				v = strings.ToUpper(v)
			}
			if v != "" {
				norm = append(norm, v)
			}
		}
		if len(norm) > 0 {
			slices.Sort(norm)
			out[key] = slices.Compact(norm)
		}
	}
	return out
}

// DriversFromSchema converts the drivers of a ScenarioRequest record.
func DriversFromSchema(in []schemas.Driver) []Driver {
	out := make([]Driver, len(in))
	for i, d := range in {
		out[i] = Driver{Type: d.DriverType, Payload: json.RawMessage(d.PayloadJSON)}
	}
	return out
}

// SchemaDrivers converts drivers for a ScenarioRequest record, each payload
// in the canonical JSON form InputHash hashes.
func SchemaDrivers(in []Driver) []schemas.Driver {
	out := make([]schemas.Driver, len(in))
	for i, d := range in {
		out[i] = schemas.Driver{DriverType: d.Type, PayloadJSON: string(canonicalPayload(d.Payload))}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
