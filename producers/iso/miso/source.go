package miso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// Name is the collector's name: `aurum collect miso`.
const Name = "miso"

// DefaultBaseURL is the root of MISO's market reports.
const DefaultBaseURL = "https://docs.misoenergy.org/marketreports"

// SeriesDAExPost is the key of the day-ahead ex-post LMP series.
const SeriesDAExPost = "da_expost_lmp"

// ClientConfig returns the MISO defaults of the runtime's HTTP client: the
// real base URL, no API key, one request a second.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: Name, BaseURL: DefaultBaseURL, Rate: rate.Limit(1)}
}

// Config of the MISO source. The zero value is usable: New fills the
// defaults.
type Config struct {
	// Nodes keeps only these nodes (e.g. ILLINOIS.HUB); empty keeps every
	// node of the report (some 2,500, times 24 hours a day).
	Nodes []string
	// LookbackDays is how many market days before today a window without
	// a start begins. Default 1.
	LookbackDays int
	// Now stamps ingest_ts and ends open windows; default time.Now.
	Now func() time.Time
}

// Source is the MISO source. Build it with New.
type Source struct{ cfg Config }

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if cfg.LookbackDays == 0 {
		cfg.LookbackDays = 1
	}
	if cfg.LookbackDays < 0 {
		return nil, fmt.Errorf("miso: negative lookback %d days", cfg.LookbackDays)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg}, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return Name }

// Zone is Eastern Standard Time all year: MISO's market days, which the
// dates of a window name.
func (s *Source) Zone() *time.Location { return est }

// Series is the one day-ahead ex-post LMP series.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	params := map[string]string{"report": SeriesDAExPost}
	if len(s.cfg.Nodes) > 0 {
		params["nodes"] = strings.Join(s.cfg.Nodes, ",")
	}
	return []collector.Series{{Key: SeriesDAExPost, Params: params}}, nil
}

// Fetch requests one market day's report: the days run from the EST day of
// w.Since (open: LookbackDays before today) to that of w.Until (open:
// tomorrow, whose prices MISO posts the day before), the cursor is the
// next day (YYYY-MM-DD), records are kept when their interval starts in w,
// and the watermark is the latest interval start. A report of today or
// later that MISO has not posted yet (404) ends the series quietly.
func (s *Source) Fetch(ctx context.Context, g collector.Getter, _ collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	now := s.cfg.Now()
	today := marketDay(now)
	first, last := today.AddDate(0, 0, -s.cfg.LookbackDays), today.AddDate(0, 0, 1)
	if !w.Since.IsZero() {
		first = marketDay(w.Since)
	}
	if !w.Until.IsZero() {
		last = marketDay(w.Until)
	}
	day := first
	if cursor != "" {
		d, err := time.Parse(time.DateOnly, cursor)
		if err != nil {
			return collector.Page{}, fmt.Errorf("miso: cursor %q: %w", cursor, err)
		}
		day = d
	}
	if day.After(last) {
		return collector.Page{}, nil
	}
	var page collector.Page
	if day.Before(last) {
		page.Next = day.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	body, err := g.Get(ctx, "/"+day.Format("20060102")+"_da_expost_lmp.csv", nil)
	var se *collector.StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound && !day.Before(today) {
		return collector.Page{}, nil
	}
	if err != nil {
		return collector.Page{}, fmt.Errorf("miso da expost lmp %s: %w", day.Format(time.DateOnly), err)
	}
	recs, err := ParseDAExPost(body, s.cfg.Nodes, now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("miso %s: %w", day.Format(time.DateOnly), err)
	}
	for _, r := range recs {
		if !r.DeliveryDate.Equal(day) {
			return collector.Page{}, fmt.Errorf("miso report for %s is dated %s: %w", day.Format(time.DateOnly), r.DeliveryDate.Format(time.DateOnly), collector.ErrMalformed)
		}
		if !w.Contains(r.IntervalStart) {
			continue
		}
		page.Records = append(page.Records, isorecord.Lmp(r))
		if r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	return page, nil
}

// marketDay is the EST market day of t, at UTC midnight.
func marketDay(t time.Time) time.Time { return isotime.Date(t, est) }

// Source is a collector.Source.
var _ collector.Source = (*Source)(nil)
