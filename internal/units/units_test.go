package units

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw, want, kind string
	}{
		{"iso code", "USD/MWh", "USD/MWh", "energy"},
		{"dollar sign", "$/MWh", "USD/MWh", "energy"},
		{"upper case quantity", "$/MWH", "USD/MWh", "energy"},
		{"spaces around slash", " USD / MWh ", "USD/MWh", "energy"},
		{"per", "USD per MWh", "USD/MWh", "energy"},
		{"gas", "USD/MMBtu", "USD/MMBtu", "energy"},
		{"gas lower case", "$/mmbtu", "USD/MMBtu", "energy"},
		{"dekatherm", "USD/Dth", "USD/Dth", "energy"},
		{"carbon", "USD/tCO2", "USD/tCO2", "emissions"},
		{"carbon equivalent", "EUR/tCO2e", "EUR/tCO2", "emissions"},
		{"tonne", "$/t", "USD/t", "mass"},
		{"canadian power", "CAD/MWh", "CAD/MWh", "energy"},
		{"euro power", "EUR/MWh", "EUR/MWh", "energy"},
		{"euro sign", "€/MWh", "EUR/MWh", "energy"},
		{"nbp pounds", "GBP/therm", "GBP/therm", "energy"},
		{"nbp pence", "p/therm", "GBX/therm", "energy"},
		{"GBp means pence", "GBp/therm", "GBX/therm", "energy"},
		{"oil", "USD/bbl", "USD/bbl", "volume"},
		{"products", "USD/gal", "USD/gal", "volume"},
		{"capacity", "USD/MW-day", "USD/MW-day", "capacity"},
		{"capacity spaced", "$/MW day", "USD/MW-day", "capacity"},
		{"capacity underscore", "USD/MW_DAY", "USD/MW-day", "capacity"},
		{"capacity per kw month", "$/kW-mo", "USD/kW-month", "capacity"},
		{"rec", "USD/REC", "USD/REC", "certificate"},
		{"aeco", "C$/GJ", "CAD/GJ", "energy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.raw, err)
			}
			if u.Canonical != tt.want || u.Currency+"/"+u.PerUnit != tt.want || u.Kind != tt.kind {
				t.Errorf("Parse(%q) = %+v, want %s (%s)", tt.raw, u, tt.want, tt.kind)
			}
			if u.Description == "" {
				t.Errorf("Parse(%q) has no description", tt.raw)
			}
		})
	}
}

func TestParseUnknown(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "  ", "MWh", "XYZ/MWh", "USD/widget", "USD/", "/MWh", "dollars"} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			if u, err := Parse(raw); !errors.Is(err, ErrUnknown) {
				t.Errorf("Parse(%q) = %+v, %v; want ErrUnknown", raw, u, err)
			}
		})
	}
}

func TestCurrencyAndPerUnit(t *testing.T) {
	t.Parallel()
	currencies := map[string]string{"usd": "USD", "$": "USD", " EUR ": "EUR", "GBp": "GBX", "GBP": "GBP", "p": "GBX"}
	for raw, want := range currencies {
		if got, ok := Currency(raw); !ok || got != want {
			t.Errorf("Currency(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	perUnits := map[string]string{"mwh": "MWh", "MMBTU": "MMBtu", "mw-day": "MW-day", "TCO2": "tCO2", "therms": "therm"}
	for raw, want := range perUnits {
		if got, ok := PerUnit(raw); !ok || got != want {
			t.Errorf("PerUnit(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
	if _, ok := Currency("doubloons"); ok {
		t.Error("Currency(doubloons) ok")
	}
	if _, ok := PerUnit("widget"); ok {
		t.Error("PerUnit(widget) ok")
	}
}

func TestKnown(t *testing.T) {
	t.Parallel()
	known := Known()
	if len(known) != len(common) {
		t.Fatalf("Known() has %d units, want %d (one per entry of common, no duplicates)", len(known), len(common))
	}
	seen := map[string]bool{}
	for _, u := range known {
		if seen[u.Canonical] {
			t.Errorf("%s listed twice", u.Canonical)
		}
		seen[u.Canonical] = true
		again, err := Parse(u.Canonical)
		if err != nil || again != u {
			t.Errorf("Parse(%q) = %+v, %v; want the unit itself", u.Canonical, again, err)
		}
		if u.Description == "" || u.Kind == "" {
			t.Errorf("%s lacks a description or kind", u.Canonical)
		}
	}
	for _, want := range []string{"USD/MWh", "USD/MMBtu", "GBX/therm", "USD/MW-day", "USD/tCO2", "USD/REC"} {
		if !seen[want] {
			t.Errorf("Known() lacks %s", want)
		}
	}
}
