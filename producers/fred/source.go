// Package fred collects FRED series (Federal Reserve Bank of St. Louis,
// https://fred.stlouisfed.org) into aurum.ext.timeseries.obs.v1 and
// aurum.ext.series_catalog.upsert.v1, on the collector runtime.
//
// One Series per FRED series id. A page is one series/observations request
// (observation_start/observation_end from the window, offset/limit paging
// on the answer's count); its units and frequency come from the series
// endpoint, fetched once per series and also published as the series'
// ExtSeriesCatalogUpsert with the first page that has observations.
package fred

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Name is the collector's name: `aurum collect fred`.
const Name = "fred"

// DefaultBaseURL is FRED's API root.
const DefaultBaseURL = "https://api.stlouisfed.org/fred"

// MaxPageSize is the largest limit FRED accepts on series/observations.
const MaxPageSize = 100000

// ClientConfig returns the FRED defaults of the runtime's HTTP client: the
// real base URL, the API key as the api_key query parameter, and FRED's
// published limit of 120 requests a minute. The caller sets APIKey (and
// overrides BaseURL) from the environment.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{
		Source:      Name,
		BaseURL:     DefaultBaseURL,
		APIKeyParam: "api_key",
		Rate:        rate.Limit(2),
		Burst:       2,
	}
}

// Config of the FRED source.
type Config struct {
	// Series are FRED series ids ("GDP", "CPILFESL"). Required.
	Series []string
	// PageSize is the limit of one observations request, default and at
	// most MaxPageSize.
	PageSize int
	// Now stamps ingest_ts and updated_ts; default time.Now.
	Now func() time.Time
}

// Spec is `aurum collect fred`.
var Spec = collector.Spec[Config, *Source]{
	Name:    Name,
	Summary: "FRED series and their metadata",
	Example: []string{"--series", "GDP,CPILFESL"},
	Client:  ClientConfig,
	Flags:   func(f *collector.Flags, c *Config) { f.List(&c.Series, "series", "FRED series ids") },
	New:     New,
}

// Source is the FRED source. Build it with New.
type Source struct {
	cfg Config

	mu   sync.Mutex
	meta map[string]*seriesMeta // by series id, fetched once
}

var _ collector.Source = (*Source)(nil)

// New checks cfg and returns the source.
func New(cfg Config) (*Source, error) {
	if len(cfg.Series) == 0 {
		return nil, errors.New("fred: no series (--series GDP,CPILFESL)")
	}
	seen := map[string]bool{}
	for _, id := range cfg.Series {
		if id == "" || strings.ContainsAny(id, " ,/?&") {
			return nil, fmt.Errorf("fred: invalid series id %q", id)
		}
		if seen[id] {
			return nil, fmt.Errorf("fred: series %s given twice", id)
		}
		seen[id] = true
	}
	if cfg.PageSize <= 0 || cfg.PageSize > MaxPageSize {
		cfg.PageSize = MaxPageSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg, meta: map[string]*seriesMeta{}}, nil
}

// Name implements collector.Source.
func (s *Source) Name() string { return Name }

// Series implements collector.Source: one per configured id, keyed by it.
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	out := make([]collector.Series, len(s.cfg.Series))
	for i, id := range s.cfg.Series {
		out[i] = collector.Series{Key: id, Params: map[string]string{"series_id": id}}
	}
	return out, nil
}

// Fetch implements collector.Source: the observations of one page, whose
// cursor is the offset of its first observation.
func (s *Source) Fetch(ctx context.Context, c collector.Getter, ser collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	id := ser.Params["series_id"]
	offset, err := collector.NumberCursor(cursor, 0, "an offset")
	if err != nil {
		return collector.Page{}, fmt.Errorf("fred %s: %w", id, err)
	}
	start, end, ok := dates(w)
	if !ok {
		return collector.Page{}, nil // the window holds no whole day
	}
	meta, err := s.seriesMeta(ctx, c, id)
	if err != nil {
		return collector.Page{}, err
	}
	obs, err := fetchObservations(ctx, c, id, start, end, offset, s.cfg.PageSize)
	if err != nil {
		return collector.Page{}, err
	}
	return mapPage(id, meta, obs, offset, cursor == "", s.cfg.Now())
}

// seriesMeta returns the series' metadata, fetched on first use.
func (s *Source) seriesMeta(ctx context.Context, c collector.Getter, id string) (*seriesMeta, error) {
	s.mu.Lock()
	m := s.meta[id]
	s.mu.Unlock()
	if m != nil {
		return m, nil
	}
	m, err := fetchSeries(ctx, c, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.meta[id] = m
	s.mu.Unlock()
	return m, nil
}

// dates turns w into FRED's inclusive observation_start/observation_end
// ("" when open), rounding Since up and Until down to whole UTC days.
func dates(w collector.Window) (start, end string, ok bool) {
	var s, e time.Time
	if !w.Since.IsZero() {
		s = w.Since.UTC()
		if d := s.Truncate(24 * time.Hour); !d.Equal(s) {
			s = d.Add(24 * time.Hour)
		}
		start = s.Format(time.DateOnly)
	}
	if !w.Until.IsZero() {
		e = w.Until.UTC().Truncate(24 * time.Hour)
		end = e.Format(time.DateOnly)
	}
	if !s.IsZero() && !e.IsZero() && s.After(e) {
		return "", "", false
	}
	return start, end, true
}
