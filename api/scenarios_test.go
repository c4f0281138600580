package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
	"github.com/aurum-energy/aurum/internal/testenv"
)

// scenarioServer is a test server on a fresh database holding the curve
// fixture (so runs have base curves as of asofA and asofB), with a serde on
// an embedded registry for the outbox records.
type scenarioServer struct {
	*testServer
	store *store.Store
	serde *serde.Serde
}

func newScenarioServer(t *testing.T) *scenarioServer {
	t.Helper()
	return newTracedScenarioServer(t, nil)
}

// newTracedScenarioServer is newScenarioServer making spans with tracer.
func newTracedScenarioServer(t *testing.T, tracer trace.Tracer) *scenarioServer {
	t.Helper()
	st := storetest.Migrated(t, store.Config{MaxConns: 20})
	insertRows(t, st, fixtureRows())
	sd := testenv.NewKafka(t).Serde(t)
	cfg := Config{RateLimit: RateLimitConfig{Disabled: true}, Cache: CacheConfig{Disabled: true}}
	return &scenarioServer{testServer: newTestServer(t, cfg, Deps{Store: st, Serde: sd, Tracer: tracer}), store: st, serde: sd}
}

// caller is who makes a request: tenant and roles (forward auth).
type caller struct{ tenant, roles string }

var (
	acmeEditor  = caller{"acme", "editor"}
	acmeViewer  = caller{"acme", "viewer"}
	acmeAnalyst = caller{"acme", "analyst"}
	otherEditor = caller{"globex", "editor"}
)

// call makes a request as who with a JSON body ("" for none) and extra
// headers as name, value pairs.
func (s *scenarioServer) call(t testing.TB, who caller, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(HeaderTenant, who.tenant)
	req.Header.Set(HeaderUser, "analyst@"+who.tenant)
	req.Header.Set(HeaderRoles, who.roles)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// data decodes the data member of a single-resource response with the
// wanted status.
func data(t testing.TB, rec *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	var env struct {
		Meta map[string]any `json:"meta"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	if env.Meta["request_id"] != rec.Header().Get(HeaderRequestID) || env.Data == nil {
		t.Fatalf("not an envelope: %s", rec.Body)
	}
	return env.Data
}

// pageOf decodes a list response, failing unless it is a 200.
func pageOf(t testing.TB, rec *httptest.ResponseRecorder) listPage {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
	}
	var p listPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	if p.Meta.Count != len(p.Data) {
		t.Fatalf("meta.count %d, %d rows", p.Meta.Count, len(p.Data))
	}
	return p
}

// listAllAs follows next_cursor from path with limit and returns every row.
func (s *scenarioServer) listAllAs(t testing.TB, who caller, path string, limit int) []map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	base := path + sep + fmt.Sprintf("limit=%d", limit)
	next := base
	var all []map[string]any
	for range 1000 {
		p := pageOf(t, s.call(t, who, http.MethodGet, next, ""))
		if len(p.Data) > limit {
			t.Fatalf("page of %d rows with limit %d", len(p.Data), limit)
		}
		all = append(all, p.Data...)
		if p.Meta.NextCursor == "" {
			return all
		}
		next = base + "&cursor=" + url.QueryEscape(p.Meta.NextCursor)
	}
	t.Fatal("pagination does not end")
	return nil
}

// scenarioJSON is a valid scenario definition named name.
func scenarioJSON(name string) string {
	return fmt.Sprintf(`{
		"name": %q,
		"description": "gas +1, carbon 40 from 2028, 2 GW retired",
		"curve_filter": {"iso": "PJM", "asset_class": ["POWER"]},
		"drivers": [
			{"driver_type": "fuel_price", "payload": {"fuel": "natural_gas", "delta": 1}},
			{"driver_type": "carbon_policy", "payload": {"price": 40, "start_month": "2028-01"}},
			{"driver_type": "fleet_change", "payload": {"change": "retire", "capacity_mw": 2000, "effective_month": "2027-06"}}
		],
		"parameters": {"heat_rate": "7.2"},
		"tags": ["desk", "gas"]
	}`, name)
}

// createScenario posts a valid scenario as who and returns its id.
func (s *scenarioServer) createScenario(t testing.TB, who caller, name string) string {
	t.Helper()
	d := data(t, s.call(t, who, http.MethodPost, "/v1/scenarios", scenarioJSON(name)), http.StatusCreated)
	return d["id"].(string)
}

func TestScenarioCRUD(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)

	rec := s.call(t, acmeEditor, http.MethodPost, "/v1/scenarios", scenarioJSON("retirements"))
	sc := data(t, rec, http.StatusCreated)
	id, _ := sc["id"].(string)
	if rec.Header().Get("Location") != "/v1/scenarios/"+id || !uuidPattern.MatchString(id) {
		t.Fatalf("Location %q, id %q", rec.Header().Get("Location"), id)
	}
	want := map[string]string{
		"name":         `"retirements"`,
		"description":  `"gas +1, carbon 40 from 2028, 2 GW retired"`,
		"curve_filter": `{"asset_class":["power"],"iso":["PJM"]}`,
		"drivers": `[{"driver_type":"fuel_price","payload":{"delta":1,"fuel":"natural_gas"}},` +
			`{"driver_type":"carbon_policy","payload":{"price":40,"start_month":"2028-01"}},` +
			`{"driver_type":"fleet_change","payload":{"capacity_mw":2000,"change":"retire","effective_month":"2027-06"}}]`,
		"parameters": `{"heat_rate":"7.2"}`,
		"tags":       `["desk","gas"]`,
		"version":    `1`,
	}
	for k, v := range want {
		got, _ := json.Marshal(sc[k])
		if string(got) != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
	for _, k := range []string{"created_at", "updated_at"} {
		if _, ok := sc[k].(string); !ok {
			t.Errorf("%s = %v", k, sc[k])
		}
	}
	if len(sc) != 10 {
		t.Errorf("scenario has %d members, want 10: %v", len(sc), sc)
	}

	got := data(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios/"+id, ""), http.StatusOK)
	if fmt.Sprint(got) != fmt.Sprint(sc) {
		t.Errorf("GET = %v, want %v", got, sc)
	}

	// Newest first, across pages.
	ids := []string{id}
	for i := range 4 {
		ids = append(ids, s.createScenario(t, acmeEditor, fmt.Sprintf("s%d", i)))
	}
	rows := s.listAllAs(t, acmeViewer, "/v1/scenarios", 2)
	if len(rows) != len(ids) {
		t.Fatalf("listed %d scenarios, want %d", len(rows), len(ids))
	}
	for i, r := range rows {
		if want := ids[len(ids)-1-i]; r["id"] != want {
			t.Errorf("row %d = %v, want %s", i, r["id"], want)
		}
	}

	csv := s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios?format=csv&limit=1", "")
	if csv.Code != http.StatusOK || csv.Header().Get("Content-Type") != MIMETextCSV || csv.Header().Get(HeaderNextCursor) == "" {
		t.Fatalf("csv = %d %q %q", csv.Code, csv.Header().Get("Content-Type"), csv.Header().Get(HeaderNextCursor))
	}
	if lines := strings.Split(strings.TrimSpace(csv.Body.String()), "\r\n"); len(lines) != 2 ||
		lines[0] != "id,name,description,curve_filter,drivers,parameters,tags,version,created_at,updated_at" {
		t.Errorf("csv = %q", csv.Body)
	}

	// A cursor is bound to its endpoint and tenant.
	p := pageOf(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios?limit=1", ""))
	rec = s.call(t, otherEditor, http.MethodGet, "/v1/scenarios?limit=1&cursor="+url.QueryEscape(p.Meta.NextCursor), "")
	if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != "cursor" {
		t.Errorf("foreign cursor: %s", rec.Body)
	}

	if rec := s.call(t, acmeEditor, http.MethodDelete, "/v1/scenarios/"+id, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	problemOf(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios/"+id, ""), http.StatusNotFound)
	problemOf(t, s.call(t, acmeEditor, http.MethodDelete, "/v1/scenarios/"+id, ""), http.StatusNotFound)
	if rows := s.listAllAs(t, acmeViewer, "/v1/scenarios", 100); len(rows) != len(ids)-1 {
		t.Errorf("after delete %d scenarios listed, want %d", len(rows), len(ids)-1)
	}
	var deleted bool
	if err := s.store.Pool().QueryRow(context.Background(),
		`SELECT deleted_at IS NOT NULL FROM scenario WHERE id = $1`, id).Scan(&deleted); err != nil || !deleted {
		t.Errorf("row after delete: deleted %v, %v", deleted, err)
	}
}

func TestScenarioValidation(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	valid := func(edit func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(scenarioJSON("v")), &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	driver := func(typ string, payload map[string]any) []any {
		return []any{map[string]any{"driver_type": typ, "payload": payload}}
	}
	for _, tc := range []struct {
		name   string
		body   string
		status int
		field  string // the first invalid_params name; "" when none
	}{
		{"unknown driver type", valid(func(m map[string]any) { m["drivers"] = driver("weather", map[string]any{}) }), 400, "drivers[0].driver_type"},
		{"missing payload field", valid(func(m map[string]any) {
			m["drivers"] = driver("fuel_price", map[string]any{"fuel": "natural_gas"})
		}), 400, "drivers[0].payload.delta"},
		{"payload field out of range", valid(func(m map[string]any) {
			m["drivers"] = driver("fleet_change", map[string]any{"change": "retire", "capacity_mw": -5, "effective_month": "2027-01"})
		}), 400, "drivers[0].payload.capacity_mw"},
		{"empty curve filter", valid(func(m map[string]any) { m["curve_filter"] = map[string]any{} }), 400, "curve_filter"},
		{"no curve filter", valid(func(m map[string]any) { delete(m, "curve_filter") }), 400, "curve_filter"},
		{"unknown dimension", valid(func(m map[string]any) { m["curve_filter"] = map[string]any{"colour": "red"} }), 400, "curve_filter.colour"},
		{"no name", valid(func(m map[string]any) { m["name"] = " " }), 400, "name"},
		{"no drivers", valid(func(m map[string]any) { m["drivers"] = []any{} }), 400, "drivers"},
		{"unknown member", valid(func(m map[string]any) { m["owner"] = "me" }), 400, "owner"},
		{"wrong type", valid(func(m map[string]any) { m["name"] = 5 }), 400, "name"},
		{"filter value not text", valid(func(m map[string]any) { m["curve_filter"] = map[string]any{"iso": 5} }), 400, "curve_filter.iso"},
		{"10,000 drivers", valid(func(m map[string]any) {
			m["drivers"] = slices.Repeat(driver("curve_shock", map[string]any{"shift_abs": 1}), 10_000)
		}), 400, "drivers"},
		{"33 tags", valid(func(m map[string]any) { m["tags"] = slices.Repeat([]any{"desk"}, 33) }), 400, "tags"},
		{"long tag", valid(func(m map[string]any) { m["tags"] = []any{strings.Repeat("t", 65)} }), 400, "tags[0]"},
		{"long description", valid(func(m map[string]any) { m["description"] = strings.Repeat("d", 4001) }), 400, "description"},
		{"1001 filter values", valid(func(m map[string]any) {
			m["curve_filter"] = map[string]any{"location": slices.Repeat([]any{"HUB"}, 1001)}
		}), 400, "curve_filter"},
		{"NUL in the name", valid(func(m map[string]any) { m["name"] = "desk\x00" }), 400, "name"},
		{"NUL in a tag", valid(func(m map[string]any) { m["tags"] = []any{"desk", "g\x00as"} }), 400, "tags[1]"},
		{"NUL in a filter value", valid(func(m map[string]any) { m["curve_filter"] = map[string]any{"iso": "PJM\x00"} }), 400, "curve_filter.iso"},
		{"NUL in a filter list", valid(func(m map[string]any) { m["curve_filter"] = map[string]any{"iso": []any{"PJM", "\x00"}} }), 400, "curve_filter.iso[1]"},
		{"NUL in a driver payload", valid(func(m map[string]any) {
			m["drivers"] = driver("fuel_price", map[string]any{"fuel": "natural_gas\x00", "delta": 1})
		}), 400, "drivers[0].payload.fuel"},
		{"NUL in a parameter", valid(func(m map[string]any) { m["parameters"] = map[string]any{"heat_rate": "7\x00"} }), 400, "parameters.heat_rate"},
		{"NUL in a parameter name", valid(func(m map[string]any) { m["parameters"] = map[string]any{"heat\x00rate": "7"} }), 400, "parameters"},
		{"invalid UTF-8", strings.Replace(scenarioJSON("x"), `"x"`, "\"\xff\"", 1), 400, ""},
		{"invalid UTF-8 in a payload", strings.Replace(scenarioJSON("x"), `"natural_gas"`, "\"natural_gas\xc0\"", 1), 400, ""},
		{"a lone surrogate in a payload", strings.Replace(scenarioJSON("x"), `"natural_gas"`, `"natural_gas\ud800"`, 1), 400, "drivers[0].payload.fuel"},
		{"a lone surrogate in a filter", strings.Replace(scenarioJSON("x"), `"PJM"`, `"PJM\udc00"`, 1), 400, "curve_filter.iso"},
		{"a lone surrogate in a name", strings.Replace(scenarioJSON("x"), `"x"`, `"x\ud800"`, 1), 400, "name"},
		{"not JSON", `{"name":`, 400, ""},
		{"empty body", ``, 400, ""},
		{"an array", `[]`, 400, ""},
		{"trailing data", scenarioJSON("x") + `{}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := s.call(t, acmeEditor, http.MethodPost, "/v1/scenarios", tc.body)
			p := problemOf(t, rec, tc.status)
			if got := invalidParam(p); got != tc.field {
				t.Errorf("invalid param %q, want %q: %s", got, tc.field, rec.Body)
			}
			if tc.field != "" && !strings.Contains(p["detail"].(string), tc.field) {
				t.Errorf("detail %q does not name %s", p["detail"], tc.field)
			}
		})
	}
	t.Run("every field named", func(t *testing.T) {
		t.Parallel()
		body := valid(func(m map[string]any) {
			m["name"] = ""
			m["curve_filter"] = map[string]any{}
			m["drivers"] = driver("weather", map[string]any{})
		})
		p := problemOf(t, s.call(t, acmeEditor, http.MethodPost, "/v1/scenarios", body), http.StatusBadRequest)
		var names []string
		for _, ip := range p["invalid_params"].([]any) {
			names = append(names, ip.(map[string]any)["name"].(string))
		}
		if got := strings.Join(names, " "); got != "name curve_filter drivers[0].driver_type" {
			t.Errorf("invalid params %s", got)
		}
	})
	t.Run("text/plain", func(t *testing.T) {
		t.Parallel()
		req := httptest.NewRequest(http.MethodPost, "/v1/scenarios", strings.NewReader(scenarioJSON("x")))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set(HeaderTenant, "acme")
		req.Header.Set(HeaderRoles, "editor")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		problemOf(t, rec, http.StatusUnsupportedMediaType)
	})
	t.Run("malformed id", func(t *testing.T) {
		t.Parallel()
		rec := s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios/not-a-uuid", "")
		if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != "id" {
			t.Errorf("body %s", rec.Body)
		}
	})
	t.Cleanup(func() { // after the parallel subtests
		var n int
		if err := s.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM scenario`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d scenarios stored (%v), want none", n, err)
		}
	})
}
