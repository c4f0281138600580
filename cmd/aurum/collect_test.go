package main

import (
	"context"
	"errors"
	"flag"
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
		src, err := collectSources[tc.source].build(&f)
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
	var l listFlag
	for _, v := range []string{" GDP, ,CPILFESL", "UNRATE"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if len(l) != 3 || l[1] != "CPILFESL" || l[2] != "UNRATE" {
		t.Errorf("series %q", l)
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
	for _, name := range sourceNames() {
		if _, ok := cases[name]; !ok {
			t.Errorf("source %s has no case here", name)
		}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			entry, ok := collectSources[name]
			if !ok {
				t.Fatalf("source %s is not registered", name)
			}
			var f collectFlags
			fs := flag.NewFlagSet("collect", flag.ContinueOnError)
			f.register(fs)
			if err := fs.Parse(args); err != nil {
				t.Fatal(err)
			}
			if err := f.checkSourceFlags(name, entry); err != nil {
				t.Fatal(err)
			}
			src, err := entry.build(&f)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if src.Name() != name {
				t.Errorf("Name() = %q", src.Name())
			}
			if cc := entry.client(); cc.Source != name || cc.BaseURL == "" {
				t.Errorf("client config %+v", cc)
			}
		})
	}
}
