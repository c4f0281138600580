package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScenarioRunEndToEnd is the desk analyst's path on `aurum dev`: define
// a scenario with fuel, carbon and fleet drivers, run it against today's
// curves, follow it over server-sent events to SUCCEEDED, and read outputs
// whose attributions add up; the same post again is the same run, and
// another tenant sees none of it.
func TestScenarioRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test in -short mode")
	}
	dataDir := serverReachableTempDir(t)
	d := startDevWith(t, dataDir, [3]int{freePort(t), freePort(t), freePort(t)}, "--no-demo")
	defer d.shutdown(t)

	const months = 24
	file := filepath.Join(t.TempDir(), "base.csv")
	var b strings.Builder
	b.WriteString("asof_date,asset_class,iso,location,block,price_type,tenor_type,tenor_label,mid,units_raw\n")
	for _, block := range []string{"ON", "OFF"} {
		for m := range months {
			month := time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0)
			fmt.Fprintf(&b, "2026-11-24,power,PJM,West Hub,%s,MID,MONTHLY,%s,%d.5,USD/MWh\n", block, month.Format("2006-01"), 50+m)
		}
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := run(ctx, []string{"load", "curves", "--no-progress", "--log-level", "warn",
		"--kafka-brokers", d.broker, "--schema-registry-url", "http://" + d.registry, file}, io.Discard); err != nil {
		t.Fatal(err)
	}
	waitConsumed(t, d, 2*months)

	acme := client{t: t, base: "http://" + d.api, tenant: "acme"}
	var scenario struct{ ID string }
	acme.do(http.MethodPost, "/v1/scenarios", `{
		"name": "gas up, carbon from 2028, 2 GW retired",
		"curve_filter": {"iso": ["PJM"]},
		"drivers": [
			{"driver_type": "fuel_price", "payload": {"fuel": "natural_gas", "delta": 1.0}},
			{"driver_type": "carbon_policy", "payload": {"price": 40, "start_month": "2028-01"}},
			{"driver_type": "fleet_change", "payload": {"change": "retire", "capacity_mw": 2000, "effective_month": "2027-06"}}
		]}`, http.StatusCreated, &scenario)

	var runA, runB struct{ ID, State string }
	acme.do(http.MethodPost, "/v1/scenarios/"+scenario.ID+"/runs", `{}`, http.StatusAccepted, &runA)
	acme.do(http.MethodPost, "/v1/scenarios/"+scenario.ID+"/runs", `{}`, http.StatusOK, &runB)
	if runA.ID != runB.ID {
		t.Fatalf("the same inputs made two runs: %s and %s", runA.ID, runB.ID)
	}

	if states := acme.events(runA.ID); strings.Join(states, " ") != "QUEUED RUNNING SUCCEEDED" {
		t.Fatalf("SSE states %v, want QUEUED RUNNING SUCCEEDED and the end of the stream", states)
	}
	var done struct {
		State       string
		OutputCount int `json:"output_count"`
	}
	acme.do(http.MethodGet, "/v1/runs/"+runA.ID, "", http.StatusOK, &done)
	if done.State != "SUCCEEDED" {
		t.Fatalf("run state %s", done.State)
	}

	var outputs []struct {
		CurveKey    string  `json:"curve_key"`
		TenorType   string  `json:"tenor_type"`
		TenorLabel  string  `json:"tenor_label"`
		Value       float64 `json:"value"`
		Attribution []struct {
			Driver string
			Delta  float64
		}
	}
	acme.do(http.MethodGet, "/v1/runs/"+runA.ID+"/outputs?tenor_type=MONTHLY&limit=500", "", http.StatusOK, &outputs)
	if len(outputs) != 2*months {
		t.Fatalf("%d monthly outputs, want one per base point (%d)", len(outputs), 2*months)
	}
	for _, o := range outputs {
		m, err := time.Parse("2006-01", o.TenorLabel)
		if err != nil {
			t.Fatal(err)
		}
		base := float64(50+(m.Year()-2027)*12+int(m.Month())-1) + 0.5 // as written in the file
		var sum float64
		for _, a := range o.Attribution {
			sum += a.Delta
		}
		if math.Abs(o.Value-base-sum) > 1e-9*math.Max(1, math.Abs(o.Value)) {
			t.Errorf("%s %s: value %v − base %v ≠ Σ attribution %v", o.CurveKey[:8], o.TenorLabel, o.Value, base, sum)
		}
		if len(o.Attribution) != 3 {
			t.Errorf("%s: %d attributions, want one per price driver", o.TenorLabel, len(o.Attribution))
		}
	}

	other := client{t: t, base: "http://" + d.api, tenant: "globex"}
	for _, path := range []string{"/v1/scenarios/" + scenario.ID, "/v1/runs/" + runA.ID,
		"/v1/runs/" + runA.ID + "/outputs", "/v1/runs/" + runA.ID + "/events"} {
		other.do(http.MethodGet, path, "", http.StatusNotFound, nil)
	}
}

// client calls the API as one tenant with every permission.
type client struct {
	t      *testing.T
	base   string
	tenant string
}

func (c client) request(method, path, body string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Aurum-Tenant", c.tenant)
	req.Header.Set("X-Aurum-User", "ana")
	req.Header.Set("X-Aurum-Roles", "admin")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// do sends the request, checks the status and decodes the envelope's data.
func (c client) do(method, path, body string, want int, data any) {
	c.t.Helper()
	resp := c.request(method, path, body)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if data == nil {
		return
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(raw, &env); err != nil {
		c.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		c.t.Fatalf("%s %s: %v in %s", method, path, err, env.Data)
	}
}

// events reads the run's server-sent events until the server closes the
// stream, and returns the states in order.
func (c client) events(runID string) []string {
	c.t.Helper()
	resp := c.request(http.MethodGet, "/v1/runs/"+runID+"/events", "")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("events: %s", resp.Status)
	}
	var states []string
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if state, ok := bytes.CutPrefix(lines.Bytes(), []byte("event: ")); ok {
			states = append(states, string(state))
		}
	}
	return states
}
