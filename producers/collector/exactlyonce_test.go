package collector_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/fred"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
	"github.com/aurum-energy/aurum/topology"
)

// TestCollectExactlyOnceWhateverTheProvider runs sources against providers
// that ignore the window asked for and answer the whole recording every
// time: each run publishes only what lies in its window and after the
// checkpoint, so the topic holds every observation once. One case per kind
// of source: a series collector (FRED, dates as UTC days) and an ISO
// collector (PJM, whose source leaves the filtering to Data Miner).
func TestCollectExactlyOnceWhateverTheProvider(t *testing.T) {
	t.Parallel()
	type run struct {
		dates [2]string
		added int // records the run adds to the topic
	}
	for _, tc := range []struct {
		sourceCase
		runs []run
	}{
		{
			// 200 quarterly GDP observations, 1946-01-01 to 1995-10-01.
			sourceCase: fredGDP("fred"),
			runs: []run{
				{added: 200},
				{added: 0},
			},
		},
		{
			// A window in the middle of the series; the same window again;
			// then an open window: the watermark of the first run stopped at
			// the end of its window (not at the provider's last observation),
			// so 1960 on is collected, once; what precedes the checkpoint is
			// not asked for again.
			sourceCase: fredGDP("fred window"),
			runs: []run{
				{dates: [2]string{"1950-01-01", "1959-12-31"}, added: 40},
				{dates: [2]string{"1950-01-01", "1959-12-31"}, added: 0},
				{added: 144},
				{added: 0},
			},
		},
		{
			// 23 zones × 8 hours from 04:00Z on 2026-06-09, whatever the
			// datetime filter says.
			sourceCase: sourceCase{
				name:   "pjm",
				client: pjm.ClientConfig,
				build:  func() (collector.Source, error) { return pjm.New(pjm.Config{Feeds: []string{"da_hrl_lmps"}}) },
				prefix: "/api/v1",
				routes: map[string]answer{
					"/api/v1/da_hrl_lmps": file("../iso/pjm/testdata/dataminer-da_hrl_lmps-zones-2026-06-09.json"),
				},
				topic: topology.TopicIsoLmp,
			},
			runs: []run{
				{dates: [2]string{"2026-06-09T04:00:00Z", "2026-06-09T05:00:00Z"}, added: 2 * 23},
				{dates: [2]string{"2026-06-09T04:00:00Z", "2026-06-09T05:00:00Z"}, added: 0},
				{dates: [2]string{"2026-06-09", "2026-06-09"}, added: 6 * 23},
				{dates: [2]string{"2026-06-09", "2026-06-09"}, added: 0},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSourceEnv(t)
			srv := httptest.NewServer(replayRoutes(t, tc.routes))
			t.Cleanup(srv.Close)
			total := 0
			for i, r := range tc.runs {
				tc.dates = r.dates
				e.run(t, tc.sourceCase, srv.URL)
				got := e.points(t, tc.topic)
				if len(got) != total+r.added {
					t.Fatalf("run %d (%q to %q): %d records on %s, want %d + %d", i+1, r.dates[0], r.dates[1], len(got), tc.topic, total, r.added)
				}
				total = len(got)
				seen := map[point]bool{}
				for _, p := range got {
					k := point{id: p.id, ts: p.ts}
					if seen[k] {
						t.Errorf("run %d: %s at %s published twice", i+1, p.id, p.ts.Format(time.RFC3339))
					}
					seen[k] = true
				}
			}
		})
	}
}

// fredGDP is FRED's GDP series, 200 quarterly observations.
func fredGDP(name string) sourceCase {
	return sourceCase{
		name:   name,
		client: fred.ClientConfig,
		build:  func() (collector.Source, error) { return fred.New(fred.Config{Series: []string{"GDP"}}) },
		prefix: "/fred",
		routes: map[string]answer{
			"/fred/series":              file("../fred/testdata/series-GDP.json"),
			"/fred/series/observations": file("../fred/testdata/series-observations-GDP.json"),
		},
		topic: topology.TopicExtTimeseriesObs,
	}
}
