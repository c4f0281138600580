// Package spp collects SPP LMPs by settlement location from the
// marketplace file browser (https://portal.spp.org/file-browser-api/...)
// into aurum.iso.lmp.v1: RTBM one 5-minute file per request, day-ahead one
// operating day per request.
//
// Flags of `aurum collect spp` map onto Config: --feeds (rtbm, da) and
// --locations (settlement locations to keep). SPP needs no API key.
package spp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// BaseURL is the marketplace root the download paths are relative to.
const BaseURL = "https://portal.spp.org"

// ClientConfig is the default collector client of SPP: the marketplace
// root, no API key, a file a second. The composition root sets BaseURL
// from AURUM_SPP_BASE_URL.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: "spp", BaseURL: BaseURL, Rate: rate.Limit(1)}
}

// Config says which files and locations the source collects. The zero
// value collects day-ahead LMPs of every settlement location.
type Config struct {
	// Feeds are keys of Feeds. Default da.
	Feeds []string
	// Locations keep only these settlement locations (location_id, e.g.
	// SPPNORTH_HUB or SWPW:AESO); empty keeps all.
	Locations []string
	// Lookback is how far before now a window without a start begins;
	// a window without an end reaches now (RTBM) or the end of tomorrow
	// (DA). Default 1h.
	Lookback time.Duration
	// Now is the clock of ingest_ts and open windows. Default time.Now.
	Now func() time.Time
}

// Source collects SPP LMP files; it implements collector.Source.
type Source struct {
	cfg    Config
	keep   map[string]bool
	series []collector.Series
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if len(cfg.Feeds) == 0 {
		cfg.Feeds = []string{"da"}
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = time.Hour
	}
	if cfg.Lookback < 0 {
		return nil, errors.New("spp: lookback must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Source{cfg: cfg, keep: map[string]bool{}}
	for _, l := range cfg.Locations {
		s.keep[strings.TrimSpace(l)] = true
	}
	for _, name := range cfg.Feeds {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, ok := Feeds[name]; !ok {
			return nil, fmt.Errorf("spp: feed %q is not supported (rtbm, da)", name)
		}
		s.series = append(s.series, collector.Series{Key: name, Params: map[string]string{"feed": name}})
	}
	return s, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return "spp" }

// Zone is Central prevailing time: the operating days of SPP's files,
// which the dates of a window name.
func (s *Source) Zone() *time.Location { return isotime.Central }

// Series lists one series per feed.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	return s.series, nil
}

// DayPath is the file-browser path of the DA file of operating day day.
func DayPath(day time.Time) string {
	return day.Format("/2006/01/By_Day/DA-LMP-SL-20060102") + "0100.csv"
}

// IntervalPath is the file-browser path of the RTBM file of the interval
// ending at end; SPP names it by the Central-time end.
func IntervalPath(end time.Time) string {
	return end.In(isotime.Central).Format("/2006/01/By_Interval/02/RTBM-LMP-SL-200601021504.csv")
}

// Fetch requests one file of series se and keeps the intervals starting
// within w. The cursor is the next operating day (DA, YYYYMMDD) or the
// end of the next interval (RTBM, RFC 3339 UTC).
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	f, ok := Feeds[se.Params["feed"]]
	if !ok {
		return collector.Page{}, fmt.Errorf("spp: series %q: unknown feed %q", se.Key, se.Params["feed"])
	}
	now := s.cfg.Now().UTC()
	if w.Since.IsZero() {
		w.Since = now.Add(-s.cfg.Lookback)
	}
	if w.Until.IsZero() {
		w.Until = now
		if f.Name == "da" {
			w.Until = collector.Days(time.Time{}, isotime.Date(now, isotime.Central).AddDate(0, 0, 1), isotime.Central).Until
		}
	}
	if w.Since.After(w.Until) {
		return collector.Page{}, nil
	}
	var path, next string
	var current bool // the file may not be posted yet
	if f.Name == "da" {
		day, n, err := isotime.Days(cursor, w, isotime.Central)
		if err != nil {
			return collector.Page{}, fmt.Errorf("spp %s: %w", se.Key, err)
		}
		path, next = DayPath(day), n
		current = !day.Before(isotime.Date(now, isotime.Central))
	} else {
		end, n, err := intervals(cursor, w)
		if err != nil {
			return collector.Page{}, fmt.Errorf("spp %s: %w", se.Key, err)
		}
		next = n
		current = !end.Before(now.Add(-time.Hour))
		if repeatedName(end) {
			// The second pass of the fall-back hour has the same Central
			// file names as the first; the first pass fetched them.
			return collector.Page{Next: next}, nil
		}
		path = IntervalPath(end)
	}
	body, err := g.Get(ctx, "/file-browser-api/download/"+f.Download, url.Values{"path": {path}})
	var status *collector.StatusError
	if errors.As(err, &status) && status.Code == http.StatusNotFound && current {
		return collector.Page{}, nil
	}
	if err != nil {
		return collector.Page{}, fmt.Errorf("spp %s %s: %w", se.Key, path, err)
	}
	recs, err := Parse(body, f, now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("spp %s %s: %w", se.Key, path, err)
	}
	page := collector.Page{Next: next}
	for _, r := range recs {
		if !w.Contains(r.IntervalStart) || (len(s.keep) > 0 && !s.keep[r.LocationID]) {
			continue
		}
		page.Records = append(page.Records, isorecord.Lmp(r))
		if r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	return page, nil
}

const rtbmInterval = 5 * time.Minute

// intervals returns the end of the RTBM interval to fetch (the first one
// starting at or after w.Since, or the cursor) and the cursor of the next,
// "" once that one starts after w.Until.
func intervals(cursor string, w collector.Window) (end time.Time, next string, err error) {
	if cursor == "" {
		start := w.Since.UTC().Truncate(rtbmInterval)
		if start.Before(w.Since) {
			start = start.Add(rtbmInterval)
		}
		end = start.Add(rtbmInterval)
	} else if end, err = time.Parse(time.RFC3339, cursor); err != nil {
		return time.Time{}, "", fmt.Errorf("interval cursor %q: want RFC 3339", cursor)
	}
	if !end.After(w.Until) {
		next = end.Add(rtbmInterval).UTC().Format(time.RFC3339)
	}
	return end.UTC(), next, nil
}

// repeatedName reports whether end falls in the second pass of a
// fall-back hour, whose Central wall clock was already read an hour ago.
func repeatedName(end time.Time) bool {
	a := end.In(isotime.Central).Format(time.DateTime)
	b := end.Add(-time.Hour).In(isotime.Central).Format(time.DateTime)
	return a == b
}
