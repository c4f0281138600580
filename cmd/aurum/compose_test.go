package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/aurum-energy/aurum/internal/config"
)

// repoRoot is where docker-compose.yml and deploy/ are.
const repoRoot = "../.."

// loadCompose loads docker-compose.yml as `docker compose --profile '*'`
// would, without an environment: defaults apply to every ${VAR:-default},
// and the services' env_file are read by the tests, not the loader.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml")}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName("aurum", true)
		o.Profiles = []string{"*"}
		o.SkipResolveEnvironment = true
		o.ResolvePaths = true
	})
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(p.DisabledServices) > 0 {
		t.Fatalf("services left out of every profile: %d", len(p.DisabledServices))
	}
	return p
}

// isAurum reports whether s runs the aurum binary of this repository.
func isAurum(root string, s types.ServiceConfig) bool {
	return strings.HasPrefix(s.Image, "aurum:") || (s.Build != nil && s.Build.Context == root)
}

// roleCommands are the aurum command lines s runs: its command under the
// image's entrypoint (aurum), or each `aurum ...` of a `sh -c` entrypoint.
func roleCommands(s types.ServiceConfig) ([][]string, error) {
	switch {
	case len(s.Entrypoint) == 0:
		return [][]string{s.Command}, nil
	case s.Entrypoint[0] == "aurum":
		return [][]string{append(slices.Clone(s.Entrypoint[1:]), s.Command...)}, nil
	case len(s.Entrypoint) == 3 && s.Entrypoint[1] == "-c" && len(s.Command) == 0:
		var out [][]string
		for step := range strings.SplitSeq(s.Entrypoint[2], "&&") {
			args := strings.Fields(step)
			if len(args) == 0 || args[0] != "aurum" {
				return nil, fmt.Errorf("step %q of its script does not run aurum", strings.TrimSpace(step))
			}
			out = append(out, args[1:])
		}
		return out, nil
	}
	return nil, fmt.Errorf("entrypoint %q: not aurum nor a sh -c script of aurum commands", s.Entrypoint)
}

// checkCommandLine runs args as `aurum` does, with a context already
// cancelled and no settings: a command line that is understood — the
// command, its arguments and flags — fails only where the command first
// needs a setting or a service.
func checkCommandLine(args []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, args, io.Discard)
	if err == nil || errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "required by this command") {
		return nil
	}
	return err
}

// knownSetting reports whether the binary reads the variable name: a
// setting of internal/config, a collector's AURUM_<SOURCE>_BASE_URL or
// _API_KEY, or an OpenTelemetry variable.
func knownSetting(name string) bool {
	for _, s := range config.All() {
		if s.Env == name {
			return true
		}
	}
	for _, src := range sources.Names() {
		prefix := "AURUM_" + strings.ToUpper(src) + "_"
		if name == prefix+"BASE_URL" || name == prefix+"API_KEY" {
			return true
		}
	}
	return strings.HasPrefix(name, "OTEL_")
}

// commentedSetting is a setting an env file documents in a comment:
// `# AURUM_OIDC_ISSUER=https://...`.
var commentedSetting = regexp.MustCompile(`^#\s*([A-Z][A-Z0-9_]*)=`)

// envFileNames are the variables an env file sets or documents in a
// comment. A file that does not exist (.env, which an operator copies from
// .env.example) is read from its .example.
func envFileNames(path string) ([]string, error) {
	if _, err := os.Stat(path); err != nil {
		path += ".example"
	}
	vars, err := dotenv.Read(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range vars {
		names = append(names, name)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := commentedSetting.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			names = append(names, m[1])
		}
	}
	return names, sc.Err()
}

// listenPorts are the ports an Aurum service serves HTTP on: the API's
// address and the --metrics-addr of a role.
func listenPorts(s types.ServiceConfig) []string {
	var addrs []string
	if v, ok := s.Environment[config.HTTPAddr.Env]; ok && v != nil {
		addrs = append(addrs, *v)
	}
	for i, a := range s.Command {
		if (a == "--metrics-addr" || a == "--http-addr") && i+1 < len(s.Command) {
			addrs = append(addrs, s.Command[i+1])
		}
	}
	var ports []string
	for _, a := range addrs {
		if _, port, err := net.SplitHostPort(a); err == nil {
			ports = append(ports, port)
		}
	}
	return ports
}

// TestComposeStack loads docker-compose.yml with compose-spec's loader and
// checks it against this binary: every Aurum service's environment names
// settings the binary reads and every command line it runs is one aurum
// understands; no two services publish one host port; named volumes are
// declared and used, bind-mounted files exist; Prometheus scrapes every
// role where it serves metrics and loads its rules, and Grafana finds its
// provisioning and dashboards where they are mounted.
func TestComposeStack(t *testing.T) {
	// Not parallel: the command lines run without any AURUM_* setting.
	for _, s := range config.All() {
		t.Setenv(s.Env, "")
	}
	p := loadCompose(t)
	root, _ := filepath.Abs(repoRoot)
	services := p.Services

	t.Run("aurum services", func(t *testing.T) {
		roles := 0
		for name, s := range services {
			if !isAurum(root, s) {
				continue
			}
			roles++
			names := slices.Collect(func(yield func(string) bool) {
				for k := range s.Environment {
					if !yield(k) {
						return
					}
				}
			})
			for _, ef := range s.EnvFiles {
				fromFile, err := envFileNames(ef.Path)
				if err != nil {
					t.Errorf("service %s: env_file %s: %v", name, ef.Path, err)
				}
				names = append(names, fromFile...)
			}
			for _, v := range names {
				if !knownSetting(v) {
					t.Errorf("service %s: %s is no setting of aurum (internal/config, a collector's, OTEL_*)", name, v)
				}
			}
			cmds, err := roleCommands(s)
			if err != nil {
				t.Errorf("service %s: %v", name, err)
			}
			for _, args := range cmds {
				if err := checkCommandLine(args); err != nil {
					t.Errorf("service %s: aurum %s: %v", name, strings.Join(args, " "), err)
				}
			}
		}
		if roles < 7 {
			t.Errorf("%d Aurum services; want init, api, the four materialisers and the worker at least", roles)
		}
	})

	t.Run("ports", func(t *testing.T) {
		published := map[string]string{}
		for name, s := range services {
			for _, port := range s.Ports {
				if port.Published == "" {
					continue
				}
				key := port.Published + "/" + cmpOr(port.Protocol, "tcp")
				if other, ok := published[key]; ok {
					t.Errorf("host port %s published by %s and %s", key, other, name)
				}
				published[key] = name
			}
		}
	})

	t.Run("volumes", func(t *testing.T) {
		used := map[string]bool{}
		for name, s := range services {
			for _, v := range s.Volumes {
				switch v.Type {
				case types.VolumeTypeVolume:
					if _, ok := p.Volumes[v.Source]; !ok {
						t.Errorf("service %s: volume %s is not declared", name, v.Source)
					}
					used[v.Source] = true
				case types.VolumeTypeBind:
					if _, err := os.Stat(v.Source); err != nil {
						t.Errorf("service %s: bind mount of %s: %v", name, v.Source, err)
					}
				}
			}
		}
		for v := range p.Volumes {
			if !used[v] {
				t.Errorf("volume %s is declared but no service mounts it", v)
			}
		}
	})

	t.Run("prometheus", func(t *testing.T) { checkPrometheus(t, root, services) })
	t.Run("grafana", func(t *testing.T) { checkGrafana(t, root, services) })
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// serviceByImage is the one service running image (a prefix of the
// image's name).
func serviceByImage(t *testing.T, services types.Services, image string) types.ServiceConfig {
	t.Helper()
	var found []types.ServiceConfig
	for _, s := range services {
		if strings.HasPrefix(s.Image, image+":") {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d services run %s, want 1", len(found), image)
	}
	return found[0]
}

// mounted returns the host file or directory mounted at target in s.
func mounted(s types.ServiceConfig, target string) (string, bool) {
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Target == target {
			return v.Source, true
		}
	}
	return "", false
}

// readFileYAML decodes a YAML file into v.
func readFileYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// checkPrometheus: Prometheus runs deploy/prometheus/prometheus.yml with
// its rule files beside it, and scrapes every Aurum role (but init) on the
// port where the role serves its metrics.
func checkPrometheus(t *testing.T, root string, services types.Services) {
	prom := serviceByImage(t, services, "prom/prometheus")
	configPath := "/etc/prometheus/prometheus.yml"
	for _, a := range prom.Command {
		if v, ok := strings.CutPrefix(a, "--config.file="); ok {
			configPath = v
		}
	}
	source, ok := mounted(prom, configPath)
	if want := filepath.Join(root, "deploy/prometheus/prometheus.yml"); !ok || source != want {
		t.Fatalf("prometheus: %s is %q, want %s mounted", configPath, source, want)
	}
	var cfg struct {
		RuleFiles     []string `json:"rule_files"`
		ScrapeConfigs []struct {
			JobName      string `json:"job_name"`
			DNSSDConfigs []struct {
				Names []string `json:"names"`
				Port  int      `json:"port"`
			} `json:"dns_sd_configs"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	readFileYAML(t, source, &cfg)
	for _, r := range cfg.RuleFiles {
		target := filepath.Join(filepath.Dir(configPath), r)
		if src, ok := mounted(prom, target); !ok || src != filepath.Join(filepath.Dir(source), r) {
			t.Errorf("prometheus: rule file %s is not mounted from deploy/prometheus/%s", target, r)
		}
	}
	scraped := map[string]bool{}
	scrape := func(job, host, port string) {
		if host == "localhost" {
			return
		}
		s, ok := services[host]
		if !ok {
			t.Errorf("prometheus: job %s scrapes %s, which is no service", job, host)
			return
		}
		if !slices.Contains(listenPorts(s), port) {
			t.Errorf("prometheus: job %s scrapes %s:%s; the service serves on %v", job, host, port, listenPorts(s))
		}
		scraped[host] = true
	}
	for _, sc := range cfg.ScrapeConfigs {
		for _, d := range sc.DNSSDConfigs {
			for _, n := range d.Names {
				scrape(sc.JobName, n, fmt.Sprint(d.Port))
			}
		}
		for _, st := range sc.StaticConfigs {
			for _, target := range st.Targets {
				host, port, err := net.SplitHostPort(target)
				if err != nil {
					t.Errorf("prometheus: job %s: target %q: %v", sc.JobName, target, err)
					continue
				}
				scrape(sc.JobName, host, port)
			}
		}
	}
	for name, s := range services {
		if isAurum(root, s) && s.Restart != types.RestartPolicyNo && !scraped[name] {
			t.Errorf("prometheus scrapes no metrics of role %s", name)
		}
	}
}

// checkGrafana: Grafana's provisioning is deploy/grafana/provisioning, the
// dashboard provider reads the directory where deploy/grafana/dashboards
// is mounted, and each datasource's URL names a service.
func checkGrafana(t *testing.T, root string, services types.Services) {
	g := serviceByImage(t, services, "grafana/grafana")
	provisioning, ok := mounted(g, "/etc/grafana/provisioning")
	if want := filepath.Join(root, "deploy/grafana/provisioning"); !ok || provisioning != want {
		t.Fatalf("grafana: /etc/grafana/provisioning is %q, want %s mounted", provisioning, want)
	}
	providers, _ := filepath.Glob(filepath.Join(provisioning, "dashboards", "*.yml"))
	if len(providers) == 0 {
		t.Errorf("grafana: no dashboard provider in %s/dashboards", provisioning)
	}
	for _, path := range providers {
		var f struct {
			Providers []struct {
				Options struct {
					Path string `json:"path"`
				} `json:"options"`
			} `json:"providers"`
		}
		readFileYAML(t, path, &f)
		for _, pr := range f.Providers {
			src, ok := mounted(g, pr.Options.Path)
			if want := filepath.Join(root, "deploy/grafana/dashboards"); !ok || src != want {
				t.Errorf("grafana: provider %s reads %s, where %s is not mounted", path, pr.Options.Path, want)
			}
		}
	}
	sources, _ := filepath.Glob(filepath.Join(provisioning, "datasources", "*.yml"))
	for _, path := range sources {
		var f struct {
			Datasources []struct {
				Name string `json:"name"`
				URL  string `json:"url"`
			} `json:"datasources"`
		}
		readFileYAML(t, path, &f)
		for _, ds := range f.Datasources {
			u, err := url.Parse(ds.URL)
			if err != nil {
				t.Errorf("grafana: datasource %s: %v", ds.Name, err)
				continue
			}
			if _, ok := services[u.Hostname()]; !ok {
				t.Errorf("grafana: datasource %s: %s is no service", ds.Name, u.Hostname())
			}
		}
	}
}

// TestComposeChecksCatch: the checks of TestComposeStack refuse what would
// stop a container at start.
func TestComposeChecksCatch(t *testing.T) {
	for _, s := range config.All() {
		t.Setenv(s.Env, "")
	}
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"consume", "iso", "--metrics-addr", "0.0.0.0:9100"}, true},
		{[]string{"collect", "fred", "--series", "GDP", "--every", "1h"}, true},
		{[]string{"consume", "prices"}, false},
		{[]string{"worker", "--transactional_id", "w-1"}, false},
		{[]string{"collect", "fred", "--feeds", "x"}, false},
		{[]string{"materialize"}, false},
	} {
		if err := checkCommandLine(tc.args); (err == nil) != tc.ok {
			t.Errorf("aurum %s: %v, want ok %v", strings.Join(tc.args, " "), err, tc.ok)
		}
	}
	for name, want := range map[string]bool{
		"AURUM_DATABASE_URL": true, "AURUM_FRED_API_KEY": true, "OTEL_SERVICE_NAME": true,
		"AURUM_DB_URL": false, "AURUM_ACME_API_KEY": false, "POSTGRES_PASSWORD": false,
	} {
		if knownSetting(name) != want {
			t.Errorf("knownSetting(%s) = %v", name, !want)
		}
	}
	if _, err := roleCommands(types.ServiceConfig{ContainerSpec: types.ContainerSpec{Entrypoint: []string{"/bin/sh", "-c", "aurum migrate && curl x"}}}); err == nil {
		t.Error("a script step that is not aurum passes")
	}
}
