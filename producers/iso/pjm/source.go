// Package pjm collects PJM locational marginal prices from Data Miner 2
// (https://api.pjm.com/api/v1/<feed>) into aurum.iso.lmp.v1.
//
// Flags of `aurum collect pjm` map onto Config: --feeds (da_hrl_lmps,
// rt_unverified_fivemin_lmps, rt_hrl_lmps), --locations (pnode ids) and
// --location-types (ZONE, HUB, ...); the API key goes in the
// Ocp-Apim-Subscription-Key header (APIKeyHeader).
package pjm

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// Client defaults for PJM.
const (
	// BaseURL is the Data Miner 2 root the feed paths are relative to.
	BaseURL = "https://api.pjm.com/api/v1"
	// APIKeyHeader carries the Data Miner subscription key.
	APIKeyHeader = "Ocp-Apim-Subscription-Key"
	// MaxRowCount is the most rows Data Miner returns per request.
	MaxRowCount = 50000
)

// ClientConfig is the default collector client of PJM: Data Miner's root,
// the subscription key in the APIKeyHeader header, and a request every
// 10 s (Data Miner allows non-members 6 a minute). The composition root
// sets BaseURL and APIKey from AURUM_PJM_BASE_URL and AURUM_PJM_API_KEY.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: "pjm", BaseURL: BaseURL, APIKeyHeader: APIKeyHeader, Rate: rate.Every(10 * time.Second)}
}

// Config says which feeds and pnodes the source collects. The zero value
// collects day-ahead hourly LMPs of every zone.
type Config struct {
	// Feeds are Data Miner feed names (keys of Feeds). Default da_hrl_lmps.
	Feeds []string
	// Locations are pnode ids to restrict to; empty means all.
	Locations []string
	// LocationTypes restrict to PJM pnode types (ZONE, HUB, ...); default
	// ZONE when no Locations are given, since all pnodes of a feed are tens
	// of thousands of rows an hour. A single type is also the
	// location_type of rows that carry no type.
	LocationTypes []string
	// RowCount is the page size. Default and maximum MaxRowCount.
	RowCount int
	// Reach defaults to a day back and two days ahead (the next-day
	// day-ahead market is posted around 13:30 Eastern), on the hour.
	Reach collector.Reach
}

// Spec is `aurum collect pjm`.
var Spec = collector.Spec[Config, *Source]{
	Name:    "pjm",
	Summary: "PJM Data Miner LMPs (da_hrl_lmps, rt_hrl_lmps, rt_unverified_fivemin_lmps)",
	Example: []string{"--feeds", "da_hrl_lmps,rt_hrl_lmps", "--locations", "1,3", "--location-types", "ZONE", "--lookback", "48h"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, c *Config) {
		f.List(&c.Feeds, "feeds", "Data Miner feeds (da_hrl_lmps, rt_hrl_lmps, rt_unverified_fivemin_lmps)")
		f.List(&c.Locations, "locations", "pnode ids")
		f.List(&c.LocationTypes, "location-types", "pnode types to keep (ZONE, HUB, ...)")
		f.Lookback(&c.Reach.Lookback)
	},
	New: New,
}

// Source collects PJM LMP feeds; it implements collector.Source.
type Source struct {
	cfg    Config
	series []collector.Series
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if len(cfg.Feeds) == 0 {
		cfg.Feeds = []string{"da_hrl_lmps"}
	}
	if len(cfg.LocationTypes) == 0 && len(cfg.Locations) == 0 {
		cfg.LocationTypes = []string{"ZONE"}
	}
	cfg.RowCount = cmp.Or(cfg.RowCount, MaxRowCount)
	if cfg.RowCount < 1 || cfg.RowCount > MaxRowCount {
		return nil, fmt.Errorf("pjm: row count %d: want 1..%d", cfg.RowCount, MaxRowCount)
	}
	var err error
	if cfg.Reach, err = cfg.Reach.Or(collector.Reach{Lookback: 24 * time.Hour, Lookahead: 48 * time.Hour}); err != nil {
		return nil, fmt.Errorf("pjm: %w", err)
	}
	for _, id := range cfg.Locations {
		if _, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64); err != nil {
			return nil, fmt.Errorf("pjm: location %q: want a numeric pnode id", id)
		}
	}
	types := make([]string, 0, len(cfg.LocationTypes))
	for _, t := range cfg.LocationTypes {
		types = append(types, strings.ToUpper(strings.TrimSpace(t)))
	}
	slices.Sort(types)
	locs := slices.Clone(cfg.Locations)
	slices.Sort(locs)
	s := &Source{cfg: cfg}
	for _, name := range cfg.Feeds {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, ok := Feeds[name]; !ok {
			return nil, fmt.Errorf("pjm: feed %q is not supported (da_hrl_lmps, rt_unverified_fivemin_lmps, rt_hrl_lmps)", name)
		}
		params := map[string]string{"feed": name}
		key := name
		if len(types) > 0 {
			params["type"] = strings.Join(types, ";")
			key += " type=" + params["type"]
		}
		if len(locs) > 0 {
			params["pnode_id"] = strings.Join(locs, ";")
			key += " pnode_id=" + params["pnode_id"]
		}
		s.series = append(s.series, collector.Series{Key: key, Params: params})
	}
	return s, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return "pjm" }

// Zone is Eastern prevailing time: PJM's operating days, which the dates
// of a window name.
func (s *Source) Zone() *time.Location { return isotime.Eastern }

// Series lists one series per feed, with the location filters in its key.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	return s.series, nil
}

// filterTime is the minute-precision form of Data Miner date filters.
const filterTime = "2006-01-02T15:04"

// Fetch requests one page of series se within w, sorted by interval start
// so the watermark only rises; the cursor is the next startRow.
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	f, ok := Feeds[se.Params["feed"]]
	if !ok {
		return collector.Page{}, fmt.Errorf("pjm: series %q: unknown feed %q", se.Key, se.Params["feed"])
	}
	startRow, err := collector.NumberCursor(cursor, 1, "a startRow")
	if err != nil {
		return collector.Page{}, fmt.Errorf("pjm %s: %w", se.Key, err)
	}
	closed, now := s.cfg.Reach.Close(w, time.Hour)
	since, until := closed.Since, closed.Until
	// The filter is in whole minutes: Since is rounded up, so that a run
	// resuming at its watermark + 1ns does not get the watermark's rows
	// again (collector.Window).
	since = since.Add(time.Minute - time.Nanosecond).Truncate(time.Minute)
	// Data Miner ranges include both ends, as windows do, and every
	// interval starts on a whole minute.
	last := until.Truncate(time.Minute)
	if since.After(last) {
		return collector.Page{}, nil
	}

	q := url.Values{}
	q.Set("startRow", strconv.Itoa(startRow))
	q.Set("rowCount", strconv.Itoa(s.cfg.RowCount))
	q.Set("sort", "datetime_beginning_utc")
	q.Set("order", "Asc")
	q.Set("datetime_beginning_utc", since.Format(filterTime)+"to"+last.Format(filterTime))
	if t := se.Params["type"]; t != "" {
		q.Set("type", t)
	}
	if ids := se.Params["pnode_id"]; ids != "" {
		q.Set("pnode_id", ids)
	}
	body, err := g.Get(ctx, "/"+f.Name, q)
	if err != nil {
		return collector.Page{}, fmt.Errorf("pjm %s startRow %d: %w", se.Key, startRow, err)
	}
	page, err := ParsePage(body, f, startRow, s.cfg.RowCount, defaultType(se.Params["type"]), now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("pjm %s startRow %d: %w", se.Key, startRow, err)
	}
	return page, nil
}

// defaultType is the location_type of rows without a type: the filter's,
// when it names exactly one.
func defaultType(filter string) schemas.LocationType {
	if strings.Contains(filter, ";") {
		return schemas.LocationOther
	}
	return locationType(filter, schemas.LocationOther)
}
