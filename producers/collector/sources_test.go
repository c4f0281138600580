package collector_test

import (
	"maps"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/eia"
	"github.com/aurum-energy/aurum/producers/iso/caiso"
	"github.com/aurum-energy/aurum/producers/iso/ercot"
	"github.com/aurum-energy/aurum/producers/iso/isone"
	"github.com/aurum-energy/aurum/producers/iso/miso"
	"github.com/aurum-energy/aurum/producers/iso/nyiso"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
	"github.com/aurum-energy/aurum/producers/iso/spp"
	"github.com/aurum-energy/aurum/producers/noaa"
	"github.com/aurum-energy/aurum/producers/worldbank"
	"github.com/aurum-energy/aurum/topology"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// sourceCase is one source run by the collector runtime against a server
// replaying its recorded answers.
type sourceCase struct {
	name   string
	client func() collector.ClientConfig
	build  func() (collector.Source, error)
	// prefix is the path of the source's base URL on the replay server.
	prefix string
	// routes answer a request by its path, or by "path?param=value" when
	// the path alone does not tell the recordings apart. Any other request
	// fails the test: the source asks only for what was recorded.
	routes map[string]answer
	// window is what the collector collects, or when dates is set, the
	// operating days --since and --until would name: dates[0] to dates[1]
	// in the source's zone.
	window collector.Window
	dates  [2]string
	// topic gets count records, among them check; missing of them have no
	// value. series, when set, is how many of them each id has, and no
	// other id has any.
	topic   string
	count   int
	missing int
	check   []point
	series  map[string]int
}

// point is what a record says, whatever its topic: the series, location
// or area (with " forecast" for a load forecast), its UTC time and value.
type point struct {
	id    string
	ts    time.Time
	value *float64
}

func val(v float64) *float64 { return &v }

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

// TestSourcesCollectFixtures runs each source through collector.New/Run
// against its recorded provider answers and checks what a read_committed
// reader finds on the topic: the count, hand-checked values at their UTC
// times, missing values missing, no duplicate; a second run over the same
// window publishes nothing.
func TestSourcesCollectFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range sourceCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSourceEnv(t)
			srv := httptest.NewServer(replayRoutes(t, tc.routes))
			t.Cleanup(srv.Close)

			e.run(t, tc, srv.URL)
			got := e.points(t, tc.topic)
			if len(got) != tc.count {
				t.Fatalf("%d records on %s, want %d", len(got), tc.topic, tc.count)
			}
			seen := map[point]bool{}
			missing := 0
			for _, p := range got {
				if p.ts.Location() != time.UTC {
					t.Errorf("%s at %s: not UTC", p.id, p.ts)
				}
				if p.value == nil {
					missing++
				}
				k := point{id: p.id, ts: p.ts}
				if seen[k] {
					t.Errorf("%s at %s published twice", p.id, p.ts.Format(time.RFC3339))
				}
				seen[k] = true
			}
			if missing != tc.missing {
				t.Errorf("%d records without a value, want %d", missing, tc.missing)
			}
			if tc.series != nil {
				n := map[string]int{}
				for _, p := range got {
					n[p.id]++
				}
				if !maps.Equal(n, tc.series) {
					t.Errorf("records per id %v, want %v", n, tc.series)
				}
			}
			for _, want := range tc.check {
				checkPoint(t, got, want)
			}

			before := e.counts(t, tc.topic)
			e.run(t, tc, srv.URL)
			if after := e.counts(t, tc.topic); after != before {
				t.Errorf("second run over the same window: %v records, was %v", after, before)
			}
		})
	}
}

func checkPoint(t *testing.T, got []point, want point) {
	t.Helper()
	for _, p := range got {
		if p.id != want.id || !p.ts.Equal(want.ts) {
			continue
		}
		switch {
		case want.value == nil && p.value != nil:
			t.Errorf("%s at %s = %v, want missing", want.id, want.ts.Format(time.RFC3339), *p.value)
		case want.value != nil && (p.value == nil || *p.value != *want.value):
			t.Errorf("%s at %s = %v, want %v", want.id, want.ts.Format(time.RFC3339), p.value, *want.value)
		}
		return
	}
	t.Errorf("no record of %s at %s", want.id, want.ts.Format(time.RFC3339))
}

// sourceCases are the sources with their recordings, each read over a
// window that covers it.
func sourceCases() []sourceCase {
	return []sourceCase{
		{
			// The natural-gas recording is the first page (200 rows) of
			// 7592; its total is cut to 200 so the paging ends there. The
			// APIv1 series is one whole page; 2023 is "NA".
			name:   "eia",
			client: eia.ClientConfig,
			build: func() (collector.Source, error) {
				return eia.New(eia.Config{
					Queries:   []eia.Query{{Route: "natural-gas/pri/fut", Frequency: "daily", Facets: map[string][]string{"series": {"RNGC1"}}}},
					SeriesIDs: []string{"INTL.29-12-HKG-BKWH.A"},
				})
			},
			prefix: "/v2",
			routes: map[string]answer{
				"/v2/natural-gas/pri/fut/":           file("../eia/testdata/route-natural-gas-pri-fut.json"),
				"/v2/natural-gas/pri/fut/data/":      patched("../eia/testdata/natural-gas-pri-fut-RNGC1-daily.json", `"total":"7592"`, `"total":"200"`),
				"/v2/seriesid/INTL.29-12-HKG-BKWH.A": file("../eia/testdata/seriesid-INTL.29-12-HKG-BKWH.A.json"),
			},
			window:  collector.Window{Since: utc(2018, 1, 1, 0, 0), Until: utc(2024, 12, 31, 0, 0)},
			topic:   topology.TopicExtTimeseriesObs,
			count:   200 + 6, // 2023-06-21..2024-04-05; 2018..2023
			missing: 1,
			check: []point{
				{id: "natural-gas/pri/fut:daily:Y35NY:EPG0:PE1:RNGC1", ts: utc(2024, 4, 5, 0, 0), value: val(1.785)},
				{id: "INTL.29-12-HKG-BKWH.A", ts: utc(2022, 1, 1, 0, 0), value: val(0.230242794)},
				{id: "INTL.29-12-HKG-BKWH.A", ts: utc(2023, 1, 1, 0, 0)},
			},
		},
		{
			// Two STEO series in one answer (constructed in EIA's documented
			// shape; no STEO answer was recorded), named by the facet the
			// route declares, seriesId: each lands under its own id, none
			// under "steo".
			name:   "eia steo",
			client: eia.ClientConfig,
			build: func() (collector.Source, error) {
				return eia.New(eia.Config{Queries: []eia.Query{{Route: "steo", Frequency: "monthly",
					Facets: map[string][]string{"seriesId": {"PADI_OPEC", "COPS_OPEC"}}}}})
			},
			prefix: "/v2",
			routes: map[string]answer{
				"/v2/steo/":      file("../eia/testdata/route-steo.json"),
				"/v2/steo/data/": file("../eia/testdata/steo-PADI_OPEC-COPS_OPEC-monthly.json"),
			},
			window: collector.Window{Since: utc(2011, 1, 1, 0, 0), Until: utc(2026, 9, 1, 0, 0)},
			topic:  topology.TopicExtTimeseriesObs,
			count:  189 + 81,
			series: map[string]int{"steo:monthly:PADI_OPEC": 189, "steo:monthly:COPS_OPEC": 81},
			check: []point{
				{id: "steo:monthly:PADI_OPEC", ts: utc(2024, 1, 1, 0, 0), value: val(1.912138)},
				{id: "steo:monthly:COPS_OPEC", ts: utc(2024, 1, 1, 0, 0), value: val(2.321389)},
			},
		},
		{
			// Page 1 of 3 (50 rows, Japan 2020 back to 1971); its paging
			// says 1 page so the collection ends there. 2020 is null.
			name:   "worldbank",
			client: worldbank.ClientConfig,
			build: func() (collector.Source, error) {
				return worldbank.New(worldbank.Config{Indicators: []string{"NY.GDP.MKTP.CD"}, Countries: []string{"USA", "JPN"}})
			},
			prefix: "/v2",
			routes: map[string]answer{
				"/v2/country/USA;JPN/indicator/NY.GDP.MKTP.CD": patched("../worldbank/testdata/country-JPN-USA-indicator-NY.GDP.MKTP.CD-page1.json",
					`"page":1,"pages":3,"per_page":50,"total":122`, `"page":1,"pages":1,"per_page":50,"total":50`),
			},
			window:  collector.Window{Since: utc(1960, 1, 1, 0, 0), Until: utc(2020, 12, 31, 0, 0)},
			topic:   topology.TopicExtTimeseriesObs,
			count:   50,
			missing: 1,
			check: []point{
				{id: "NY.GDP.MKTP.CD:JPN", ts: utc(2019, 1, 1, 0, 0), value: val(5081769542379.77)},
				{id: "NY.GDP.MKTP.CD:JPN", ts: utc(2020, 1, 1, 0, 0)},
			},
		},
		{
			// One page (count 28, limit 30) in one year-long chunk.
			name:   "noaa",
			client: noaa.ClientConfig,
			build: func() (collector.Source, error) {
				return noaa.New(noaa.Config{Dataset: "GHCND", Stations: []string{"GHCND:USC00200230"}, DataTypes: []string{"PRCP"}})
			},
			prefix: "/cdo-web/api/v2",
			routes: map[string]answer{
				"/cdo-web/api/v2/data": file("../noaa/testdata/cdo-v2-data-GHCND-PRCP-USC00200230.json"),
			},
			window: collector.Window{Since: utc(2013, 9, 1, 0, 0), Until: utc(2013, 9, 30, 0, 0)},
			topic:  topology.TopicExtTimeseriesObs,
			count:  28,
			check: []point{
				{id: "GHCND:GHCND:USC00200230:PRCP", ts: utc(2013, 9, 9, 0, 0), value: val(74)},
				{id: "GHCND:GHCND:USC00200230:PRCP", ts: utc(2013, 9, 3, 0, 0), value: val(0)},
			},
		},
		{
			// Day-ahead zonal LMPs of 2026-06-09 (EPT), 184 rows, filtered
			// and paged by the replay as Data Miner does.
			name:   "pjm",
			client: pjm.ClientConfig,
			build:  func() (collector.Source, error) { return pjm.New(pjm.Config{Feeds: []string{"da_hrl_lmps"}}) },
			prefix: "/api/v1",
			routes: map[string]answer{
				"/api/v1/da_hrl_lmps": dataMiner("../iso/pjm/testdata/dataminer-da_hrl_lmps-zones-2026-06-09.json"),
			},
			dates: [2]string{"2026-06-09", "2026-06-09"},
			topic: topology.TopicIsoLmp,
			count: 184,
			check: []point{{id: "1", ts: utc(2026, 6, 9, 4, 0), value: val(31.862345)}}, // PJM-RTO HE1 EPT
		},
		{
			// The first 12 hours (EDT) of the 2026-10-05 zonal DAM file.
			name:   "nyiso",
			client: nyiso.ClientConfig,
			build:  func() (collector.Source, error) { return nyiso.New(nyiso.Config{Feeds: []string{"damlbmp_zone"}}) },
			routes: map[string]answer{
				"/public/csv/damlbmp/20261005damlbmp_zone.csv": file("../iso/nyiso/testdata/damlbmp-zone-20261005-first12h.csv"),
			},
			window: collector.Window{Since: utc(2026, 10, 5, 4, 0), Until: utc(2026, 10, 5, 16, 0)},
			topic:  topology.TopicIsoLmp,
			count:  180,
			check:  []point{{id: "61757", ts: utc(2026, 10, 5, 4, 0), value: val(38.32)}}, // CAPITL 00:00 EDT
		},
		{
			// 2024-11-03, the 25-hour day: 01:00 EDT and 01:00 EST are two hours.
			name:   "isone",
			client: isone.ClientConfig,
			build:  func() (collector.Source, error) { return isone.New(isone.Config{Feeds: []string{"hourlysysload"}}) },
			prefix: "/api/v1.1",
			routes: map[string]answer{
				"/api/v1.1/hourlysysload/day/20241103.json": file("../iso/isone/testdata/webservices-hourlysysload-day-20241103.json"),
			},
			dates: [2]string{"2024-11-03", "2024-11-03"},
			topic: topology.TopicIsoLoad,
			count: 25,
			check: []point{
				{id: "NEPOOL AREA", ts: utc(2024, 11, 3, 4, 0), value: val(10376.719)},
				{id: "NEPOOL AREA", ts: utc(2024, 11, 3, 5, 0), value: val(10073.077)},
				{id: "NEPOOL AREA", ts: utc(2024, 11, 3, 6, 0), value: val(9951.317)},
			},
		},
		{
			// The recording holds the first 200 rows of the 2025-03-19 DA file.
			name:   "spp",
			client: spp.ClientConfig,
			build:  func() (collector.Source, error) { return spp.New(spp.Config{Feeds: []string{"da"}}) },
			routes: map[string]answer{
				"/file-browser-api/download/da-lmp-by-location?path=/2025/03/By_Day/DA-LMP-SL-202503190100.csv": file("../iso/spp/testdata/da-lmp-by-location-SL-202503190100.csv"),
			},
			dates: [2]string{"2025-03-19", "2025-03-19"},
			topic: topology.TopicIsoLmp,
			count: 200,
			check: []point{{id: "AEC", ts: utc(2025, 3, 19, 5, 0), value: val(9.6667)}}, // HE1 CDT
		},
		{
			// The 7-day-ahead forecast recording, zipped as OASIS sends it.
			name:   "caiso",
			client: caiso.ClientConfig,
			build:  func() (collector.Source, error) { return caiso.New(caiso.Config{Series: []string{"SLD_FCST:7DA"}}) },
			prefix: "/oasisapi",
			routes: map[string]answer{
				"/oasisapi/SingleZip": zipped("../iso/caiso/testdata/oasis-SLD_FCST-7DA.csv"),
			},
			dates: [2]string{"2025-02-19", "2025-02-19"},
			topic: topology.TopicIsoLoad,
			count: 200,
			check: []point{{id: "AVA:7DA forecast", ts: utc(2025, 2, 19, 8, 0), value: val(1275.14)}},
		},
		{
			// ERCOT's window is on the documents' publish times: only the
			// one published 2025-03-13 17:55:08Z is in it, and all its rows
			// (actuals and forecasts of days before) are published.
			name:   "ercot",
			client: ercot.ClientConfig,
			build:  func() (collector.Source, error) { return ercot.New(ercot.Config{Series: []string{"solar"}}) },
			routes: map[string]answer{
				"/misapp/servlets/IceDocListJsonWS?reportTypeId=13483":     file("../iso/ercot/testdata/mis-IceDocListJsonWS-reportTypeId-13483.json"),
				"/misdownload/servlets/mirDownload?doclookupId=1085279262": zipped("../iso/ercot/testdata/mis-np4-737-PVGRHRLYAVGACTNP4737.csv"),
			},
			window: collector.Window{Since: utc(2025, 3, 13, 17, 0), Until: utc(2025, 3, 14, 0, 0)},
			topic:  topology.TopicIsoLoad,
			count:  248,
			check: []point{
				{id: ercot.SolarArea, ts: utc(2025, 3, 11, 18, 0), value: val(19440.92)}, // HE14 CDT actual
				{id: ercot.SolarArea + " forecast", ts: utc(2025, 3, 11, 18, 0), value: val(24108.1)},
			},
		},
		{
			// Three hubs × 24 hours ending EST of 2026-07-14.
			name:   "miso",
			client: miso.ClientConfig,
			build:  func() (collector.Source, error) { return miso.New(miso.Config{}) },
			prefix: "/marketreports",
			routes: map[string]answer{
				"/marketreports/20260714_da_expost_lmp.csv": file("../iso/miso/testdata/da-expost-lmp-20260714.csv"),
			},
			dates: [2]string{"2026-07-14", "2026-07-14"},
			topic: topology.TopicIsoLmp,
			count: 72,
			check: []point{
				{id: "ILLINOIS.HUB", ts: utc(2026, 7, 14, 5, 0), value: val(36.24)}, // HE1 EST
				{id: "INDIANA.HUB", ts: utc(2026, 7, 15, 4, 0), value: val(65.9)},   // HE24 EST
			},
		},
	}
}
