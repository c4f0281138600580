package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/curve"
)

// insertOutputs writes outputs of run as its worker would: for each of two
// curves, three MONTHLY months and their QUARTER, each with metrics mid
// and spread. It returns their keys (curve_key|tenor_type|tenor_label|metric)
// in key order.
func (s *scenarioServer) insertOutputs(t testing.TB, tenant string, run map[string]any) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	err := s.store.InTenant(ctx, tenant, func(tx pgx.Tx) error {
		for _, ck := range []string{curve.Key(pjmOn), curve.Key(ercot)} {
			for _, tenor := range []struct{ typ, label, month string }{
				{"MONTHLY", "2027-01", "2027-01-01"}, {"MONTHLY", "2027-02", "2027-02-01"},
				{"MONTHLY", "2027-03", "2027-03-01"}, {"QUARTER", "2027-Q1", "2027-01-01"},
			} {
				for i, metric := range []string{"mid", "spread"} {
					var lower, upper *float64
					if tenor.typ == "MONTHLY" && metric == "mid" {
						lower, upper = fp(40), fp(60)
					}
					if _, err := tx.Exec(ctx, `INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type,
						tenor_label, contract_month, metric, value, band_lower, band_upper, deltas)
						VALUES ($1, $2, (SELECT id FROM curve WHERE curve_key = $3), $4, $5, $6, $7, $8, $9, $10, '{7.5, 0}')`,
						tenant, run["id"], ck, tenor.typ, tenor.label, tenor.month, metric, 50.5+float64(i), lower, upper); err != nil {
						return err
					}
					keys = append(keys, strings.Join([]string{ck, tenor.typ, tenor.label, metric}, "|"))
				}
			}
		}
		_, err := tx.Exec(ctx, `UPDATE scenario_run SET output_drivers = '{fuel_price, carbon_policy}' WHERE id = $1`, run["id"])
		return err
	})
	if err != nil {
		t.Fatalf("insert outputs: %v", err)
	}
	slices.Sort(keys)
	return keys
}

func outputKey(r map[string]any) string {
	return fmt.Sprintf("%v|%v|%v|%v", r["curve_key"], r["tenor_type"], r["tenor_label"], r["metric"])
}

func TestRunOutputs(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	run := s.postRun(t, acmeAnalyst, s.createScenario(t, acmeEditor, "x"), "", http.StatusAccepted)
	runID := run["id"].(string)
	keys := s.insertOutputs(t, "acme", run)
	path := "/v1/runs/" + runID + "/outputs"

	// Until the run succeeds its outputs are not shown.
	if p := pageOf(t, s.call(t, acmeViewer, http.MethodGet, path, "")); len(p.Data) != 0 {
		t.Fatalf("outputs of a QUEUED run: %v", p.Data)
	}
	s.exec(t, `UPDATE scenario_run SET state = 'SUCCEEDED', completed_at = now(), output_count = 16 WHERE id = $1`, runID)

	rows := s.listAllAs(t, acmeViewer, path, 3)
	var got []string
	for _, r := range rows {
		got = append(got, outputKey(r))
	}
	if fmt.Sprint(got) != fmt.Sprint(keys) {
		t.Fatalf("outputs\n%v\nwant\n%v", got, keys)
	}
	first := fmt.Sprint(rows[0])
	want := fmt.Sprint(map[string]any{
		"curve_key": rows[0]["curve_key"], "tenor_type": "MONTHLY", "tenor_label": "2027-01", "contract_month": "2027-01-01",
		"metric": "mid", "value": 50.5, "band_lower": 40.0, "band_upper": 60.0,
		"attribution": []any{map[string]any{"driver": "fuel_price", "delta": 7.5}, map[string]any{"driver": "carbon_policy", "delta": 0.0}},
	})
	if first != want {
		t.Errorf("first output\n%s\nwant\n%s", first, want)
	}

	ck := curve.Key(ercot)
	for _, tc := range []struct {
		query string
		keep  func(k []string) bool
	}{
		{"curve_key=" + strings.ToUpper(ck), func(k []string) bool { return k[0] == ck }},
		{"tenor_type=quarter", func(k []string) bool { return k[1] == "QUARTER" }},
		{"metric=spread", func(k []string) bool { return k[3] == "spread" }},
		{"metric=mid&tenor_type=MONTHLY&curve_key=" + ck, func(k []string) bool { return k[0] == ck && k[1] == "MONTHLY" && k[3] == "mid" }},
		{"metric=none", func([]string) bool { return false }},
	} {
		var want, got []string
		for _, k := range keys {
			if tc.keep(strings.Split(k, "|")) {
				want = append(want, k)
			}
		}
		for _, r := range s.listAllAs(t, acmeViewer, path+"?"+tc.query, 2) {
			got = append(got, outputKey(r))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", tc.query, got, want)
		}
	}

	for query, field := range map[string]string{"tenor_type=WEEKLY": "tenor_type", "curve_key=abc": "curve_key", "state=x": "state"} {
		rec := s.call(t, acmeViewer, http.MethodGet, path+"?"+query, "")
		if got := invalidParam(problemOf(t, rec, http.StatusBadRequest)); got != field {
			t.Errorf("%s: invalid param %q, want %q", query, got, field)
		}
	}
	p := pageOf(t, s.call(t, acmeViewer, http.MethodGet, path+"?metric=mid&limit=2", ""))
	rec := s.call(t, acmeViewer, http.MethodGet, path+"?metric=spread&limit=2&cursor="+url.QueryEscape(p.Meta.NextCursor), "")
	if invalidParam(problemOf(t, rec, http.StatusBadRequest)) != "cursor" {
		t.Errorf("cursor with other filters: %s", rec.Body)
	}

	csv := s.call(t, acmeViewer, http.MethodGet, path+"?format=csv&limit=5", "")
	lines := strings.Split(strings.TrimSpace(csv.Body.String()), "\r\n")
	if csv.Code != http.StatusOK || csv.Header().Get("Content-Type") != MIMETextCSV || csv.Header().Get(HeaderNextCursor) == "" ||
		len(lines) != 6 ||
		lines[0] != "curve_key,tenor_type,tenor_label,contract_month,metric,value,band_lower,band_upper,attribution" ||
		lines[1] != rows[0]["curve_key"].(string)+`,MONTHLY,2027-01,2027-01-01,mid,50.5,40,60,"[{""driver"":""fuel_price"",""delta"":7.5},{""driver"":""carbon_policy"",""delta"":0}]"` {
		t.Errorf("csv %d %q:\n%s", csv.Code, csv.Header().Get(HeaderNextCursor), csv.Body)
	}

	// A succeeded run's outputs are revalidated with their ETag.
	full := s.call(t, acmeViewer, http.MethodGet, path, "")
	etag := full.Header().Get("ETag")
	if etag == "" || !strings.HasPrefix(full.Header().Get("Cache-Control"), "private, max-age=") {
		t.Fatalf("validators %q %q", etag, full.Header().Get("Cache-Control"))
	}
	if rec := s.call(t, acmeViewer, http.MethodGet, path, "", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match = %d", rec.Code)
	}

	problemOf(t, s.call(t, acmeViewer, http.MethodGet, "/v1/runs/"+newUUID()+"/outputs", ""), http.StatusNotFound)
}

// TestScenarioTenantIsolation checks that another tenant can neither see
// nor touch a tenant's scenario, its runs or their outputs: every endpoint
// answers 404, as for an id that does not exist.
func TestScenarioTenantIsolation(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "ours")
	run := s.postRun(t, acmeAnalyst, id, "", http.StatusAccepted)
	runID := run["id"].(string)
	s.insertOutputs(t, "acme", run)
	s.exec(t, `UPDATE scenario_run SET state = 'RUNNING' WHERE id = $1`, runID)
	theirs := s.createScenario(t, otherEditor, "theirs")

	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/v1/scenarios/" + id, ""},
		{http.MethodDelete, "/v1/scenarios/" + id, ""},
		{http.MethodPost, "/v1/scenarios/" + id + "/runs", ""},
		{http.MethodGet, "/v1/scenarios/" + id + "/runs", ""},
		{http.MethodGet, "/v1/runs/" + runID, ""},
		{http.MethodPost, "/v1/runs/" + runID + "/cancel", ""},
		{http.MethodGet, "/v1/runs/" + runID + "/outputs", ""},
	} {
		rec := s.call(t, otherEditor, tc.method, tc.path, tc.body)
		problemOf(t, rec, http.StatusNotFound)
		if strings.Contains(rec.Body.String(), "ours") {
			t.Errorf("%s %s leaks: %s", tc.method, tc.path, rec.Body)
		}
	}
	problemOf(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios/"+theirs, ""), http.StatusNotFound)
	for who, want := range map[caller]string{otherEditor: theirs, acmeViewer: id} {
		p := pageOf(t, s.call(t, who, http.MethodGet, "/v1/scenarios", ""))
		if len(p.Data) != 1 || p.Data[0]["id"] != want {
			t.Errorf("%s lists %v, want only %s", who.tenant, p.Data, want)
		}
	}
	// A cursor of acme's list is no cursor of globex's.
	s.createScenario(t, acmeEditor, "ours too")
	if next := pageOf(t, s.call(t, acmeViewer, http.MethodGet, "/v1/scenarios?limit=1", "")).Meta.NextCursor; next == "" {
		t.Error("acme's first page of one scenario has no cursor")
	} else {
		problemOf(t, s.call(t, otherEditor, http.MethodGet, "/v1/scenarios?limit=1&cursor="+url.QueryEscape(next), ""), http.StatusBadRequest)
	}
	// Nothing of acme's changed.
	if s.count(t, `SELECT count(*) FROM scenario WHERE id = $1 AND deleted_at IS NULL`, id) != 1 ||
		s.count(t, `SELECT count(*) FROM scenario_run WHERE id = $1 AND state = 'RUNNING' AND cancel_requested_at IS NULL`, runID) != 1 ||
		s.count(t, `SELECT count(*) FROM scenario_run WHERE tenant_id = 'globex'`) != 0 {
		t.Error("another tenant's requests changed acme's rows")
	}
}

func TestScenarioPermissions(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	id := s.createScenario(t, acmeEditor, "x")
	runID := s.postRun(t, acmeAnalyst, id, "", http.StatusAccepted)["id"].(string)
	nobody := caller{"acme", "guest"}
	for _, tc := range []struct {
		who          caller
		method, path string
		body         string
	}{
		{acmeViewer, http.MethodPost, "/v1/scenarios", scenarioJSON("v")},
		{acmeAnalyst, http.MethodPost, "/v1/scenarios", scenarioJSON("a")},
		{acmeViewer, http.MethodDelete, "/v1/scenarios/" + id, ""},
		{acmeAnalyst, http.MethodDelete, "/v1/scenarios/" + id, ""},
		{acmeViewer, http.MethodPost, "/v1/scenarios/" + id + "/runs", `{"seed": 5}`},
		{acmeViewer, http.MethodPost, "/v1/runs/" + runID + "/cancel", ""},
		{nobody, http.MethodGet, "/v1/scenarios", ""},
		{nobody, http.MethodGet, "/v1/scenarios/" + id, ""},
		{nobody, http.MethodGet, "/v1/scenarios/" + id + "/runs", ""},
		{nobody, http.MethodGet, "/v1/runs/" + runID, ""},
		{nobody, http.MethodGet, "/v1/runs/" + runID + "/outputs", ""},
	} {
		rec := s.call(t, tc.who, tc.method, tc.path, tc.body)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s %s as %s: %d %s", tc.method, tc.path, tc.who.roles, rec.Code, rec.Body)
		}
	}
	if s.count(t, `SELECT count(*) FROM scenario WHERE deleted_at IS NULL`) != 1 ||
		s.count(t, `SELECT count(*) FROM scenario_run WHERE state = 'QUEUED'`) != 1 {
		t.Error("a forbidden request changed something")
	}
	// Without a tenant the caller is not authenticated.
	problemOf(t, s.call(t, caller{"", "editor"}, http.MethodGet, "/v1/scenarios", ""), http.StatusUnauthorized)
}

// TestRunOutputsPageBytes: outputs of a run with 200 drivers are large, so a
// page of limit=500 stops at MaxOutputPageBytes with a cursor, and paging on
// yields every output once, in order.
func TestRunOutputsPageBytes(t *testing.T) {
	t.Parallel()
	s := newScenarioServer(t)
	run := s.postRun(t, acmeAnalyst, s.createScenario(t, acmeEditor, "x"), "", http.StatusAccepted)
	runID := run["id"].(string)
	const outputs, drivers = 600, 200
	s.exec(t, `INSERT INTO scenario_output (tenant_id, run_id, curve_id, tenor_type, tenor_label, metric, value, deltas)
		SELECT 'acme', $1, (SELECT id FROM curve WHERE curve_key = $2), 'CUSTOM', lpad(g::text, 4, '0'), 'price', g,
		    ARRAY(SELECT (g + i / 7.0)::float8 FROM generate_series(1, $3::int) i)
		FROM generate_series(1, $4::int) g`,
		runID, curve.Key(pjmOn), drivers, outputs)
	s.exec(t, `UPDATE scenario_run SET state = 'SUCCEEDED', completed_at = now(), output_count = $2,
		output_drivers = array_fill('curve_shock'::text, ARRAY[$3::int]) WHERE id = $1`, runID, outputs, drivers)

	path := "/v1/runs/" + runID + "/outputs?limit=500"
	rec := s.call(t, acmeViewer, http.MethodGet, path, "")
	p := pageOf(t, rec)
	if len(p.Data) == 0 || len(p.Data) >= 500 || p.Meta.NextCursor == "" || rec.Body.Len() > MaxOutputPageBytes+1024 {
		t.Fatalf("first page: %d rows, %d bytes, next cursor %q; want fewer than 500 rows within %d bytes and a cursor",
			len(p.Data), rec.Body.Len(), p.Meta.NextCursor, MaxOutputPageBytes)
	}
	var labels []string
	for _, r := range s.listAllAs(t, acmeViewer, "/v1/runs/"+runID+"/outputs", 500) {
		labels = append(labels, r["tenor_label"].(string))
	}
	if distinct := len(slices.Compact(slices.Clone(labels))); len(labels) != outputs || distinct != outputs || !slices.IsSorted(labels) {
		t.Errorf("paging returned %d outputs (sorted %v), want %d distinct in order", len(labels), slices.IsSorted(labels), outputs)
	}
}
