// Package spp collects SPP LMPs by settlement location from the
// marketplace file browser (https://portal.spp.org/file-browser-api/...)
// into aurum.iso.lmp.v1, on the file mechanism of isofile: RTBM one
// 5-minute file per request, day-ahead one operating day per request.
//
// Flags of `aurum collect spp` map onto Config: --feeds (rtbm, da) and
// --locations (settlement locations to keep). SPP needs no API key.
package spp

import (
	"net/url"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isofile"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// BaseURL is the marketplace root the download paths are relative to.
const BaseURL = "https://portal.spp.org"

// ClientConfig is the default collector client of SPP: the marketplace
// root, no API key, a file a second. The composition root sets BaseURL
// from AURUM_SPP_BASE_URL.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: "spp", BaseURL: BaseURL, Rate: rate.Limit(1)}
}

// Config says which files and locations the source collects: Feeds are
// keys of Feeds, default da; Locations keep only these settlement
// locations (location_id, e.g. SPPNORTH_HUB or SWPW:AESO), empty keeps
// all; a window without a start begins Lookback before now (default 1h),
// one without an end reaches now (RTBM) or the end of tomorrow (DA). The
// zero value collects day-ahead LMPs of every settlement location.
type Config = isofile.Options

// Spec is `aurum collect spp`.
var Spec = collector.Spec[Config, *isofile.Source]{
	Name:    "spp",
	Summary: "SPP LMPs by settlement location",
	Example: []string{"--feeds", "da,rtbm", "--locations", "SPPNORTH_HUB", "--lookback", "1h"},
	Client:  ClientConfig,
	Flags:   isofile.OptionFlags("markets (da, rtbm)", "settlement points to keep"),
	New:     New,
}

// New checks cfg and returns the source: one series per feed, each a file
// per Central operating day (DA) or per 5-minute interval (RTBM), of the
// locations kept.
func New(cfg Config) (*isofile.Source, error) {
	keep := cfg.Kept()
	kept := func(r schemas.IsoLmpRecord) bool { return keep.Keep(r.LocationID) }
	return isofile.Table[Feed]{
		Name: "spp", Zone: isotime.Central, Lookback: time.Hour, Feeds: Feeds, Defaults: []string{"da"},
		Feed: func(name string, f Feed) (isofile.Feed, []collector.Series, error) {
			file := func(p isofile.Period) string { return DayPath(p.Day) }
			feed := isofile.Feed{Ahead: true}
			if f.Name == "rtbm" {
				file = func(p isofile.Period) string { return IntervalPath(p.End) }
				feed = isofile.Feed{Interval: rtbmInterval, Skip: func(p isofile.Period) bool { return repeatedName(p.End) }}
			}
			feed.File = func(_ collector.Series, p isofile.Period) (string, url.Values) {
				return "/file-browser-api/download/" + f.Download, url.Values{"path": {file(p)}}
			}
			feed.Parse = func(body []byte, _ isofile.Period, ingest time.Time) ([]collector.Record, error) {
				recs, err := Parse(body, f, ingest)
				return isorecord.Lmps(recs, kept), err
			}
			return feed, []collector.Series{{Key: name, Params: map[string]string{"feed": name}}}, nil
		},
	}.New(cfg)
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

const rtbmInterval = 5 * time.Minute

// repeatedName reports whether end falls in the second pass of a
// fall-back hour, whose Central wall clock was already read an hour ago:
// the first pass fetched the files of those names.
func repeatedName(end time.Time) bool {
	a := end.In(isotime.Central).Format(time.DateTime)
	b := end.Add(-time.Hour).In(isotime.Central).Format(time.DateTime)
	return a == b
}
