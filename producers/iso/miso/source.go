package miso

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isofile"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
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
	// Reach's Lookback reaches back from now to the market day a window
	// without a start begins with, whole. Default 24h: yesterday.
	Reach collector.Reach
}

// Spec is `aurum collect miso`.
var Spec = collector.Spec[Config, *isofile.Source]{
	Name:    Name,
	Summary: "MISO day-ahead ex-post LMPs",
	Example: []string{"--nodes", "ILLINOIS.HUB", "--lookback", "48h"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, c *Config) {
		f.List(&c.Nodes, "nodes", "nodes to keep (ILLINOIS.HUB, ...)")
		f.Lookback(&c.Reach.Lookback)
	},
	New: New,
}

// New checks cfg and returns the source: the one day-ahead ex-post LMP
// series, a report per EST market day from the day Lookback before now
// (open) to tomorrow, whose prices MISO posts the day before.
func New(cfg Config) (*isofile.Source, error) {
	report := isofile.Feed{
		Ahead: true,
		File: func(_ collector.Series, p isofile.Period) (string, url.Values) {
			return "/" + p.Day.Format("20060102") + "_da_expost_lmp.csv", nil
		},
		Parse: func(body []byte, p isofile.Period, ingest time.Time) ([]collector.Record, error) {
			recs, err := ParseDAExPost(body, cfg.Nodes, ingest)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				if !r.DeliveryDate.Equal(p.Day) {
					return nil, fmt.Errorf("miso report for %s is dated %s: %w", p.Day.Format(time.DateOnly), r.DeliveryDate.Format(time.DateOnly), collector.ErrMalformed)
				}
			}
			return isorecord.Lmps(recs, nil), nil
		},
	}
	params := map[string]string{"feed": SeriesDAExPost}
	if len(cfg.Nodes) > 0 {
		params["nodes"] = strings.Join(cfg.Nodes, ",")
	}
	reach, err := cfg.Reach.Or(collector.Reach{Lookback: 24 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("miso: %w", err)
	}
	return isofile.New(isofile.Config{
		Name: Name, Zone: est,
		Feeds:  map[string]isofile.Feed{SeriesDAExPost: report},
		Series: []collector.Series{{Key: SeriesDAExPost, Params: params}},
		// A market day is collected whole, and its cursor is YYYY-MM-DD as
		// in the checkpoints MISO's collector has written.
		Reach: reach, WholeDays: true, DayLayout: time.DateOnly,
	})
}
