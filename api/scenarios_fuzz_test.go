package api

import (
	"testing"
)

// FuzzScenarioBody feeds arbitrary bodies of POST /v1/scenarios through
// what createScenario does before it writes: decode, convert, validate,
// encode the columns. Each step ends in a valid definition or a 4xx
// problem naming what is wrong, never a panic or a 500.
func FuzzScenarioBody(f *testing.F) {
	f.Add([]byte(scenarioJSON("seed")))
	for _, seed := range []string{
		`{"name":"shock","curve_filter":{"iso":["PJM","ERCOT"],"tenor_type":"MONTHLY"},"drivers":[{"driver_type":"curve_shock","payload":{"shift_pct":10,"from_month":"2027-01","to_month":"2027-12","selector":{"iso":"PJM"}}}]}`,
		`{"name":"load","curve_filter":{"asset_class":"power"},"drivers":[{"driver_type":"load_growth","payload":{"annual_growth_pct":2,"start_year":2027,"iso":"PJM"}},{"driver_type":"volatility","payload":{"annual_vol_pct":30}}]}`,
		`{"name":"","curve_filter":{"nope":1},"drivers":[{"driver_type":"fleet_change","payload":[]}],"parameters":{"x":"y"},"tags":[""]}`,
		`[]`, `{"name":"x"} {}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var body scenarioBody
		if err := decodeBodyJSON(raw, &body, false); err != nil {
			requireClientError(t, err)
			return
		}
		def, err := body.definition()
		if err != nil {
			requireClientError(t, err)
			return
		}
		if err := def.Validate(); err != nil {
			requireClientError(t, invalidScenario(err))
			return
		}
		if _, _, _, _, err := definitionColumns(def); err != nil {
			t.Fatalf("columns of a valid definition: %v", err)
		}
	})
}
