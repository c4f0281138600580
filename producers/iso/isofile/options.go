package isofile

import (
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Options are what a user chooses of a source with feeds and locations
// (ISO-NE, NYISO, SPP): the --feeds, --locations and --lookback flags of
// `aurum collect`. Each such package says what its feeds and locations
// are, and its defaults.
type Options struct {
	// Feeds are keys of the source's feed table; empty: its default feeds.
	Feeds []string
	// Locations narrow what is collected (each package says how); empty:
	// every location.
	Locations []string
	// Lookback is how far before now a window without a start begins;
	// zero: the source's default.
	Lookback time.Duration
	// Now is the clock of ingest_ts and open windows. Default time.Now.
	Now func() time.Time
}

// OptionFlags declares --feeds, --locations and --lookback into Options
// (a collector.Spec's Flags), saying what feeds and locations are to the
// source.
func OptionFlags(feeds, locations string) func(f *collector.Flags, o *Options) {
	return func(f *collector.Flags, o *Options) {
		f.List(&o.Feeds, "feeds", feeds)
		f.List(&o.Locations, "locations", locations)
		f.Lookback(&o.Lookback)
	}
}
