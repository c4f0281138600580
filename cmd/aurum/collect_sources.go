package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/eia"
	"github.com/aurum-energy/aurum/producers/fred"
	"github.com/aurum-energy/aurum/producers/iso/caiso"
	"github.com/aurum-energy/aurum/producers/iso/ercot"
	"github.com/aurum-energy/aurum/producers/iso/isone"
	"github.com/aurum-energy/aurum/producers/iso/miso"
	"github.com/aurum-energy/aurum/producers/iso/nyiso"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
	"github.com/aurum-energy/aurum/producers/iso/spp"
	"github.com/aurum-energy/aurum/producers/noaa"
	"github.com/aurum-energy/aurum/producers/worldbank"
)

// collectSource is one source `aurum collect` knows: its HTTP client's
// defaults, the source flags it reads and how to build it from them.
type collectSource struct {
	summary string
	// flags are the source flags (beyond the shared ones) build reads;
	// any other source flag is a usage error.
	flags  []string
	client func() collector.ClientConfig
	build  func(f *collectFlags) (collector.Source, error)
}

// collectSources is the registry of sources, by the name given to
// `aurum collect`.
var collectSources = map[string]collectSource{
	"fred": {
		summary: "FRED series and their metadata: --series GDP,CPILFESL",
		flags:   []string{"series"},
		client:  fred.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return fred.New(fred.Config{Series: f.series})
		},
	},
	"eia": {
		summary: "EIA API v2 data routes: --route electricity/rto/region-data --frequency hourly --facet respondent=PJM,MISO; or --seriesid INTL.29-12-HKG-BKWH.A",
		flags:   []string{"route", "facet", "frequency", "data", "seriesid"},
		client:  eia.ClientConfig,
		build:   buildEIA,
	},
	"worldbank": {
		summary: "World Bank indicators: --indicator NY.GDP.MKTP.CD --country USA,JPN (default all)",
		flags:   []string{"indicator", "country"},
		client:  worldbank.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return worldbank.New(worldbank.Config{Indicators: f.indicators, Countries: f.countries})
		},
	},
	"noaa": {
		summary: "NOAA CDO v2 data: --dataset GHCND --station GHCND:USC00200230 --datatype PRCP,TMAX [--location FIPS:12017]",
		flags:   []string{"dataset", "station", "datatype", "location", "units", "lookup-names"},
		client:  noaa.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return noaa.New(noaa.Config{Dataset: f.dataset, Stations: f.stations, DataTypes: f.dataTypes,
				Locations: f.noaaLocations, Units: f.units, LookupNames: f.lookupNames})
		},
	},
	"pjm": {
		summary: "PJM Data Miner LMPs: --feeds da_hrl_lmps,rt_hrl_lmps,rt_unverified_fivemin_lmps --locations PNODE_IDS --location-types ZONE,HUB",
		flags:   []string{"feeds", "locations", "location-types", "lookback"},
		client:  pjm.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return pjm.New(pjm.Config{Feeds: f.feeds, Locations: f.locations, LocationTypes: f.locationTypes, Lookback: f.lookback})
		},
	},
	"nyiso": {
		summary: "NYISO MIS LBMPs: --feeds damlbmp_zone,realtime_zone,damlbmp_gen,realtime_gen --locations PTIDS_OR_NAMES",
		flags:   []string{"feeds", "locations", "lookback"},
		client:  nyiso.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return nyiso.New(nyiso.Config{Feeds: f.feeds, Locations: f.locations, Lookback: f.lookback})
		},
	},
	"isone": {
		summary: "ISO-NE hourly load: --feeds hourlysysload,realtimehourlydemand --locations 32,4001",
		flags:   []string{"feeds", "locations", "lookback"},
		client:  isone.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return isone.New(isone.Config{Feeds: f.feeds, Locations: f.locations, Lookback: f.lookback})
		},
	},
	"spp": {
		summary: "SPP LMPs by settlement location: --feeds da,rtbm --locations SPPNORTH_HUB",
		flags:   []string{"feeds", "locations", "lookback"},
		client:  spp.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return spp.New(spp.Config{Feeds: f.feeds, Locations: f.locations, Lookback: f.lookback})
		},
	},
	"caiso": {
		summary: "CAISO OASIS load: --series SLD_FCST:ACTUAL,SLD_FCST:DAM,SLD_REN_FCST:DAM",
		flags:   []string{"series", "lookback"},
		client:  caiso.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return caiso.New(caiso.Config{Series: f.series, Lookback: f.lookback})
		},
	},
	"ercot": {
		summary: "ERCOT prices and load: --series dam-spp,load-forecast,dashboard --locations HB_NORTH,LZ_HOUSTON",
		flags:   []string{"series", "locations", "lookback"},
		client:  ercot.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return ercot.New(ercot.Config{Series: f.series, SettlementPoints: f.locations, Lookback: f.lookback})
		},
	},
	"miso": {
		summary: "MISO day-ahead ex-post LMPs: --nodes ILLINOIS.HUB,INDIANA.HUB",
		flags:   []string{"nodes", "lookback"},
		client:  miso.ClientConfig,
		build: func(f *collectFlags) (collector.Source, error) {
			return miso.New(miso.Config{Nodes: f.nodes, Lookback: f.lookback})
		},
	},
}

// buildEIA makes one query per --route, each with the --facet, --frequency
// and --data flags, plus the --seriesid series.
func buildEIA(f *collectFlags) (collector.Source, error) {
	facets := map[string][]string{}
	for _, s := range f.facets {
		name, values, err := eia.ParseFacet(s)
		if err != nil {
			return nil, err
		}
		facets[name] = append(facets[name], values...)
	}
	cfg := eia.Config{SeriesIDs: f.seriesIDs}
	for _, r := range f.routes {
		cfg.Queries = append(cfg.Queries, eia.Query{Route: r, Facets: facets, Frequency: f.frequency, Data: f.data})
	}
	return eia.New(cfg)
}

// collectFlags are the flags of `aurum collect`: the shared settings, then
// the union of the source flags (collectSource.flags says which a source
// reads).
type collectFlags struct {
	since, until string
	every        time.Duration
	recollect    bool
	noProgress   bool
	metricsAddr  string

	series, feeds, locations, locationTypes, nodes listFlag
	routes, facets, data, seriesIDs                listFlag
	frequency                                      string
	indicators, countries                          listFlag
	dataset, units                                 string
	stations, dataTypes, noaaLocations             listFlag
	lookupNames                                    bool
	lookback                                       time.Duration
	fs                                             *flag.FlagSet
}

func (f *collectFlags) register(fs *flag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.since, "since", "", "collect observations from this date (an operating day in the market's zone, UTC for series providers) or RFC 3339 time on (empty: the provider's first, or the source's lookback)")
	fs.StringVar(&f.until, "until", "", "collect observations up to this date (an operating day, included) or RFC 3339 time (included; empty: the latest)")
	fs.DurationVar(&f.every, "every", 0, "collect again every D (e.g. 1h) until stopped (0: once)")
	fs.BoolVar(&f.recollect, "recollect", false, "collect the window again from --since, whatever the checkpoints say (e.g. after a change of series ids)")
	fs.BoolVar(&f.noProgress, "no-progress", false, "never draw a progress bar (it is drawn only when stderr is a terminal)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on http://ADDR/metrics (empty: off)")

	fs.Var(&f.series, "series", "series to collect, comma-separated or repeated (fred: series ids; caiso: QUERY:MARKET_RUN_ID; ercot: reports)")
	fs.Var(&f.feeds, "feeds", "feeds to collect (pjm, nyiso, isone, spp)")
	fs.Var(&f.locations, "locations", "locations to keep (pjm: pnode ids; nyiso: PTIDs or names; isone: location ids; spp, ercot: settlement points)")
	fs.Var(&f.locationTypes, "location-types", "pjm pnode types to keep (ZONE, HUB, ...)")
	fs.Var(&f.nodes, "nodes", "miso nodes to keep (ILLINOIS.HUB, ...)")
	fs.Var(&f.routes, "route", "eia data route without /data (electricity/rto/region-data), one query each")
	fs.Var(rawList{&f.facets}, "facet", "eia facet filter name=v1,v2 (repeatable)")
	fs.StringVar(&f.frequency, "frequency", "", "eia frequency of the routes (hourly, daily, monthly, ...)")
	fs.Var(&f.data, "data", "eia data columns (default value)")
	fs.Var(&f.seriesIDs, "seriesid", "eia APIv1 series ids (INTL.29-12-HKG-BKWH.A)")
	fs.Var(&f.indicators, "indicator", "worldbank indicator ids (NY.GDP.MKTP.CD)")
	fs.Var(&f.countries, "country", "worldbank countries or aggregates (USA, JPN; default all)")
	fs.StringVar(&f.dataset, "dataset", "", "noaa CDO dataset id (GHCND, GSOM, ...)")
	fs.Var(&f.stations, "station", "noaa station ids (GHCND:USC00200230), one series each")
	fs.Var(&f.dataTypes, "datatype", "noaa datatype ids (PRCP, TMAX; default all)")
	fs.Var(&f.noaaLocations, "location", "noaa location ids narrowing the stations (FIPS:12017)")
	fs.StringVar(&f.units, "units", "", "noaa units: metric (default), standard or raw")
	fs.BoolVar(&f.lookupNames, "lookup-names", false, "noaa: title the catalog with the dataset's and stations' names")
	fs.DurationVar(&f.lookback, "lookback", 0, "ISO sources: how far before now a collection without --since begins (0: the source's default)")
}

// sharedFlags are the collect flags every source takes.
var sharedFlags = map[string]bool{"since": true, "until": true, "every": true, "recollect": true, "no-progress": true, "metrics-addr": true}

// checkSourceFlags fails with a usage error when a flag set on the command
// line is one source name does not read.
func (f *collectFlags) checkSourceFlags(name string, src collectSource) error {
	if f.fs == nil {
		return nil
	}
	allowed := map[string]bool{}
	for _, n := range src.flags {
		allowed[n] = true
	}
	var bad []string
	f.fs.Visit(func(fl *flag.Flag) {
		if !allowed[fl.Name] && !sharedFlags[fl.Name] && isSourceFlag(fl.Name) {
			bad = append(bad, "--"+fl.Name)
		}
	})
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s does not take %s (it takes %s)", errUsage, name, strings.Join(bad, ", "), flagList(src.flags))
	}
	return nil
}

// isSourceFlag reports whether n is a flag some source reads (rather than
// a setting shared by every command).
func isSourceFlag(n string) bool {
	for _, s := range collectSources {
		for _, fl := range s.flags {
			if fl == n {
				return true
			}
		}
	}
	return false
}

func flagList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "--" + n
	}
	return strings.Join(out, " ")
}

// listFlag is a repeatable flag of comma-separated values, blanks dropped.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// rawList is a repeatable flag whose values are kept whole (an eia facet
// holds commas).
type rawList struct{ l *listFlag }

func (r rawList) String() string {
	if r.l == nil {
		return ""
	}
	return strings.Join(*r.l, " ")
}

func (r rawList) Set(s string) error {
	*r.l = append(*r.l, s)
	return nil
}
