package isofile_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/producers/iso/isofile"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// hourly is a feed whose file of a day is one record a line, each line
// the RFC 3339 start of an hour.
var hourly = isofile.Feed{
	File: func(_ collector.Series, p isofile.Period) (string, url.Values) {
		return "/" + p.Day.Format(isotime.DayLayout) + ".txt", nil
	},
	Parse: func(body []byte, _ isofile.Period, _ time.Time) ([]collector.Record, error) {
		var out []collector.Record
		for line := range strings.FieldsSeq(string(body)) {
			ts, err := time.Parse(time.RFC3339, line)
			if err != nil {
				return nil, collector.ErrMalformed
			}
			out = append(out, collector.Record{Topic: "t", Key: line, Value: line, Time: ts})
		}
		return out, nil
	},
}

// day is the file of 2026-06-09 (Eastern): its 24 hours, 04:00 to 03:00
// UTC.
func day() []byte {
	var b strings.Builder
	for h := range 24 {
		b.WriteString(time.Date(2026, 6, 9, 4+h, 0, 0, 0, time.UTC).Format(time.RFC3339) + "\n")
	}
	return []byte(b.String())
}

func source(t *testing.T, cfg isofile.Config) (*isofile.Source, collector.Series) {
	t.Helper()
	cfg.Name, cfg.Zone = "test", isotime.Eastern
	if cfg.Feeds == nil {
		cfg.Feeds = map[string]isofile.Feed{"hourly": hourly}
	}
	cfg.Series = []collector.Series{{Key: "hourly", Params: map[string]string{"feed": "hourly"}}}
	s, err := isofile.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, cfg.Series[0]
}

func TestOpenWindow(t *testing.T) {
	t.Parallel()
	// 2026-06-10 10:00 UTC is 06:00 EDT on the 10th.
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		cfg     isofile.Config
		records int
		next    string
	}{
		// From 10:00 UTC on the 9th: the day's hours from then on.
		"lookback":   {isofile.Config{Reach: collector.Reach{Lookback: 24 * time.Hour}}, 18, "20260610"},
		"whole days": {isofile.Config{Reach: collector.Reach{Lookback: 24 * time.Hour}, WholeDays: true}, 24, "20260610"},
		"day layout": {isofile.Config{Reach: collector.Reach{Lookback: 24 * time.Hour}, DayLayout: time.DateOnly}, 18, "2026-06-10"},
	} {
		cfg := tc.cfg
		cfg.Reach.Now = func() time.Time { return now }
		s, se := source(t, cfg)
		g := collectortest.NewGetter(map[string][]byte{"/20260609.txt": day()})
		p, err := s.Fetch(context.Background(), g, se, collector.Window{}, "")
		if err != nil || len(p.Records) != tc.records || p.Next != tc.next {
			t.Errorf("%s: %d records, next %q, %v; want %d, %q", name, len(p.Records), p.Next, err, tc.records, tc.next)
		}
		// Today's file is not posted yet: the series ends quietly.
		if p, err := s.Fetch(context.Background(), g, se, collector.Window{}, p.Next); err != nil || p.Next != "" || len(p.Records) != 0 {
			t.Errorf("%s: unposted day: %+v, %v", name, p, err)
		}
	}
}

func TestAheadAndMissing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	ahead := hourly
	ahead.Ahead = true
	s, se := source(t, isofile.Config{Feeds: map[string]isofile.Feed{"hourly": ahead}, Reach: collector.Reach{Lookback: time.Hour, Now: func() time.Time { return now }}})
	g := collectortest.NewGetter(nil)
	// An open window reaches tomorrow, the 11th.
	p, err := s.Fetch(context.Background(), g, se, collector.Window{}, "20260611")
	if err != nil || p.Next != "" || g.Requests()[0].Path != "/20260611.txt" {
		t.Errorf("tomorrow: %+v %v %v", p, err, g.Requests())
	}
	// A past day missing is an error, not an empty page.
	w := collector.Days(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Time{}, isotime.Eastern)
	if _, err := s.Fetch(context.Background(), g, se, w, ""); err == nil {
		t.Error("missing past day accepted")
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]isofile.Config{
		"negative lookback": {Name: "x", Zone: time.UTC, Feeds: map[string]isofile.Feed{"f": hourly}, Reach: collector.Reach{Lookback: -time.Hour}},
		"unknown feed": {Name: "x", Zone: time.UTC, Feeds: map[string]isofile.Feed{"f": hourly},
			Series: []collector.Series{{Key: "g", Params: map[string]string{"feed": "g"}}}},
		"no zone": {Name: "x", Feeds: map[string]isofile.Feed{"f": hourly}},
	} {
		if _, err := isofile.New(cfg); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	table := map[string]isofile.Feed{"da": hourly, "rtbm": hourly}
	if got, err := isofile.SelectFeeds("spp", table, []string{" DA ", "rtbm"}); err != nil || strings.Join(got, ",") != "da,rtbm" {
		t.Errorf("feeds %v, %v", got, err)
	}
	if got, _ := isofile.SelectFeeds("spp", table, nil, "da"); strings.Join(got, ",") != "da" {
		t.Errorf("default feeds %v", got)
	}
	if _, err := isofile.SelectFeeds("spp", table, []string{"rt"}); err == nil || !strings.Contains(err.Error(), `spp: feed "rt" is not supported (da, rtbm)`) {
		t.Errorf("unknown feed: %v", err)
	}
	keep := isofile.Options{Locations: []string{" 61757", "N.Y.C."}}.Kept()
	if !keep.Keep("61757") || !keep.Keep("61761", "N.Y.C.") || keep.Keep("61752", "WEST") || !(isofile.Options{}).Kept().Keep("any") {
		t.Errorf("kept %v", keep)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	table := isofile.Table[string]{
		Name: "newiso", Zone: isotime.Eastern, Lookback: 6 * time.Hour,
		Feeds: map[string]string{"da": "day-ahead", "rt": "real-time"}, Defaults: []string{"da"},
		Feed: func(name, f string) (isofile.Feed, []collector.Series, error) {
			if f == "real-time" {
				return hourly, nil, errors.New("rt: not posted")
			}
			return hourly, []collector.Series{
				{Key: name + " a", Params: map[string]string{"feed": name}},
				{Key: name + " b", Params: map[string]string{"feed": name}},
			}, nil
		},
	}
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	src, err := table.New(isofile.Options{Reach: collector.Reach{Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	series, _ := src.Series(context.Background())
	if len(series) != 2 || series[0].Key != "da a" || series[1].Key != "da b" || src.Name() != "newiso" || src.Zone() != isotime.Eastern {
		t.Errorf("source %s in %s, series %+v; want the default feed's two series", src.Name(), src.Zone(), series)
	}
	// An open window begins the table's lookback (6h) before now, on the
	// 10th (08:00 EDT); the options' own lookback, when given, wins. (No
	// file is posted: the past day's answer is an error, today's is not.)
	for lookback, first := range map[time.Duration]string{0: "/20260610.txt", 24 * time.Hour: "/20260609.txt"} {
		src, err := table.New(isofile.Options{Reach: collector.Reach{Lookback: lookback, Now: func() time.Time { return now }}})
		if err != nil {
			t.Fatal(err)
		}
		g := collectortest.NewGetter(nil)
		_, _ = src.Fetch(context.Background(), g, series[0], collector.Window{}, "")
		if r := g.Requests(); len(r) == 0 || r[0].Path != first {
			t.Errorf("lookback %s: asked for %v, want %s first", lookback, r, first)
		}
	}
	if _, err := table.New(isofile.Options{Feeds: []string{"da", "rt"}}); err == nil || err.Error() != "rt: not posted" {
		t.Errorf("a feed that cannot be built: %v", err)
	}
	if _, err := table.New(isofile.Options{Feeds: []string{"rtpd"}}); err == nil || !strings.Contains(err.Error(), `newiso: feed "rtpd" is not supported (da, rt)`) {
		t.Errorf("an unknown feed: %v", err)
	}
	if _, err := table.New(isofile.Options{Reach: collector.Reach{Lookback: -time.Hour}}); err == nil {
		t.Error("a negative lookback is accepted")
	}
}
