// Package isone collects ISO New England hourly load from its web services
// (https://webservices.iso-ne.com/api/v1.1/...) into aurum.iso.load.v1,
// one day per request, on the daily-file mechanism of isofile.
//
// Flags of `aurum collect isone` map onto Config: --feeds (hourlysysload,
// realtimehourlydemand) and --locations (ISO-NE location ids: 32 is
// NEPOOL AREA, 4001..4008 the load zones). ISO-NE wants HTTP basic auth:
// put the ISO Express user and password in the base URL
// (AURUM_ISONE_BASE_URL=https://user:pass@webservices.iso-ne.com/api/v1.1),
// which Go's HTTP client sends as the Authorization header.
package isone

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isofile"
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

// Config says which reports and locations the source collects: Feeds are
// keys of Feeds, default hourlysysload; Locations are ISO-NE location ids
// (hourlysysload without locations asks for the whole pool,
// realtimehourlydemand needs at least one); a window without a start
// begins Lookback before now (default 48h), one without an end reaches
// now. The zero value collects the pool's hourly system load.
type Config = isofile.Options

// Spec is `aurum collect isone`.
var Spec = collector.Spec[Config, *isofile.Source]{
	Name:    "isone",
	Summary: "ISO-NE hourly load",
	Example: []string{"--feeds", "hourlysysload,realtimehourlydemand", "--locations", "4001", "--lookback", "48h"},
	Client:  ClientConfig,
	Flags:   isofile.OptionFlags("reports (hourlysysload, realtimehourlydemand)", "location ids"),
	New:     New,
}

// New checks cfg and returns the source: one series per report and
// location, each a file per Eastern operating day.
func New(cfg Config) (*isofile.Source, error) {
	for _, id := range cfg.Locations {
		if _, err := strconv.Atoi(strings.TrimSpace(id)); err != nil {
			return nil, fmt.Errorf("isone: location %q: want a numeric location id", id)
		}
	}
	return isofile.Table[Feed]{
		Name: "isone", Zone: isotime.Eastern, Lookback: 48 * time.Hour,
		Feeds: Feeds, Defaults: []string{"hourlysysload"},
		Feed: func(name string, f Feed) (isofile.Feed, []collector.Series, error) {
			feed := isofile.Feed{
				File: func(s collector.Series, p isofile.Period) (string, url.Values) {
					return Path(f.Name, p.Day, s.Params["location"]), nil
				},
				Parse: func(body []byte, _ isofile.Period, ingest time.Time) ([]collector.Record, error) {
					recs, err := Parse(body, f, ingest)
					return isorecord.Loads(recs), err
				},
			}
			if len(cfg.Locations) == 0 {
				if name == "realtimehourlydemand" {
					return feed, nil, errors.New("isone: realtimehourlydemand needs locations (4001..4008)")
				}
				return feed, []collector.Series{{Key: name, Params: map[string]string{"feed": name}}}, nil
			}
			var series []collector.Series
			for _, id := range cfg.Locations {
				id = strings.TrimSpace(id)
				series = append(series, collector.Series{
					Key:    name + " location=" + id,
					Params: map[string]string{"feed": name, "location": id},
				})
			}
			return feed, series, nil
		},
	}.New(cfg)
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
