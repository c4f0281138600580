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

// TestCollectSourcesBuild builds every registered source from the flags a
// user would give it, without touching the network, and checks each takes
// exactly the flags the registry lists.
func TestCollectSourcesBuild(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"fred":      {"--series", "GDP,CPILFESL"},
		"eia":       {"--route", "electricity/rto/region-data", "--facet", "respondent=PJM,MISO", "--facet", "type=D", "--frequency", "hourly", "--data", "value", "--seriesid", "INTL.29-12-HKG-BKWH.A"},
		"worldbank": {"--indicator", "NY.GDP.MKTP.CD", "--country", "USA,JPN"},
		"noaa":      {"--dataset", "GHCND", "--station", "GHCND:USC00200230", "--datatype", "PRCP,TMAX", "--location", "FIPS:12017", "--units", "metric", "--lookup-names"},
		"pjm":       {"--feeds", "da_hrl_lmps,rt_hrl_lmps", "--locations", "1,3", "--location-types", "ZONE", "--lookback", "48h"},
		"nyiso":     {"--feeds", "damlbmp_zone", "--locations", "61757,N.Y.C.", "--lookback", "24h"},
		"isone":     {"--feeds", "hourlysysload,realtimehourlydemand", "--locations", "4001", "--lookback", "48h"},
		"spp":       {"--feeds", "da,rtbm", "--locations", "SPPNORTH_HUB", "--lookback", "1h"},
		"caiso":     {"--series", "SLD_FCST:ACTUAL,SLD_REN_FCST:DAM", "--lookback", "24h"},
		"ercot":     {"--series", "dam-spp,dashboard", "--locations", "HB_NORTH", "--lookback", "24h"},
		"miso":      {"--nodes", "ILLINOIS.HUB", "--lookback", "48h"},
	}
	for _, name := range sources.Names() {
		if _, ok := cases[name]; !ok {
			t.Errorf("source %s has no case here", name)
		}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var f collectFlags
			fs := flag.NewFlagSet("collect", flag.ContinueOnError)
			f.register(fs)
			if err := fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			var given []string
			fs.Visit(func(fl *flag.Flag) { given = append(given, fl.Name) })
			if want := sources.Flags(name); !sameSet(given, want) {
				t.Errorf("the case gives %v, the registry lists %v", given, want)
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
