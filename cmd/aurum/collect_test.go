package main

import (
	"context"
	"errors"
	"flag"
	"slices"
	"testing"
	"time"
)

func TestCollectUsage(t *testing.T) {
	t.Parallel()
	if err := runCollect(context.Background(), []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	for name, args := range map[string][]string{
		"no source":      {},
		"unknown source": {"nope"},
		"no fred series": {"fred"},
		"bad since":      {"fred", "--series", "GDP", "--since", "yesterday"},
		"foreign flag":   {"fred", "--series", "GDP", "--feeds", "da_hrl_lmps"},
		"bad eia facet":  {"eia", "--route", "a/b", "--frequency", "daily", "--facet", "respondent"},
	} {
		if err := runCollect(context.Background(), args); !errors.Is(err, errUsage) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
}

func TestCollectWindow(t *testing.T) {
	t.Parallel()
	// Dates are operating days of the source's zone, both included: UTC
	// days for FRED, Eastern days for PJM (the 06-09 was 20:00
	// EDT on 06-08 to 19:59 EDT on 06-09).
	for name, tc := range map[string]struct {
		source       string
		build        []string
		since, until time.Time
	}{
		"fred": {"fred", []string{"--series", "GDP", "--since", "2020-01-01", "--until", "2020-12-31"},
			time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)},
		"pjm": {"pjm", []string{"--since", "2026-06-09", "--until", "2026-06-09"},
			time.Date(2026, 6, 9, 4, 0, 0, 0, time.UTC), time.Date(2026, 6, 10, 4, 0, 0, 0, time.UTC)},
	} {
		var f collectFlags
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(tc.build); err != nil {
			t.Fatal(err)
		}
		src, err := f.sources.Build(tc.source)
		if err != nil {
			t.Fatal(err)
		}
		w, err := f.window(src)
		if err != nil {
			t.Fatal(err)
		}
		if !w.Since.Equal(tc.since) || !w.Until.Equal(tc.until.Add(-time.Nanosecond)) {
			t.Errorf("%s: window %v", name, w)
		}
	}
}

// TestCollectSourcesBuild builds every registered source from its
// example command line, without touching the network, and checks that the
// example gives exactly the flags the registry lists for it.
func TestCollectSourcesBuild(t *testing.T) {
	t.Parallel()
	for _, name := range sources.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var f collectFlags
			fs := flag.NewFlagSet("collect", flag.ContinueOnError)
			f.register(fs)
			if err := fs.Parse(sources.Example(name)); err != nil {
				t.Fatal(err)
			}
			var given []string
			fs.Visit(func(fl *flag.Flag) { given = append(given, fl.Name) })
			if want := sources.Flags(name); !sameSet(given, want) {
				t.Errorf("the example gives %v, the registry lists %v", given, want)
			}
			src, err := f.sources.Build(name)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if src.Name() != name {
				t.Errorf("Name() = %q", src.Name())
			}
			if cc, err := sources.Client(name); err != nil || cc.Source != name || cc.BaseURL == "" {
				t.Errorf("client config %+v, %v", cc, err)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
