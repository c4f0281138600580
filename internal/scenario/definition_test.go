package scenario_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aurum-energy/aurum/internal/scenario"
)

// validDefinition is the example: gas +$1/MMBtu, carbon at $40/t
// from 2028, 2 GW of retirements.
func validDefinition() scenario.Definition {
	return scenario.Definition{
		Name:        "gas up, carbon, retirements",
		CurveFilter: map[string][]string{"asset_class": {"power", "gas"}, "iso": {"PJM"}},
		Drivers: []scenario.Driver{
			drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`),
			drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`),
			drv("fleet_change", `{"change": "retire", "capacity_mw": 2000, "effective_month": "2028-06", "ramp_months": 6}`),
			drv("curve_shock", `{"selector": {"iso": ["PJM"]}, "shift_pct": 5, "from_month": "2027-01", "to_month": "2027-12"}`),
			drv("load_growth", `{"annual_growth_pct": 1.5, "start_year": 2027, "iso": "PJM"}`),
			drv("volatility", `{"annual_vol_pct": 35}`),
		},
		Parameters: map[string]string{"heat_rate": "7.2", "ramp_months": "3"},
		Tags:       []string{"desk"},
	}
}

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(d *scenario.Definition)
	}{
		{"the example", func(*scenario.Definition) {}},
		{"load growth at −50 %", func(d *scenario.Definition) {
			d.Drivers = []scenario.Driver{drv("load_growth", `{"annual_growth_pct": -50, "start_year": 2027}`)}
		}},
		{"load growth at 100 %", func(d *scenario.Definition) {
			d.Drivers = []scenario.Driver{drv("load_growth", `{"annual_growth_pct": 100, "start_year": 2027}`)}
		}},
		{"volatility at 500 %", func(d *scenario.Definition) {
			d.Drivers = []scenario.Driver{drv("volatility", `{"annual_vol_pct": 500}`)}
		}},
		{"null optional field", func(d *scenario.Definition) {
			d.Drivers = []scenario.Driver{drv("fuel_price", `{"fuel": "coal", "delta": 1, "heat_rate": null}`)}
		}},
		{"curve key filter", func(d *scenario.Definition) {
			d.CurveFilter = map[string][]string{"curve_key": {strings.ToUpper(hexKey)}}
		}},
		{"upper-case enumerations", func(d *scenario.Definition) {
			d.CurveFilter = map[string][]string{"asset_class": {"POWER"}, "tenor_type": {"monthly"}, "price_type": {"mid"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := validDefinition()
			tt.mutate(&d)
			if err := d.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	one := func(typ, payload string) func(d *scenario.Definition) {
		return func(d *scenario.Definition) { d.Drivers = []scenario.Driver{drv(typ, payload)} }
	}
	tests := []struct {
		name   string
		mutate func(d *scenario.Definition)
		field  string
		reason string // a substring of the reason
	}{
		{"empty name", func(d *scenario.Definition) { d.Name = "  " }, "name", "required"},
		{"no curve filter", func(d *scenario.Definition) { d.CurveFilter = nil }, "curve_filter", "at least one dimension"},
		{"curve filter without values", func(d *scenario.Definition) { d.CurveFilter = map[string][]string{"iso": {}} }, "curve_filter", "at least one dimension"},
		{"unknown filter dimension", func(d *scenario.Definition) { d.CurveFilter = map[string][]string{"region": {"east"}} }, "curve_filter.region", "unknown dimension"},
		{"empty filter value", func(d *scenario.Definition) { d.CurveFilter = map[string][]string{"iso": {"PJM", ""}} }, "curve_filter.iso[1]", "empty"},
		{"bad asset class", func(d *scenario.Definition) { d.CurveFilter = map[string][]string{"asset_class": {"oil"}} }, "curve_filter.asset_class[0]", "power, renewable"},
		{"bad curve key", func(d *scenario.Definition) { d.CurveFilter = map[string][]string{"curve_key": {"abc"}} }, "curve_filter.curve_key[0]", "64 hex"},
		{"no drivers", func(d *scenario.Definition) { d.Drivers = nil }, "drivers", "at least one"},
		{"unknown driver type", one("fuel_shock", `{}`), "drivers[0].driver_type", "curve_shock, fuel_price, carbon_policy, load_growth, fleet_change, volatility"},
		{"payload not an object", one("fuel_price", `[1]`), "drivers[0].payload", "JSON object"},
		{"unknown payload field", one("fuel_price", `{"fuel": "coal", "delta": 1, "price": 3}`), "drivers[0].payload.price", "unknown field"},
		{"shock without shift", one("curve_shock", `{"from_month": "2027-01"}`), "drivers[0].payload.shift_abs", "shift_abs or shift_pct"},
		{"shock pct below −100", one("curve_shock", `{"shift_pct": -101}`), "drivers[0].payload.shift_pct", "[-100, 1000]"},
		{"shock abs not a number", one("curve_shock", `{"shift_abs": "2"}`), "drivers[0].payload.shift_abs", "a number"},
		{"shock to before from", one("curve_shock", `{"shift_abs": 1, "from_month": "2027-05", "to_month": "2027-04"}`), "drivers[0].payload.to_month", "before from_month"},
		{"shock bad from_month", one("curve_shock", `{"shift_abs": 1, "from_month": "May-27"}`), "drivers[0].payload.from_month", "YYYY-MM"},
		{"selector on tenor_type", one("curve_shock", `{"shift_abs": 1, "selector": {"tenor_type": ["MONTHLY"]}}`), "drivers[0].payload.selector.tenor_type", "unknown dimension"},
		{"selector empty", one("curve_shock", `{"shift_abs": 1, "selector": {}}`), "drivers[0].payload.selector", "at least one dimension"},
		{"selector value not a string", one("curve_shock", `{"shift_abs": 1, "selector": {"iso": 3}}`), "drivers[0].payload.selector.iso", "string"},
		{"fuel missing", one("fuel_price", `{"delta": 1}`), "drivers[0].payload.fuel", "natural_gas, coal, oil, co2"},
		{"fuel unknown", one("fuel_price", `{"fuel": "hydrogen", "delta": 1}`), "drivers[0].payload.fuel", "natural_gas, coal, oil, co2"},
		{"fuel delta missing", one("fuel_price", `{"fuel": "coal"}`), "drivers[0].payload.delta", "required"},
		{"fuel heat rate zero", one("fuel_price", `{"fuel": "coal", "delta": 1, "heat_rate": 0}`), "drivers[0].payload.heat_rate", "(0, 30]"},
		{"heat rate for co2", one("fuel_price", `{"fuel": "co2", "delta": 1, "heat_rate": 7}`), "drivers[0].payload.heat_rate", "not co2"},
		{"emission factor for gas", one("fuel_price", `{"fuel": "natural_gas", "delta": 1, "emission_factor": 0.4}`), "drivers[0].payload.emission_factor", "co2 only"},
		{"bad asset class override", one("fuel_price", `{"fuel": "coal", "delta": 1, "asset_classes": ["power", "uranium"]}`), "drivers[0].payload.asset_classes[1]", "not one of"},
		{"empty asset class override", one("fuel_price", `{"fuel": "coal", "delta": 1, "asset_classes": []}`), "drivers[0].payload.asset_classes", "non-empty list"},
		{"carbon start_month not YYYY-MM", one("carbon_policy", `{"price": 40, "start_month": "2028-1"}`), "drivers[0].payload.start_month", "YYYY-MM"},
		{"carbon start_month missing", one("carbon_policy", `{"price": 40}`), "drivers[0].payload.start_month", "required"},
		{"carbon negative price", one("carbon_policy", `{"price": -1, "start_month": "2028-01"}`), "drivers[0].payload.price", "[0, 10000]"},
		{"load growth below −50", one("load_growth", `{"annual_growth_pct": -50.5, "start_year": 2027}`), "drivers[0].payload.annual_growth_pct", "[-50, 100]"},
		{"load growth above 100", one("load_growth", `{"annual_growth_pct": 101, "start_year": 2027}`), "drivers[0].payload.annual_growth_pct", "[-50, 100]"},
		{"load start_year fractional", one("load_growth", `{"annual_growth_pct": 1, "start_year": 2027.5}`), "drivers[0].payload.start_year", "integer"},
		{"load iso empty", one("load_growth", `{"annual_growth_pct": 1, "start_year": 2027, "iso": ""}`), "drivers[0].payload.iso", "non-empty"},
		{"fleet change unknown", one("fleet_change", `{"change": "mothball", "capacity_mw": 100, "effective_month": "2028-01"}`), "drivers[0].payload.change", "add, retire"},
		{"fleet capacity zero", one("fleet_change", `{"change": "add", "capacity_mw": 0, "effective_month": "2028-01"}`), "drivers[0].payload.capacity_mw", "(0, 1e+06]"},
		{"fleet capacity negative", one("fleet_change", `{"change": "add", "capacity_mw": -5, "effective_month": "2028-01"}`), "drivers[0].payload.capacity_mw", "(0, 1e+06]"},
		{"fleet ramp zero", one("fleet_change", `{"change": "add", "capacity_mw": 100, "effective_month": "2028-01", "ramp_months": 0}`), "drivers[0].payload.ramp_months", "[1, 600]"},
		{"fleet ramp fractional", one("fleet_change", `{"change": "add", "capacity_mw": 100, "effective_month": "2028-01", "ramp_months": 1.5}`), "drivers[0].payload.ramp_months", "integer"},
		{"fleet effective_month missing", one("fleet_change", `{"change": "add", "capacity_mw": 100}`), "drivers[0].payload.effective_month", "required"},
		{"volatility zero", one("volatility", `{"annual_vol_pct": 0}`), "drivers[0].payload.annual_vol_pct", "(0, 500]"},
		{"volatility above 500", one("volatility", `{"annual_vol_pct": 500.1}`), "drivers[0].payload.annual_vol_pct", "(0, 500]"},
		{"volatility missing", one("volatility", `{}`), "drivers[0].payload.annual_vol_pct", "required"},
		{"two volatility drivers", func(d *scenario.Definition) {
			d.Drivers = append(d.Drivers, drv("volatility", `{"annual_vol_pct": 10}`))
		}, "drivers[6].driver_type", "only one volatility"},
		{"second driver named by index", func(d *scenario.Definition) {
			d.Drivers[1] = drv("carbon_policy", `{"price": 40, "start_month": "soon"}`)
		}, "drivers[1].payload.start_month", "YYYY-MM"},
		{"unknown parameter", func(d *scenario.Definition) { d.Parameters = map[string]string{"gas_heat_rate": "7"} }, "parameters.gas_heat_rate", "heat_rate"},
		{"unparsable parameter", func(d *scenario.Definition) { d.Parameters = map[string]string{"heat_rate": "seven"} }, "parameters.heat_rate", "(0, 30]"},
		{"parameter out of range", func(d *scenario.Definition) { d.Parameters = map[string]string{"emission_factor": "4"} }, "parameters.emission_factor", "[0, 3]"},
		{"parameter ramp fractional", func(d *scenario.Definition) { d.Parameters = map[string]string{"ramp_months": "2.5"} }, "parameters.ramp_months", "integer"},
		{"empty tag", func(d *scenario.Definition) { d.Tags = []string{"a", " "} }, "tags[1]", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := validDefinition()
			tt.mutate(&d)
			err := d.Validate()
			if !errors.Is(err, scenario.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
			var errs scenario.ValidationErrors
			if !errors.As(err, &errs) {
				t.Fatalf("Validate() = %T, want ValidationErrors", err)
			}
			var first *scenario.ValidationError
			if !errors.As(err, &first) || first != errs[0] {
				t.Errorf("errors.As does not find the first ValidationError")
			}
			for _, e := range errs {
				if e.Field == tt.field {
					if !strings.Contains(e.Reason, tt.reason) {
						t.Errorf("%s: reason %q does not mention %q", e.Field, e.Reason, tt.reason)
					}
					if len(errs) != 1 {
						t.Errorf("more than the one problem: %v", err)
					}
					return
				}
			}
			t.Errorf("Validate() = %v, want a problem with %s", err, tt.field)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	d := scenario.Definition{
		Drivers: []scenario.Driver{
			drv("fuel_price", `{"fuel": "peat"}`),
			drv("nope", `{}`),
		},
		Parameters: map[string]string{"heat_rate": "-1"},
	}
	var errs scenario.ValidationErrors
	if !errors.As(d.Validate(), &errs) {
		t.Fatal("Validate() did not return ValidationErrors")
	}
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	want := []string{"name", "curve_filter", "drivers[0].payload.fuel", "drivers[0].payload.delta", "drivers[1].driver_type", "parameters.heat_rate"}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v", fields, want)
	}
	if !strings.Contains(errs.Error(), "drivers[1].driver_type: unknown driver type") {
		t.Errorf("Error() = %q", errs.Error())
	}
}

func TestNewEngineRejects(t *testing.T) {
	t.Parallel()
	_, err := scenario.NewEngine([]scenario.Driver{drv("fleet_change", `{"change": "add", "capacity_mw": 1, "effective_month": "2028-01"}`)},
		map[string]string{"supply_slope": "x"})
	var ve *scenario.ValidationError
	if !errors.Is(err, scenario.ErrInvalid) || !errors.As(err, &ve) || ve.Field != "parameters.supply_slope" {
		t.Errorf("NewEngine error = %v, want parameters.supply_slope", err)
	}
}

func TestNormalizeFilter(t *testing.T) {
	t.Parallel()
	got := scenario.NormalizeFilter(map[string][]string{
		"asset_class": {" Power", "gas", "power"},
		"tenor_type":  {"monthly"},
		"iso":         {"PJM", "  "},
		"location":    {},
	})
	want := map[string][]string{"asset_class": {"gas", "power"}, "tenor_type": {"MONTHLY"}, "iso": {"PJM"}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("NormalizeFilter = %v, want %v", got, want)
	}
}

func TestSchemaDriversRoundTrip(t *testing.T) {
	t.Parallel()
	in := []scenario.Driver{drv("fuel_price", `{ "fuel" : "coal",  "delta": 1.0 }`)}
	rec := scenario.SchemaDrivers(in)
	if rec[0].DriverType != "fuel_price" || rec[0].PayloadJSON != `{"delta":1,"fuel":"coal"}` {
		t.Errorf("SchemaDrivers = %+v", rec)
	}
	back := scenario.DriversFromSchema(rec)
	if back[0].Type != "fuel_price" || string(back[0].Payload) != rec[0].PayloadJSON {
		t.Errorf("DriversFromSchema = %+v", back)
	}
}
