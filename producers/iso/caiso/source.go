package caiso

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// Name is the collector's name: `aurum collect caiso`.
const Name = "caiso"

// DefaultBaseURL is the OASIS API root; Fetch requests <base>/SingleZip.
const DefaultBaseURL = "http://oasis.caiso.com/oasisapi"

// ClientConfig returns the CAISO defaults of the runtime's HTTP client: the
// real base URL, no API key, and one request every five seconds, the pace
// OASIS asks of its users (it answers 429 faster than that).
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: Name, BaseURL: DefaultBaseURL, Rate: rate.Every(5 * time.Second)}
}

// Config says which OASIS queries the source collects and how it cuts a
// window into requests. The zero value is usable: New fills the defaults.
type Config struct {
	// Series are the OASIS queries, each QUERYNAME:MARKET_RUN_ID, e.g.
	// SLD_FCST:7DA or SLD_REN_FCST:DAM. Default: SLD_FCST:ACTUAL and
	// SLD_FCST:DAM (actual load and the day-ahead load forecast).
	Series []string
	// Span is the longest time range one request asks for. OASIS refuses
	// ranges over 31 days. Default 7 days.
	Span time.Duration
	// Reach defaults to a day back and 8 days ahead, so that forecasts
	// are covered (the 7DA forecast's horizon), on the hour.
	Reach collector.Reach
}

// Spec is `aurum collect caiso`.
var Spec = collector.Spec[Config, *Source]{
	Name:    Name,
	Summary: "CAISO OASIS load",
	Example: []string{"--series", "SLD_FCST:ACTUAL,SLD_REN_FCST:DAM", "--lookback", "24h"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, c *Config) {
		f.List(&c.Series, "series", "OASIS queries QUERY:MARKET_RUN_ID")
		f.Lookback(&c.Reach.Lookback)
	},
	New: New,
}

// Source collects OASIS load forecasts into aurum.iso.load.v1.
type Source struct {
	cfg    Config
	series []collector.Series
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if len(cfg.Series) == 0 {
		cfg.Series = []string{"SLD_FCST:ACTUAL", "SLD_FCST:DAM"}
	}
	cfg.Span = cmp.Or(cfg.Span, 7*24*time.Hour)
	if cfg.Span < time.Hour || cfg.Span > 31*24*time.Hour {
		return nil, fmt.Errorf("caiso: span %s: want between 1h and 31 days", cfg.Span)
	}
	var err error
	if cfg.Reach, err = cfg.Reach.Or(collector.Reach{Lookback: 24 * time.Hour, Lookahead: 8 * 24 * time.Hour}); err != nil {
		return nil, fmt.Errorf("caiso: %w", err)
	}
	s := &Source{cfg: cfg}
	for _, name := range cfg.Series {
		query, run, ok := strings.Cut(strings.TrimSpace(name), ":")
		query, run = strings.ToUpper(strings.TrimSpace(query)), strings.ToUpper(strings.TrimSpace(run))
		if !ok || query == "" || run == "" {
			return nil, fmt.Errorf("caiso: series %q: want QUERYNAME:MARKET_RUN_ID, e.g. SLD_FCST:DAM", name)
		}
		if query != "SLD_FCST" && query != "SLD_REN_FCST" {
			return nil, fmt.Errorf("caiso: series %q: query %s is not supported (SLD_FCST, SLD_REN_FCST)", name, query)
		}
		s.series = append(s.series, collector.Series{
			Key:    query + ":" + run,
			Params: map[string]string{"queryname": query, "market_run_id": run},
		})
	}
	return s, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return Name }

// Zone is Pacific prevailing time: CAISO's operating days, which the
// dates of a window name.
func (s *Source) Zone() *time.Location { return isotime.Pacific }

// Series lists one series per configured OASIS query.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	return s.series, nil
}

// Fetch requests one span of series se within w; the cursor is the start of
// the next span (RFC 3339).
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	closed, now := s.cfg.Reach.Close(w, time.Hour)
	// OASIS ranges exclude their end, in whole minutes: end is the first
	// minute after the window's inclusive Until; an open window's reach
	// ends there itself.
	end := closed.Until
	if !w.Until.IsZero() {
		end = end.Truncate(time.Minute).Add(time.Minute)
	}
	from := closed.Since
	if cursor != "" {
		t, err := time.Parse(time.RFC3339, cursor)
		if err != nil {
			return collector.Page{}, fmt.Errorf("caiso: cursor %q: %w", cursor, err)
		}
		from = t.UTC()
	}
	if !from.Before(end) {
		return collector.Page{}, nil
	}
	to := from.Add(s.cfg.Span)
	if to.After(end) {
		to = end
	}

	q := url.Values{}
	q.Set("queryname", se.Params["queryname"])
	q.Set("market_run_id", se.Params["market_run_id"])
	q.Set("version", "1")
	q.Set("resultformat", "6")
	q.Set("startdatetime", from.Format(oasisTime))
	q.Set("enddatetime", to.Format(oasisTime))
	body, err := g.Get(ctx, "/SingleZip", q)
	if err != nil {
		return collector.Page{}, fmt.Errorf("caiso %s %s..%s: %w", se.Key, from.Format(oasisTime), to.Format(oasisTime), err)
	}
	page := collector.Page{}
	if to.Before(end) {
		page.Next = to.Format(time.RFC3339)
	}
	csvData, err := Unzip(body)
	if errors.Is(err, errNoData) {
		return page, nil
	}
	if err != nil {
		return collector.Page{}, fmt.Errorf("caiso %s: %w", se.Key, err)
	}
	recs, err := ParseLoad(csvData, now)
	if err != nil {
		return collector.Page{}, fmt.Errorf("caiso %s: %w", se.Key, err)
	}
	for _, r := range recs {
		if r.IntervalStart.Before(from) || !r.IntervalStart.Before(to) {
			continue
		}
		page.Records = append(page.Records, isorecord.Load(r))
		if r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	// A forecast of an hour still to come may be revised: its watermark
	// stops at the time of the fetch, so the next run asks for the hours
	// ahead again and publishes the revisions.
	if se.Params["market_run_id"] != "ACTUAL" && page.Watermark.After(now) {
		page.Watermark = now
	}
	return page, nil
}

// oasisTime is the layout of OASIS startdatetime and enddatetime, in GMT.
const oasisTime = "20060102T15:04-0000"

// Source is a collector.Source.
var _ collector.Source = (*Source)(nil)
