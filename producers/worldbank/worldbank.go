// Package worldbank collects World Bank indicators through its v2 API
// (https://api.worldbank.org/v2): country/{ids}/indicator/{id} answered as
// `[paging, rows]` pages. Each row becomes an ExtTimeseriesObservation of
// the series "<indicator>:<ISO3 country>" with the source's lastupdated as
// its vintage, and each series seen an ExtSeriesCatalogUpsert.
package worldbank

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Name is the collector's name (`aurum collect worldbank`).
const Name = "worldbank"

// Defaults of the source and of its HTTP client.
const (
	DefaultBaseURL = "https://api.worldbank.org/v2"
	// DefaultPerPage is the rows asked per page.
	DefaultPerPage = 1000
	// DefaultRate is polite for a keyless public API.
	DefaultRate = 2
	// firstYear opens a window with no Since: the World Bank's series
	// start in 1960.
	firstYear = 1960
)

// ClientConfig is the default collector client of the World Bank: the real
// base URL, no API key. The composition root sets BaseURL from
// AURUM_WORLDBANK_BASE_URL.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: Name, BaseURL: DefaultBaseURL, Rate: DefaultRate}
}

// Config of the World Bank source.
type Config struct {
	// Indicators are the indicator ids to collect ("NY.GDP.MKTP.CD"), one
	// series (checkpoint) each. Required.
	Indicators []string
	// Countries are the country or aggregate ids, ISO3 or ISO2 ("USA",
	// "JPN", "all"); default "all".
	Countries []string
	// PerPage is the rows asked per page, default DefaultPerPage.
	PerPage int
	// Now stamps ingest_ts and updated_ts (and asof_date when a page has
	// no lastupdated); default time.Now.
	Now func() time.Time
}

// Spec is `aurum collect worldbank`.
var Spec = collector.Spec[Config, *Source]{
	Name:    Name,
	Summary: "World Bank indicators (--country defaults to all)",
	Example: []string{"--indicator", "NY.GDP.MKTP.CD", "--country", "USA,JPN"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, c *Config) {
		f.List(&c.Indicators, "indicator", "indicator ids (NY.GDP.MKTP.CD)")
		f.List(&c.Countries, "country", "countries or aggregates (USA, JPN; default all)")
	},
	New: New,
}

// Source is the World Bank collector source.
type Source struct {
	cfg Config
}

var _ collector.Source = (*Source)(nil)

// New checks cfg and returns the source.
func New(cfg Config) (*Source, error) {
	var errs []error
	if len(cfg.Indicators) == 0 {
		errs = append(errs, errors.New("no indicator"))
	}
	for _, id := range append(append([]string{}, cfg.Indicators...), cfg.Countries...) {
		if id == "" || strings.ContainsAny(id, "/;? ") {
			errs = append(errs, fmt.Errorf("invalid id %q", id))
		}
	}
	if cfg.PerPage < 0 {
		errs = append(errs, fmt.Errorf("negative per page %d", cfg.PerPage))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("worldbank config: %w", err)
	}
	if len(cfg.Countries) == 0 {
		cfg.Countries = []string{"all"}
	}
	cfg.PerPage = cmp.Or(cfg.PerPage, DefaultPerPage)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg}, nil
}

// Name implements collector.Source.
func (s *Source) Name() string { return Name }

// Series implements collector.Source: one series per indicator over all
// the countries, keyed "NY.GDP.MKTP.CD?country=USA;JPN".
func (s *Source) Series(context.Context) ([]collector.Series, error) {
	countries := strings.Join(s.cfg.Countries, ";")
	out := make([]collector.Series, 0, len(s.cfg.Indicators))
	for _, ind := range s.cfg.Indicators {
		out = append(out, collector.Series{
			Key:    ind + "?country=" + countries,
			Params: map[string]string{"indicator": ind, "country": countries},
		})
	}
	return out, nil
}

// Fetch implements collector.Source. The cursor is the page number.
func (s *Source) Fetch(ctx context.Context, c collector.Getter, sr collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	page, err := collector.NumberCursor(cursor, 1, "a page")
	if err != nil {
		return collector.Page{}, fmt.Errorf("worldbank %s: %w", sr.Key, err)
	}
	ind, countries := sr.Params["indicator"], sr.Params["country"]
	if ind == "" || countries == "" {
		return collector.Page{}, fmt.Errorf("worldbank %s: series has no indicator or country", sr.Key)
	}
	body, err := c.Get(ctx, "country/"+countries+"/indicator/"+url.PathEscape(ind), Query(w, page, s.cfg.PerPage, s.cfg.Now()))
	if err != nil {
		return collector.Page{}, err
	}
	p, rows, err := ParsePage(body)
	if err != nil {
		return collector.Page{}, fmt.Errorf("worldbank %s page %d: %w", sr.Key, page, err)
	}
	out, err := MapPage(p, rows, w, s.cfg.Now())
	if err != nil {
		return collector.Page{}, fmt.Errorf("worldbank %s page %d: %w", sr.Key, page, err)
	}
	return out, nil
}

// Query is the query of one page: JSON, the page, and the window's years
// as date=YYYY:YYYY (the rows are then filtered to the exact window).
func Query(w collector.Window, page, perPage int, now time.Time) url.Values {
	q := url.Values{}
	q.Set("format", "json")
	q.Set("page", strconv.Itoa(page))
	q.Set("per_page", strconv.Itoa(perPage))
	if !w.Since.IsZero() || !w.Until.IsZero() {
		from, to := firstYear, now.UTC().Year()
		if !w.Since.IsZero() {
			from = w.Since.UTC().Year()
		}
		if !w.Until.IsZero() {
			to = w.Until.UTC().Year()
		}
		q.Set("date", strconv.Itoa(from)+":"+strconv.Itoa(to))
	}
	return q
}
