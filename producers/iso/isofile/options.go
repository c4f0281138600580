package isofile

import (
	"fmt"
	"maps"
	"slices"
	"strings"
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
	// Reach is how far a window left open reaches; a zero Lookback is the
	// source's default.
	Reach collector.Reach
}

// OptionFlags declares --feeds, --locations and --lookback into Options
// (a collector.Spec's Flags), saying what feeds and locations are to the
// source.
func OptionFlags(feeds, locations string) func(f *collector.Flags, o *Options) {
	return func(f *collector.Flags, o *Options) {
		f.List(&o.Feeds, "feeds", feeds)
		f.List(&o.Locations, "locations", locations)
		f.Lookback(&o.Reach.Lookback)
	}
}

// Table is what a source with feeds and locations declares: its name,
// zone and default lookback, its feeds by name and those collected when
// Options name none, and how each feed chosen is read and which series
// are collected from it. Its New is then the source's constructor.
type Table[F any] struct {
	Name     string
	Zone     *time.Location
	Lookback time.Duration
	Feeds    map[string]F
	Defaults []string
	// Feed builds the feed name of Feeds: how its files are read, and the
	// series (each naming the feed in Params["feed"]) collected from it.
	Feed func(name string, f F) (Feed, []collector.Series, error)
}

// New returns the source of the feeds o chooses of t, reaching as o does
// (back t's Lookback by default).
func (t Table[F]) New(o Options) (*Source, error) {
	names, err := SelectFeeds(t.Name, t.Feeds, o.Feeds, t.Defaults...)
	if err != nil {
		return nil, err
	}
	feeds := make(map[string]Feed, len(names))
	var series []collector.Series
	for _, name := range names {
		feed, ss, err := t.Feed(name, t.Feeds[name])
		if err != nil {
			return nil, err
		}
		feeds[name], series = feed, append(series, ss...)
	}
	reach, err := o.Reach.Or(collector.Reach{Lookback: t.Lookback})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.Name, err)
	}
	return New(Config{Name: t.Name, Zone: t.Zone, Feeds: feeds, Series: series, Reach: reach})
}

// SelectFeeds returns names trimmed and lower-cased, or defaults when
// there are none; a name table does not have is an error naming the
// source and the feeds it has.
func SelectFeeds[F any](source string, table map[string]F, names []string, defaults ...string) ([]string, error) {
	if len(names) == 0 {
		names = defaults
	}
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = strings.ToLower(strings.TrimSpace(name))
		if _, ok := table[out[i]]; !ok {
			return nil, fmt.Errorf("%s: feed %q is not supported (%s)", source, out[i], strings.Join(slices.Sorted(maps.Keys(table)), ", "))
		}
	}
	return out, nil
}

// Locations are the locations a source keeps, by id or name; none keeps
// every location.
type Locations map[string]bool

// Kept returns o's locations, trimmed.
func (o Options) Kept() Locations {
	l := Locations{}
	for _, id := range o.Locations {
		l[strings.TrimSpace(id)] = true
	}
	return l
}

// Keep reports whether the location known by any of ids is kept.
func (l Locations) Keep(ids ...string) bool {
	return len(l) == 0 || slices.ContainsFunc(ids, func(id string) bool { return l[id] })
}
