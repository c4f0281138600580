// Package nyiso collects NYISO zonal and generator LBMPs from the MIS CSV
// files (http://mis.nyiso.com/public/csv/...) into aurum.iso.lmp.v1, one
// file per operating day, on the daily-file mechanism of isofile.
//
// Flags of `aurum collect nyiso` map onto Config: --feeds (damlbmp_zone,
// realtime_zone, damlbmp_gen, realtime_gen) and --locations (PTIDs or
// names to keep). NYISO needs no API key.
package nyiso

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isofile"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// BaseURL is the MIS root the file paths are relative to.
const BaseURL = "http://mis.nyiso.com"

// ClientConfig is the default collector client of NYISO: the MIS root, no
// API key, a file a second. The composition root sets BaseURL from
// AURUM_NYISO_BASE_URL.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: "nyiso", BaseURL: BaseURL, Rate: rate.Limit(1)}
}

// Config says which files and locations the source collects: Feeds are
// keys of Feeds, default damlbmp_zone and realtime_zone; Locations keep
// only these PTIDs or names, empty keeps all; a window without a start
// begins Lookback before now (default 24h), one without an end reaches
// the end of tomorrow (day-ahead prices are posted the day before). The
// zero value collects day-ahead and real-time zonal LBMPs of every zone.
type Config = isofile.Options

// Spec is `aurum collect nyiso`.
var Spec = collector.Spec[Config, *isofile.Source]{
	Name:    "nyiso",
	Summary: "NYISO MIS LBMPs",
	Example: []string{"--feeds", "damlbmp_zone", "--locations", "61757,N.Y.C.", "--lookback", "24h"},
	Client:  ClientConfig,
	Flags:   isofile.OptionFlags("LBMP files (damlbmp_zone, realtime_zone, damlbmp_gen, realtime_gen)", "PTIDs or names to keep"),
	New:     New,
}

// New checks cfg and returns the source: one series per feed, each a file
// per Eastern operating day, of the locations kept.
func New(cfg Config) (*isofile.Source, error) {
	keep := cfg.Kept()
	// A location is kept by its PTID or its name.
	kept := func(r schemas.IsoLmpRecord) bool {
		if r.LocationName != nil {
			return keep.Keep(r.LocationID, *r.LocationName)
		}
		return keep.Keep(r.LocationID)
	}
	return isofile.Table[Feed]{
		Name: "nyiso", Zone: isotime.Eastern, Lookback: 24 * time.Hour,
		Feeds: Feeds, Defaults: []string{"damlbmp_zone", "realtime_zone"},
		Feed: func(name string, f Feed) (isofile.Feed, []collector.Series, error) {
			key := name
			if len(keep) > 0 {
				key += " locations=" + strings.Join(slices.Sorted(maps.Keys(keep)), ";")
			}
			return isofile.Feed{
				// Every feed's open window reaches tomorrow (see Config);
				// tomorrow's real-time file is not posted yet, which ends
				// the series quietly.
				Ahead: true,
				File:  func(_ collector.Series, p isofile.Period) (string, url.Values) { return f.Path(p.Day), nil },
				Parse: func(body []byte, _ isofile.Period, ingest time.Time) ([]collector.Record, error) {
					recs, err := Parse(body, f, ingest)
					return isorecord.Lmps(recs, kept), err
				},
			}, []collector.Series{{Key: key, Params: map[string]string{"feed": name}}}, nil
		},
	}.New(cfg)
}
