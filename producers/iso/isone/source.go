// Package isone collects ISO New England hourly load from its web services
// (https://webservices.iso-ne.com/api/v1.1/...) into aurum.iso.load.v1,
// one day per request.
//
// Flags of `aurum collect isone` map onto Config: --feeds (hourlysysload,
// realtimehourlydemand) and --locations (ISO-NE location ids: 32 is
// NEPOOL AREA, 4001..4008 the load zones). ISO-NE wants HTTP basic auth:
// put the ISO Express user and password in the base URL
// (AURUM_ISONE_BASE_URL=https://user:pass@webservices.iso-ne.com/api/v1.1),
// which Go's HTTP client sends as the Authorization header.
package isone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// BaseURL is the web-services root the report paths are relative to.
const BaseURL = "https://webservices.iso-ne.com/api/v1.1"

// ClientConfig is the default collector client of ISO-NE: the web-services
// root and a request a second; credentials go in AURUM_ISONE_BASE_URL (see
// the package documentation).
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: "isone", BaseURL: BaseURL, Rate: rate.Limit(1)}
}

// Config says which reports and locations the source collects. The zero
// value collects the pool's hourly system load.
type Config struct {
	// Feeds are keys of Feeds. Default hourlysysload.
	Feeds []string
	// Locations are ISO-NE location ids. hourlysysload without locations
	// asks for the whole pool; realtimehourlydemand needs at least one.
	Locations []string
	// Lookback is how far before now a window without a start begins;
	// a window without an end reaches now. Default 48h.
	Lookback time.Duration
	// Now is the clock of ingest_ts and open windows. Default time.Now.
	Now func() time.Time
}

// Source collects ISO-NE load reports; it implements collector.Source.
type Source struct {
	cfg    Config
	series []collector.Series
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if len(cfg.Feeds) == 0 {
		cfg.Feeds = []string{"hourlysysload"}
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = 48 * time.Hour
	}
	if cfg.Lookback < 0 {
		return nil, errors.New("isone: lookback must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	for _, id := range cfg.Locations {
		if _, err := strconv.Atoi(strings.TrimSpace(id)); err != nil {
			return nil, fmt.Errorf("isone: location %q: want a numeric location id", id)
		}
	}
	s := &Source{cfg: cfg}
	for _, name := range cfg.Feeds {
		name = strings.ToLower(strings.TrimSpace(name))
		if _, ok := Feeds[name]; !ok {
			return nil, fmt.Errorf("isone: feed %q is not supported (hourlysysload, realtimehourlydemand)", name)
		}
		if len(cfg.Locations) == 0 {
			if name == "realtimehourlydemand" {
				return nil, errors.New("isone: realtimehourlydemand needs locations (4001..4008)")
			}
			s.series = append(s.series, collector.Series{Key: name, Params: map[string]string{"feed": name}})
			continue
		}
		for _, id := range cfg.Locations {
			id = strings.TrimSpace(id)
			s.series = append(s.series, collector.Series{
				Key:    name + " location=" + id,
				Params: map[string]string{"feed": name, "location": id},
			})
		}
	}
	return s, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return "isone" }

// Zone is Eastern prevailing time: the operating days of ISO-NE's
// answers, which the dates of a window name.
func (s *Source) Zone() *time.Location { return isotime.Eastern }

// Series lists one series per report and location.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	return s.series, nil
}

// Path is the JSON path of feed's report for operating day day, of one
// location when location is not empty.
func Path(feed string, day time.Time, location string) string {
	p := "/" + feed + "/day/" + day.Format(isotime.DayLayout)
	if location != "" {
		p += "/location/" + location
	}
	return p + ".json"
}

// Fetch requests one Eastern operating day of series se and keeps the
// hours starting within w; the cursor is the next day, YYYYMMDD.
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	f, ok := Feeds[se.Params["feed"]]
	if !ok {
		return collector.Page{}, fmt.Errorf("isone: series %q: unknown feed %q", se.Key, se.Params["feed"])
	}
	now := s.cfg.Now().UTC()
	if w.Since.IsZero() {
		w.Since = now.Add(-s.cfg.Lookback)
	}
	if w.Until.IsZero() {
		w.Until = now
	}
	if w.Since.After(w.Until) {
		return collector.Page{}, nil
	}
	day, next, err := isotime.Days(cursor, w, isotime.Eastern)
	if err != nil {
		return collector.Page{}, fmt.Errorf("isone %s: %w", se.Key, err)
	}
	path := Path(f.Name, day, se.Params["location"])
	body, err := g.Get(ctx, path, nil)
	var status *collector.StatusError
	if errors.As(err, &status) && status.Code == http.StatusNotFound && !day.Before(isotime.Date(now, isotime.Eastern)) {
		return collector.Page{}, nil
	}
	if err != nil {
		return collector.Page{}, fmt.Errorf("isone %s %s: %w", se.Key, path, err)
	}
	recs, err := Parse(body, f, now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("isone %s %s: %w", se.Key, path, err)
	}
	page := collector.Page{Next: next}
	for _, r := range recs {
		if !w.Contains(r.IntervalStart) {
			continue
		}
		page.Records = append(page.Records, isorecord.Load(r))
		if r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	return page, nil
}
