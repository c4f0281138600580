package pjm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// replay serves the day-ahead fixture as Data Miner would, paged by
// startRow and rowCount, to a client with the key "secret"; asked returns
// the URLs asked.
func replay(t *testing.T) (c *collector.Client, asked func() []*url.URL) {
	t.Helper()
	var env struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(collectortest.Fixture(t, "dataminer-da_hrl_lmps-zones-2026-06-09.json"), &env); err != nil {
		t.Fatal(err)
	}
	cfg := ClientConfig()
	cfg.APIKey = "secret"
	return collectortest.Serve(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/da_hrl_lmps" || r.Header.Get(APIKeyHeader) != "secret" {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return
		}
		start, _ := strconv.Atoi(r.URL.Query().Get("startRow"))
		count, _ := strconv.Atoi(r.URL.Query().Get("rowCount"))
		lo, hi := min(start-1, len(env.Items)), min(start-1+count, len(env.Items))
		_ = json.NewEncoder(w).Encode(map[string]any{"items": env.Items[lo:hi], "totalRows": len(env.Items)})
	}))
}

func TestFetchPagesThroughClient(t *testing.T) {
	t.Parallel()
	c, asked := replay(t)
	src, err := New(Config{RowCount: 100, Reach: collector.Reach{Now: func() time.Time { return ingest }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	if len(series) != 1 || series[0].Key != "da_hrl_lmps type=ZONE" {
		t.Fatalf("series %+v", series)
	}
	day := time.Date(2026, 6, 9, 0, 0, 0, 0, time.UTC)
	w := collector.Days(day, day, src.Zone())
	var all []schemas.IsoLmpRecord
	cursor, pages := "", 0
	for {
		p, err := src.Fetch(context.Background(), c, series[0], w, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, lmps(t, p)...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if pages != 2 || len(all) != 184 {
		t.Errorf("%d pages, %d records; want 2 and 184", pages, len(all))
	}
	q := asked()[0].Query()
	if q.Get("datetime_beginning_utc") != "2026-06-09T04:00to2026-06-10T03:59" || q.Get("type") != "ZONE" ||
		q.Get("sort") != "datetime_beginning_utc" || q.Get("order") != "Asc" {
		t.Errorf("query %v", q)
	}
	if got := asked()[1].Query().Get("startRow"); got != "101" {
		t.Errorf("second page startRow %q, want 101", got)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"unknown feed":  {Feeds: []string{"gen_by_fuel"}},
		"bad pnode":     {Locations: []string{"WESTERN HUB"}},
		"rows too many": {RowCount: MaxRowCount + 1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}
