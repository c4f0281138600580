package scenario_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/scenario"
)

// shocks returns n valid curve_shock drivers.
func shocks(n int) []scenario.Driver {
	return slices.Repeat([]scenario.Driver{drv("curve_shock", `{"shift_abs": 1}`)}, n)
}

// isos returns n distinct ISO filter values.
func isos(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("ISO%d", i)
	}
	return out
}

// TestValidateLimits checks each documented limit of a definition: at the
// limit it is accepted, beyond it one problem names the field and the limit.
func TestValidateLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(d *scenario.Definition)
		field  string // "" when the definition is valid
		reason string
	}{
		{"200 drivers", func(d *scenario.Definition) { d.Drivers = shocks(scenario.MaxDrivers) }, "", ""},
		{"201 drivers", func(d *scenario.Definition) { d.Drivers = shocks(scenario.MaxDrivers + 1) }, "drivers", "has 201 drivers; at most 200"},
		{"10,000 drivers", func(d *scenario.Definition) { d.Drivers = shocks(10_000) }, "drivers", "at most 200"},
		{"32 tags", func(d *scenario.Definition) { d.Tags = slices.Repeat([]string{"t"}, scenario.MaxTags) }, "", ""},
		{"33 tags", func(d *scenario.Definition) { d.Tags = slices.Repeat([]string{"t"}, scenario.MaxTags+1) }, "tags", "at most 32"},
		{"long tag", func(d *scenario.Definition) { d.Tags = []string{"ok", strings.Repeat("é", scenario.MaxTagLen+1)} }, "tags[1]", "longer than 64 characters"},
		{"tag of 64 characters", func(d *scenario.Definition) { d.Tags = []string{strings.Repeat("é", scenario.MaxTagLen)} }, "", ""},
		{"long description", func(d *scenario.Definition) { d.Description = strings.Repeat("x", scenario.MaxDescriptionLen+1) }, "description", "longer than 4000 characters"},
		{"long name", func(d *scenario.Definition) { d.Name = strings.Repeat("n", scenario.MaxNameLen+1) }, "name", "longer than 200 characters"},
		{"1000 filter values", func(d *scenario.Definition) {
			d.CurveFilter = map[string][]string{"iso": isos(scenario.MaxFilterValues)}
		}, "", ""},
		{"1001 filter values", func(d *scenario.Definition) {
			d.CurveFilter = map[string][]string{"iso": isos(600), "location": isos(401)}
		}, "curve_filter", "has 1001 values; at most 1000"},
		{"long filter value", func(d *scenario.Definition) {
			d.CurveFilter = map[string][]string{"location": {strings.Repeat("l", scenario.MaxFilterValueLen+1)}}
		}, "curve_filter.location[0]", "longer than 200 characters"},
		{"1001 selector values", func(d *scenario.Definition) {
			sel := `"` + strings.Join(isos(scenario.MaxFilterValues+1), `","`) + `"`
			d.Drivers = []scenario.Driver{drv("curve_shock", `{"shift_abs": 1, "selector": {"iso": [`+sel+`]}}`)}
		}, "drivers[0].payload.selector", "at most 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := validDefinition()
			tt.mutate(&d)
			err := d.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var errs scenario.ValidationErrors
			if !errors.As(err, &errs) || !errors.Is(err, scenario.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ValidationErrors", err)
			}
			if len(errs) != 1 || errs[0].Field != tt.field || !strings.Contains(errs[0].Reason, tt.reason) {
				t.Errorf("Validate() = %v, want one problem %s: …%s…", err, tt.field, tt.reason)
			}
		})
	}
}

// TestNewEngineRejectsTooManyDrivers: the worker compiles a request's
// drivers with NewEngine, so it refuses what the API would have refused.
func TestNewEngineRejectsTooManyDrivers(t *testing.T) {
	t.Parallel()
	_, err := scenario.NewEngine(shocks(scenario.MaxDrivers+1), nil)
	var ve *scenario.ValidationError
	if !errors.Is(err, scenario.ErrInvalid) || !errors.As(err, &ve) || ve.Field != "drivers" {
		t.Errorf("NewEngine error = %v, want one naming drivers", err)
	}
}

// TestComputeOutputLimit: a run whose base set alone exceeds the output
// limit is refused before pricing, and one whose roll-ups push it over is
// refused once they do.
func TestComputeOutputLimit(t *testing.T) {
	t.Parallel()
	drivers := shocks(scenario.MaxDrivers) // 200 price drivers: at most 5,000 outputs
	e, err := scenario.NewEngine(drivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.OutputLimit(), scenario.MaxAttributionEntries/scenario.MaxDrivers; got != want {
		t.Fatalf("OutputLimit() = %d, want %d", got, want)
	}
	base := func(curves, months int) []scenario.BasePoint {
		var out []scenario.BasePoint
		for c := range curves {
			for m := range months {
				p := pt(keyPJM, month(2027, time.January).AddDate(0, m, 0), 40)
				p.CurveKey = fmt.Sprintf("curve-%03d", c)
				out = append(out, p)
			}
		}
		return out
	}
	def := scenario.Definition{Drivers: drivers}
	tests := []struct {
		name          string
		curves, month int
		want          string // "" for success
	}{
		// 40 curves × 96 months = 3,840 monthly + 1,280 quarters + 320 years.
		{"roll-ups exceed", 40, 96, "with roll-ups"},
		{"base points exceed", 51, 100, "at least 5100 outputs (one per base point)"},
		// 36 curves × 96 months → 4,896 outputs.
		{"fits", 36, 96, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := scenario.Compute(def, month(2026, time.December), base(tt.curves, tt.month))
			if tt.want == "" {
				if err != nil || len(out) > e.OutputLimit() {
					t.Fatalf("Compute: %d outputs, %v", len(out), err)
				}
				return
			}
			if !errors.Is(err, scenario.ErrTooManyOutputs) || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "at most 5000") {
				t.Errorf("Compute error = %v, want ErrTooManyOutputs saying %q and the limit", err, tt.want)
			}
		})
	}
}
