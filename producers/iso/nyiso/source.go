// Package nyiso collects NYISO zonal and generator LBMPs from the MIS CSV
// files (http://mis.nyiso.com/public/csv/...) into aurum.iso.lmp.v1, one
// file per operating day.
//
// Flags of `aurum collect nyiso` map onto Config: --feeds (damlbmp_zone,
// realtime_zone, damlbmp_gen, realtime_gen) and --locations (PTIDs or
// names to keep). NYISO needs no API key.
package nyiso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// BaseURL is the MIS root the file paths are relative to.
const BaseURL = "http://mis.nyiso.com"

// ClientConfig is the default collector client of NYISO: the MIS root, no
// API key, a file a second. The composition root sets BaseURL from
// AURUM_NYISO_BASE_URL.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: "nyiso", BaseURL: BaseURL, Rate: rate.Limit(1)}
}

// Config says which files and locations the source collects. The zero
// value collects day-ahead and real-time zonal LBMPs of every zone.
type Config struct {
	// Feeds are keys of Feeds. Default damlbmp_zone and realtime_zone.
	Feeds []string
	// Locations keep only these PTIDs or names; empty keeps all.
	Locations []string
	// Lookback is how far before now a window without a start begins;
	// a window without an end reaches the end of tomorrow (day-ahead
	// prices are posted the day before). Default 24h.
	Lookback time.Duration
	// Now is the clock of ingest_ts and open windows. Default time.Now.
	Now func() time.Time
}

// Source collects NYISO LBMP files; it implements collector.Source.
type Source struct {
	cfg    Config
	keep   map[string]bool
	series []collector.Series
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if len(cfg.Feeds) == 0 {
		cfg.Feeds = []string{"damlbmp_zone", "realtime_zone"}
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = 24 * time.Hour
	}
	if cfg.Lookback < 0 {
		return nil, errors.New("nyiso: lookback must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Source{cfg: cfg, keep: map[string]bool{}}
	for _, l := range cfg.Locations {
		s.keep[strings.TrimSpace(l)] = true
	}
	locs := slices.Sorted(func(yield func(string) bool) {
		for l := range s.keep {
			if !yield(l) {
				return
			}
		}
	})
	for _, name := range cfg.Feeds {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, ok := Feeds[name]; !ok {
			return nil, fmt.Errorf("nyiso: feed %q is not supported (damlbmp_zone, realtime_zone, damlbmp_gen, realtime_gen)", name)
		}
		key := name
		if len(locs) > 0 {
			key += " locations=" + strings.Join(locs, ";")
		}
		s.series = append(s.series, collector.Series{Key: key, Params: map[string]string{"feed": name}})
	}
	return s, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return "nyiso" }

// Zone is Eastern prevailing time: the operating days of NYISO's files,
// which the dates of a window name.
func (s *Source) Zone() *time.Location { return isotime.Eastern }

// Series lists one series per feed.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	return s.series, nil
}

// Fetch requests the file of one operating day (Eastern) of series se and
// keeps the intervals starting within w; the cursor is the next day,
// YYYYMMDD.
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	f, ok := Feeds[se.Params["feed"]]
	if !ok {
		return collector.Page{}, fmt.Errorf("nyiso: series %q: unknown feed %q", se.Key, se.Params["feed"])
	}
	now := s.cfg.Now().UTC()
	if w.Since.IsZero() {
		w.Since = now.Add(-s.cfg.Lookback)
	}
	if w.Until.IsZero() {
		w.Until = collector.Days(time.Time{}, isotime.Date(now, isotime.Eastern).AddDate(0, 0, 1), isotime.Eastern).Until
	}
	if w.Since.After(w.Until) {
		return collector.Page{}, nil
	}
	day, next, err := isotime.Days(cursor, w, isotime.Eastern)
	if err != nil {
		return collector.Page{}, fmt.Errorf("nyiso %s: %w", se.Key, err)
	}
	path := f.Path(day)
	body, err := g.Get(ctx, path, nil)
	var status *collector.StatusError
	if errors.As(err, &status) && status.Code == http.StatusNotFound && !day.Before(isotime.Date(now, isotime.Eastern)) {
		// Today's or tomorrow's file is not posted yet: the series is
		// complete for now, and the next run asks again.
		return collector.Page{}, nil
	}
	if err != nil {
		return collector.Page{}, fmt.Errorf("nyiso %s %s: %w", se.Key, path, err)
	}
	recs, err := Parse(body, f, now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("nyiso %s %s: %w", se.Key, path, err)
	}
	page := collector.Page{Next: next}
	for _, r := range recs {
		if !w.Contains(r.IntervalStart) {
			continue
		}
		if len(s.keep) > 0 && !s.keep[r.LocationID] && (r.LocationName == nil || !s.keep[*r.LocationName]) {
			continue
		}
		page.Records = append(page.Records, isorecord.Lmp(r))
		if r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	return page, nil
}
