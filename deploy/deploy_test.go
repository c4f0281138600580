// Package deploy holds the production stack's monitoring: the Prometheus
// configuration and alert rules (prometheus/) and the provisioned Grafana
// dashboard (grafana/). Its tests check them against the metrics
// internal/telemetry exports and, when it is installed, with promtool.
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/yaml"

	"github.com/aurum-energy/aurum/internal/telemetry"
)

const (
	prometheusConfig = "prometheus/prometheus.yml"
	alertRules       = "prometheus/alerts.yml"
	alertTests       = "prometheus/alerts_test.yml"
	datasources      = "grafana/provisioning/datasources"
	dashboards       = "grafana/dashboards"
)

// family is an exported metric: its type and its labels.
type family struct {
	typ    dto.MetricType
	labels []string
}

// exported returns what an Aurum process exports on /metrics, by name:
// every metric of telemetry.Metrics, each given one series so that its
// labels show, and the Go runtime's and the process's.
func exported(t *testing.T) map[string]family {
	t.Helper()
	reg := telemetry.NewRegistry()
	m := telemetry.NewMetrics(reg)
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		touch(v.Field(i))
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]family{}
	for _, mf := range mfs {
		f := family{typ: mf.GetType()}
		if len(mf.GetMetric()) > 0 {
			for _, lp := range mf.GetMetric()[0].GetLabel() {
				f.labels = append(f.labels, lp.GetName())
			}
		}
		out[mf.GetName()] = f
	}
	return out
}

// touch creates one series of a metric vector, whatever its number of
// labels; a metric without labels is exported as it is.
func touch(field reflect.Value) {
	get := field.MethodByName("GetMetricWithLabelValues")
	if !get.IsValid() {
		return
	}
	for n := range 10 {
		out := get.CallSlice([]reflect.Value{reflect.ValueOf(make([]string, n))})
		if out[1].IsNil() {
			return
		}
	}
}

// Everything Prometheus adds: the scrape's own series and its target labels.
var (
	scrapeSeries = map[string]family{"up": {typ: dto.MetricType_GAUGE}}
	targetLabels = []string{"job", "instance"}
)

var (
	stringLiteral = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	metricName    = regexp.MustCompile(`\b(?:aurum|go|process)_[a-zA-Z0-9_]+\b|\bup\b`)
	selector      = regexp.MustCompile(`\{[^}]*\}`)
	matcherLabel  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	grouping      = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	labelValues   = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)
)

// checkExpr reports every metric expr names that is not exported, and
// every label it matches or groups by that none of its metrics has. It
// returns the families expr uses.
func checkExpr(families map[string]family, expr string) (used []string, errs []string) {
	bare := stringLiteral.ReplaceAllString(expr, `""`)
	labels := slices.Clone(targetLabels)
	for _, name := range metricName.FindAllString(bare, -1) {
		fam, f, ok := lookup(families, name)
		if !ok {
			errs = append(errs, fmt.Sprintf("metric %s is not exported", name))
			continue
		}
		used = append(used, fam)
		labels = append(labels, f.labels...)
		if f.typ == dto.MetricType_HISTOGRAM {
			labels = append(labels, "le")
		}
	}
	var named []string
	for _, sel := range selector.FindAllString(bare, -1) {
		for _, m := range matcherLabel.FindAllStringSubmatch(sel, -1) {
			named = append(named, m[1])
		}
	}
	for _, g := range grouping.FindAllStringSubmatch(bare, -1) {
		for l := range strings.SplitSeq(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				named = append(named, l)
			}
		}
	}
	for _, l := range named {
		if !slices.Contains(labels, l) {
			errs = append(errs, fmt.Sprintf("label %s is on none of its metrics", l))
		}
	}
	return used, errs
}

// lookup finds the family of a series name: the name itself, or a
// histogram's _bucket, _sum or _count.
func lookup(families map[string]family, name string) (string, family, bool) {
	if f, ok := families[name]; ok {
		return name, f, true
	}
	if f, ok := scrapeSeries[name]; ok {
		return name, f, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if f, found := families[base]; ok && found && (f.typ == dto.MetricType_HISTOGRAM || f.typ == dto.MetricType_SUMMARY) {
			return base, f, true
		}
	}
	return "", family{}, false
}

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []ruleGroup `json:"groups"`
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Alert       string            `json:"alert,omitempty"`
	Record      string            `json:"record,omitempty"`
	Expr        string            `json:"expr"`
	For         string            `json:"for,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func alerts(t *testing.T) []rule {
	t.Helper()
	var f ruleFile
	readYAML(t, alertRules, &f)
	var out []rule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// TestAlertsUseExportedMetrics: every metric and label an alert names is
// exported, and the alerts the operator needs are there.
func TestAlertsUseExportedMetrics(t *testing.T) {
	t.Parallel()
	families := exported(t)
	var names []string
	for _, r := range alerts(t) {
		names = append(names, r.Alert)
		if _, errs := checkExpr(families, r.Expr); len(errs) > 0 {
			t.Errorf("alert %s: %s", r.Alert, strings.Join(errs, "; "))
		}
	}
	for _, want := range []string{"AurumConsumerLagHigh", "AurumDeadLetters", "AurumScenarioRunsFailing",
		"AurumCollectorFailing", "AurumAPIErrors", "AurumTargetDown"} {
		if !slices.Contains(names, want) {
			t.Errorf("alert %s missing from %s", want, alertRules)
		}
	}
}

// dashboard is what the tests read of a Grafana dashboard.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string      `json:"name"`
			Datasource *datasource `json:"datasource"`
			Query      struct {
				Query string `json:"query"`
			} `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// readDashboards reads every dashboard of grafana/dashboards.
func readDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dashboards, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no dashboard in %s: %v", dashboards, err)
	}
	out := map[string]dashboard{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[p] = d
	}
	return out
}

// panels flattens the panels of rows.
func panels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, panels(p.Panels)...)
	}
	return out
}

// grafanaVariable is a variable in a dashboard's query: $__rate_interval,
// $group, ${group}.
var grafanaVariable = regexp.MustCompile(`\$\{?(__)?[a-zA-Z_][a-zA-Z0-9_]*\}?`)

// promQL is expr with Grafana's variables replaced by what PromQL can
// parse: an interval for the interval variables, a regexp for the others
// (which the dashboard only uses in =~ matchers).
func promQL(expr string) string {
	return grafanaVariable.ReplaceAllStringFunc(expr, func(v string) string {
		if strings.Contains(v, "__") {
			return "5m"
		}
		return ".*"
	})
}

// dashboardExprs returns every PromQL expression of the dashboards, named
// by dashboard and panel.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for path, d := range readDashboards(t) {
		for _, p := range panels(d.Panels) {
			for i, tg := range p.Targets {
				out[fmt.Sprintf("%s panel %d %q target %d", filepath.Base(path), p.ID, p.Title, i)] = tg.Expr
			}
		}
	}
	return out
}

// TestDashboardUsesExportedMetrics: every panel's query names exported
// metrics and their labels, every Aurum metric is on a panel, and every
// datasource is the provisioned one.
func TestDashboardUsesExportedMetrics(t *testing.T) {
	t.Parallel()
	families := exported(t)
	shown := map[string]bool{}
	for name, expr := range dashboardExprs(t) {
		if strings.TrimSpace(expr) == "" {
			t.Errorf("%s: no query", name)
			continue
		}
		used, errs := checkExpr(families, promQL(expr))
		if len(errs) > 0 {
			t.Errorf("%s: %s", name, strings.Join(errs, "; "))
		}
		for _, u := range used {
			shown[u] = true
		}
	}
	for name := range families {
		if strings.HasPrefix(name, "aurum_") && !shown[name] {
			t.Errorf("metric %s is on no panel", name)
		}
	}

	uids := provisionedDatasources(t)
	for path, d := range readDashboards(t) {
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: a dashboard needs a uid and a title", path)
		}
		ids := map[int]bool{}
		for _, p := range panels(d.Panels) {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d twice", path, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				continue
			}
			checkDatasource(t, path, p.Title, p.Datasource, uids)
			for _, tg := range p.Targets {
				checkDatasource(t, path, p.Title, tg.Datasource, uids)
			}
		}
		for _, v := range d.Templating.List {
			checkDatasource(t, path, "variable "+v.Name, v.Datasource, uids)
			m := labelValues.FindStringSubmatch(v.Query.Query)
			if m == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(metric, label)", path, v.Name, v.Query.Query)
				continue
			}
			if f, ok := families[m[1]]; !ok || !slices.Contains(f.labels, m[2]) {
				t.Errorf("%s: variable %s: %s has no label %s", path, v.Name, m[1], m[2])
			}
		}
	}
}

func checkDatasource(t *testing.T, path, what string, ds *datasource, uids map[string]string) {
	t.Helper()
	if ds == nil || uids[ds.UID] != ds.Type {
		t.Errorf("%s: %s: datasource %+v is not one of the provisioned %v", path, what, ds, uids)
	}
}

// provisionedDatasources returns the type of each provisioned datasource
// by uid.
func provisionedDatasources(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(datasources, "*.yml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no datasource in %s: %v", datasources, err)
	}
	out := map[string]string{}
	for _, p := range paths {
		var f struct {
			APIVersion  int `json:"apiVersion"`
			Datasources []struct {
				Name      string         `json:"name"`
				UID       string         `json:"uid"`
				Type      string         `json:"type"`
				Access    string         `json:"access"`
				URL       string         `json:"url"`
				IsDefault bool           `json:"isDefault"`
				Editable  bool           `json:"editable"`
				JSONData  map[string]any `json:"jsonData"`
			} `json:"datasources"`
		}
		readYAML(t, p, &f)
		for _, ds := range f.Datasources {
			out[ds.UID] = ds.Type
		}
	}
	return out
}

// promtool returns the path of promtool, skipping the test when it is not
// installed.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian: apt-get install prometheus); skipping its checks of the rules and the configuration")
	}
	return path
}

func runPromtool(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPromtool: promtool accepts the configuration with its rules, the
// alerts pass their unit tests (alerts_test.yml), and every query of the
// dashboards parses.
func TestPromtool(t *testing.T) {
	t.Parallel()
	promtool(t)
	t.Run("check config", func(t *testing.T) {
		t.Parallel()
		runPromtool(t, "check", "config", prometheusConfig)
	})
	t.Run("check rules", func(t *testing.T) {
		t.Parallel()
		runPromtool(t, "check", "rules", alertRules)
	})
	t.Run("test rules", func(t *testing.T) {
		t.Parallel()
		runPromtool(t, "test", "rules", alertTests)
	})
	t.Run("dashboard queries", func(t *testing.T) {
		t.Parallel()
		// Each query as a recording rule, which promtool parses.
		f := ruleFile{Groups: []ruleGroup{{Name: "dashboards"}}}
		exprs := dashboardExprs(t)
		names := make([]string, 0, len(exprs))
		for name := range exprs {
			names = append(names, name)
		}
		slices.Sort(names)
		for i, name := range names {
			t.Logf("dashboard:query_%d is %s", i, name)
			f.Groups[0].Rules = append(f.Groups[0].Rules, rule{Record: fmt.Sprintf("dashboard:query_%d", i), Expr: promQL(exprs[name])})
		}
		b, err := yaml.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "dashboards.yml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		runPromtool(t, "check", "rules", path)
	})
}

// TestCheckExprCatches: the check of a query finds what would make a panel
// or an alert silently empty.
func TestCheckExprCatches(t *testing.T) {
	t.Parallel()
	families := exported(t)
	for _, tc := range []struct {
		name, expr, want string
	}{
		{"good", `sum by (group, le) (rate(aurum_batch_duration_seconds_bucket{group=~"a|b",job="x"}[5m]))`, ""},
		{"unknown metric", `rate(aurum_records_written_total[5m])`, "metric aurum_records_written_total is not exported"},
		{"bucket of a counter", `aurum_records_consumed_total_bucket`, "metric aurum_records_consumed_total_bucket is not exported"},
		{"label of no metric", `aurum_consumer_lag_seconds{partition="0"}`, "label partition is on none of its metrics"},
		{"grouping by a missing label", `sum by (route) (aurum_records_materialized_total)`, "label route is on none of its metrics"},
		{"label in a string is a value", `aurum_scenario_runs_total{state="route=x"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, errs := checkExpr(families, tc.expr)
			got := strings.Join(errs, "; ")
			if got != tc.want {
				t.Errorf("checkExpr(%s) = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}
