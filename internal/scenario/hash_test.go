package scenario_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/scenario"
)

// hashInput is the argument list of InputHash.
type hashInput struct {
	tenant, scenarioID string
	version            int
	drivers            []scenario.Driver
	params             map[string]string
	asof               time.Time
	seed               int64
}

func (h hashInput) hash() string {
	return scenario.InputHash(h.tenant, h.scenarioID, h.version, h.drivers, h.params, h.asof, h.seed)
}

func baseHashInput() hashInput {
	return hashInput{
		tenant: "acme", scenarioID: "s1", version: 3,
		drivers: []scenario.Driver{
			drv("fuel_price", `{"fuel": "natural_gas", "delta": 1}`),
			drv("carbon_policy", `{"price": 40, "start_month": "2028-01"}`),
		},
		params: map[string]string{"heat_rate": "7", "ramp_months": "3"},
		asof:   time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC),
		seed:   42,
	}
}

func TestInputHashCanonicalDocument(t *testing.T) {
	t.Parallel()
	// The canonical document, written out by hand.
	doc := `{"asof_date":"2027-01-15","drivers":[{"driver_type":"fuel_price","payload":{"delta":1,"fuel":"natural_gas"}},` +
		`{"driver_type":"carbon_policy","payload":{"price":40,"start_month":"2028-01"}}],` +
		`"parameters":{"heat_rate":"7","ramp_months":"3"},"scenario_id":"s1","seed":42,"tenant":"acme","version":3}`
	sum := sha256.Sum256([]byte(doc))
	if got, want := baseHashInput().hash(), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("InputHash = %s, want sha256 of %s = %s", got, doc, want)
	}
}

func TestInputHash(t *testing.T) {
	t.Parallel()
	base := baseHashInput().hash()
	tests := []struct {
		name string
		mut  func(h *hashInput)
		same bool
	}{
		{"payload key order, whitespace and number spelling", func(h *hashInput) {
			h.drivers = []scenario.Driver{
				drv("fuel_price", "{\n  \"delta\" : 1.0,\n  \"fuel\":\"natural_gas\"\n}"),
				drv("carbon_policy", `{"start_month":"2028-01","price":4e1}`),
			}
		}, true},
		{"parameters built in another order", func(h *hashInput) {
			m := map[string]string{}
			m["ramp_months"] = "3"
			m["heat_rate"] = "7"
			h.params = m
		}, true},
		{"asof clock time", func(h *hashInput) { h.asof = h.asof.Add(13 * time.Hour) }, true},
		{"tenant", func(h *hashInput) { h.tenant = "other" }, false},
		{"scenario id", func(h *hashInput) { h.scenarioID = "s2" }, false},
		{"version", func(h *hashInput) { h.version = 4 }, false},
		{"payload value", func(h *hashInput) {
			h.drivers = []scenario.Driver{drv("fuel_price", `{"fuel": "natural_gas", "delta": 1.5}`), h.drivers[1]}
		}, false},
		{"payload field added", func(h *hashInput) {
			h.drivers = []scenario.Driver{drv("fuel_price", `{"fuel": "natural_gas", "delta": 1, "heat_rate": 7.5}`), h.drivers[1]}
		}, false},
		{"driver type", func(h *hashInput) {
			h.drivers = []scenario.Driver{drv("curve_shock", string(h.drivers[0].Payload)), h.drivers[1]}
		}, false},
		{"driver order", func(h *hashInput) { h.drivers = []scenario.Driver{h.drivers[1], h.drivers[0]} }, false},
		{"driver dropped", func(h *hashInput) { h.drivers = h.drivers[:1] }, false},
		{"parameter value", func(h *hashInput) { h.params = map[string]string{"heat_rate": "7.5", "ramp_months": "3"} }, false},
		{"parameter dropped", func(h *hashInput) { h.params = map[string]string{"heat_rate": "7"} }, false},
		{"asof date", func(h *hashInput) { h.asof = h.asof.AddDate(0, 0, 1) }, false},
		{"seed", func(h *hashInput) { h.seed = 43 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := baseHashInput()
			tt.mut(&in)
			if got := in.hash(); (got == base) != tt.same {
				t.Errorf("hash %s, base %s; want same = %v", got, base, tt.same)
			}
		})
	}
}

func TestInputHashEmpty(t *testing.T) {
	t.Parallel()
	asof := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	a := scenario.InputHash("a", "s", 1, nil, nil, asof, 0)
	b := scenario.InputHash("a", "s", 1, []scenario.Driver{}, map[string]string{}, asof, 0)
	if a != b || len(a) != 64 {
		t.Errorf("nil and empty inputs: %s, %s", a, b)
	}
}
