package collector_test

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
)

// toy is a source that keeps its configuration, for the registry's tests.
type toy struct {
	name string
	cfg  toyConfig
}

type toyConfig struct {
	Series   []string
	Facets   []string
	Lookback time.Duration
	Verbose  bool
}

func (t *toy) Name() string                                       { return t.name }
func (t *toy) Series(context.Context) ([]collector.Series, error) { return nil, nil }
func (t *toy) Fetch(context.Context, collector.Getter, collector.Series, collector.Window, string) (collector.Page, error) {
	return collector.Page{}, nil
}

func toySpec(name string, flags func(*collector.Flags, *toyConfig)) collector.Spec[toyConfig, *toy] {
	return collector.Spec[toyConfig, *toy]{
		Name: name, Summary: name + " things", Flags: flags,
		Client: func() collector.ClientConfig { return collector.ClientConfig{Source: name, BaseURL: "http://" + name} },
		New:    func(c toyConfig) (*toy, error) { return &toy{name: name, cfg: c}, nil },
	}
}

func toyRegistry() *collector.Registry {
	return collector.NewRegistry(
		toySpec("alpha", func(f *collector.Flags, c *toyConfig) {
			f.List(&c.Series, "series", "alpha ids")
			f.Raw(&c.Facets, "facet", "name=v1,v2")
			f.Lookback(&c.Lookback)
		}),
		toySpec("beta", func(f *collector.Flags, c *toyConfig) {
			f.List(&c.Series, "series", "beta ids")
			f.Bool(&c.Verbose, "verbose", "say more")
			f.Lookback(&c.Lookback)
		}),
	)
}

// bind parses args into a flag set declaring the registry's flags.
func bind(t *testing.T, r *collector.Registry, args ...string) (*collector.Bound, *flag.FlagSet) {
	t.Helper()
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := r.Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return b, fs
}

func TestRegistryBuildsFromFlags(t *testing.T) {
	t.Parallel()
	r := toyRegistry()
	if got := strings.Join(r.Names(), " "); got != "alpha beta" {
		t.Errorf("names %q", got)
	}
	if got := collector.FlagList(r.Flags("alpha")); got != "--series --facet --lookback" {
		t.Errorf("alpha's flags %q", got)
	}
	// A flag two sources read is one flag: its value goes to the one built.
	bound, _ := bind(t, r, "--series", " GDP, ,CPI", "--series", "UNRATE", "--facet", "type=D,E", "--lookback", "36h")
	src, err := bound.Build("alpha")
	if err != nil {
		t.Fatal(err)
	}
	cfg := src.(*toy).cfg
	if strings.Join(cfg.Series, "|") != "GDP|CPI|UNRATE" || strings.Join(cfg.Facets, "|") != "type=D,E" || cfg.Lookback != 36*time.Hour {
		t.Errorf("alpha's configuration %+v", cfg)
	}
	bound, _ = bind(t, r, "--verbose", "--series", "x")
	if src, err := bound.Build("beta"); err != nil || !src.(*toy).cfg.Verbose || src.(*toy).cfg.Series[0] != "x" {
		t.Errorf("beta: %+v, %v", src, err)
	}
	if cc, err := r.Client("beta"); err != nil || cc.BaseURL != "http://beta" {
		t.Errorf("beta's client %+v, %v", cc, err)
	}
}

func TestRegistryRefuses(t *testing.T) {
	t.Parallel()
	r := toyRegistry()
	// A flag of another source is a mistake, not a setting to ignore.
	bound, _ := bind(t, r, "--series", "GDP", "--verbose")
	if _, err := bound.Build("alpha"); err == nil || !strings.Contains(err.Error(), "alpha does not take --verbose (it takes --series --facet --lookback)") {
		t.Errorf("foreign flag: %v", err)
	}
	if _, err := bound.Build("gamma"); err == nil || !strings.Contains(err.Error(), `unknown source "gamma" (sources: alpha, beta)`) {
		t.Errorf("unknown source: %v", err)
	}
	if _, err := r.Build("alpha", "GDP"); err == nil {
		t.Error("a configuration of another type accepted")
	}
}

func TestRegistryBuildsWithoutFlags(t *testing.T) {
	t.Parallel()
	src, err := toyRegistry().Build("beta", toyConfig{Series: []string{"GDP"}})
	if err != nil || src.Name() != "beta" || src.(*toy).cfg.Series[0] != "GDP" {
		t.Errorf("%+v, %v", src, err)
	}
}

func TestFlagHelpNamesItsReaders(t *testing.T) {
	t.Parallel()
	_, fs := bind(t, toyRegistry())
	for name, want := range map[string]string{
		"series":   "alpha: alpha ids; beta: beta ids (comma-separated or repeated)",
		"facet":    "alpha: name=v1,v2 (repeatable)",
		"lookback": "alpha, beta: how far before now a collection without --since begins (0: the source's default)",
		"verbose":  "beta: say more",
	} {
		if got := fs.Lookup(name).Usage; got != want {
			t.Errorf("--%s: %q, want %q", name, got, want)
		}
	}
}

func TestRegistryPanicsOnAMistake(t *testing.T) {
	t.Parallel()
	for name, specs := range map[string][]collector.Registration{
		"two of a name": {toySpec("alpha", nil), toySpec("alpha", nil)},
		"a flag of two kinds": {
			toySpec("alpha", func(f *collector.Flags, c *toyConfig) { f.Bool(&c.Verbose, "x", "") }),
			toySpec("beta", func(f *collector.Flags, c *toyConfig) { f.List(&c.Series, "x", "") }),
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			collector.NewRegistry(specs...)
		}()
	}
}
