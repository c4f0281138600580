// Package isofile is the one mechanism of the ISO sources whose provider
// posts a file per operating day (NYISO, ISO-NE, MISO, SPP's day-ahead
// market) or per interval (SPP's real-time market). Such a source is a
// table of feeds — where the file of a period is and how to read it —
// and this package walks every window for all of them the same way: a
// window left open starts Lookback before now and ends now (or, for a
// day-ahead feed, with tomorrow); it is cut into the periods of the feed's
// files, one file a page, the cursor naming the next period; a file not
// posted yet (today's, or an interval's within the hour) ends the series
// quietly until the next run; and of a file, the records whose interval
// starts in the window are kept, the latest start being the watermark.
package isofile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// Feed is one family of files an ISO posts.
type Feed struct {
	// Interval is the span of one file; zero for one operating day of the
	// source's zone.
	Interval time.Duration
	// Ahead says the files are posted the day before the day they cover
	// (a day-ahead market): a window without an end reaches the end of
	// tomorrow rather than now.
	Ahead bool
	// File is the path and query of the file of period p for series s.
	File func(s collector.Series, p Period) (path string, query url.Values)
	// Skip, when not nil, reports a period that has no file of its own,
	// which is then passed over (SPP names its real-time files by Central
	// wall clock, so the second pass of a fall-back hour repeats the names
	// of the first).
	Skip func(p Period) bool
	// Parse reads the file of period p into records stamped ingest, each
	// placed (Record.Time) at the start of its interval. An answer it
	// cannot read is an error wrapping collector.ErrMalformed.
	Parse func(body []byte, p Period, ingest time.Time) ([]collector.Record, error)
}

// Period is what one file covers: the instants [Start, End), which begin
// on operating day Day (midnight UTC of its date, as schemas dates are).
type Period struct {
	Day        time.Time
	Start, End time.Time
}

// Config of a Source.
type Config struct {
	// Name is the collector's name ("nyiso"). Required.
	Name string
	// Zone is the ISO's market clock: the operating days of its files,
	// which the dates of a window name. Required.
	Zone *time.Location
	// Feeds are the feeds the series name, by name. Required.
	Feeds map[string]Feed
	// Series are what the source collects, each naming its feed in
	// Params["feed"] (and whatever else its feed's File reads).
	Series []collector.Series
	// Reach is how far a window left open reaches: from Lookback before
	// now to Lookahead after it (default now itself; a feed posted Ahead
	// reaches the end of tomorrow instead), on the clock Now.
	Reach collector.Reach
	// WholeDays starts a window without a start at the beginning of the
	// operating day Lookback before now, so that a first run collects
	// whole days (MISO's reports are market days).
	WholeDays bool
	// DayLayout is the form of an operating day in cursors, default
	// isotime.DayLayout (MISO's checkpoints hold time.DateOnly).
	DayLayout string
}

// Source collects the files of an ISO's feeds; it implements
// collector.Source and collector.Zoned.
type Source struct {
	cfg Config
}

var _ collector.Zoned = (*Source)(nil)

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if cfg.Name == "" || cfg.Zone == nil || len(cfg.Feeds) == 0 {
		return nil, fmt.Errorf("isofile: source %q needs a name, a zone and feeds", cfg.Name)
	}
	var err error
	if cfg.Reach, err = cfg.Reach.Or(collector.Reach{}); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	for _, s := range cfg.Series {
		if _, ok := cfg.Feeds[s.Params["feed"]]; !ok {
			return nil, fmt.Errorf("%s: series %q: unknown feed %q", cfg.Name, s.Key, s.Params["feed"])
		}
	}
	cfg.DayLayout = cmp.Or(cfg.DayLayout, isotime.DayLayout)
	return &Source{cfg: cfg}, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return s.cfg.Name }

// Zone is the ISO's market clock.
func (s *Source) Zone() *time.Location { return s.cfg.Zone }

// Series lists the configured series.
func (s *Source) Series(_ context.Context) ([]collector.Series, error) { return s.cfg.Series, nil }

// Fetch requests the file of one period of series se and keeps the records
// whose interval starts within w (see the package documentation). The
// cursor is the next period: its operating day in DayLayout, or the end
// of its interval (RFC 3339, UTC).
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	f, ok := s.cfg.Feeds[se.Params["feed"]]
	if !ok {
		return collector.Page{}, fmt.Errorf("%s: series %q: unknown feed %q", s.cfg.Name, se.Key, se.Params["feed"])
	}
	w, now := s.bound(w, f)
	if w.Since.After(w.Until) {
		return collector.Page{}, nil
	}
	cal := s.calendar(f)
	p, next, err := cal.period(cursor, w)
	if err != nil {
		return collector.Page{}, fmt.Errorf("%s %s: %w", s.cfg.Name, se.Key, err)
	}
	if f.Skip != nil && f.Skip(p) {
		return collector.Page{Next: next}, nil
	}
	path, query := f.File(se, p)
	file := path // as errors name it
	if q, _ := url.QueryUnescape(query.Encode()); q != "" {
		file += "?" + q
	}
	body, err := g.Get(ctx, path, query)
	var status *collector.StatusError
	if errors.As(err, &status) && status.Code == http.StatusNotFound && cal.pending(p, now) {
		// The file is not posted yet: the series is complete for now, and
		// the next run asks again.
		return collector.Page{}, nil
	}
	if err != nil {
		return collector.Page{}, fmt.Errorf("%s %s %s: %w", s.cfg.Name, se.Key, file, err)
	}
	recs, err := f.Parse(body, p, now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("%s %s %s: %w", s.cfg.Name, se.Key, file, err)
	}
	page := collector.Page{Next: next}
	for _, r := range recs {
		if !w.Contains(r.Time) {
			continue
		}
		page.Records = append(page.Records, r)
		if r.Time.After(page.Watermark) {
			page.Watermark = r.Time
		}
	}
	return page, nil
}

// bound closes what w leaves open as Reach does — from the start of that
// operating day with WholeDays, for a feed posted ahead to the end of
// tomorrow — and returns it with now.
func (s *Source) bound(w collector.Window, f Feed) (collector.Window, time.Time) {
	closed, now := s.cfg.Reach.Close(w, 0)
	zone := s.cfg.Zone
	if w.Since.IsZero() && s.cfg.WholeDays {
		closed.Since, _ = collector.OperatingDay(closed.Since.In(zone), zone)
	}
	if w.Until.IsZero() && f.Ahead {
		closed.Until = collector.Days(time.Time{}, isotime.Date(now, zone).AddDate(0, 0, 1), zone).Until
	}
	return closed, now
}

func (s *Source) calendar(f Feed) calendar {
	if f.Interval > 0 {
		return intervals{length: f.Interval, zone: s.cfg.Zone}
	}
	return days{layout: s.cfg.DayLayout, zone: s.cfg.Zone}
}
