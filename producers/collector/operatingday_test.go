package collector_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/producers/iso/caiso"
	"github.com/aurum-energy/aurum/producers/iso/ercot"
	"github.com/aurum-energy/aurum/producers/iso/isone"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/producers/iso/miso"
	"github.com/aurum-energy/aurum/producers/iso/nyiso"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
	"github.com/aurum-energy/aurum/producers/iso/spp"
	"github.com/aurum-energy/aurum/topology"
)

// The daylight-saving changes of 2026 in the United States.
var (
	springForward = time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	fallBack      = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

// TestParseWindowOperatingDays checks the rule of --since/--until: a date
// is an operating day of the zone, from its first instant to its last,
// both included; 23 or 25 hours on a daylight-saving change.
func TestParseWindowOperatingDays(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		since, until string
		zone         *time.Location
		first        time.Time
		hours        int
	}{
		"UTC day":              {"2026-06-09", "2026-06-09", time.UTC, utc(2026, 6, 9, 0, 0), 24},
		"Eastern day":          {"2026-06-09", "2026-06-09", isotime.Eastern, utc(2026, 6, 9, 4, 0), 24},
		"Eastern spring":       {"2026-03-08", "2026-03-08", isotime.Eastern, utc(2026, 3, 8, 5, 0), 23},
		"Central fall":         {"2026-11-01", "2026-11-01", isotime.Central, utc(2026, 11, 1, 5, 0), 25},
		"Pacific two days":     {"2026-03-07", "2026-03-08", isotime.Pacific, utc(2026, 3, 7, 8, 0), 47},
		"RFC 3339 is instants": {"2026-03-08T05:00:00Z", "2026-03-08T06:00:00Z", isotime.Eastern, utc(2026, 3, 8, 5, 0), 1},
	} {
		w, err := collector.ParseWindow(tc.since, tc.until, tc.zone)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		last := tc.first.Add(time.Duration(tc.hours)*time.Hour - time.Nanosecond)
		if strings.Contains(tc.since, "T") {
			last = tc.first.Add(time.Duration(tc.hours) * time.Hour)
		}
		if !w.Since.Equal(tc.first) || !w.Until.Equal(last) {
			t.Errorf("%s: window %s to %s, want %s to %s", name, w.Since, w.Until, tc.first, last)
		}
	}
	for _, bad := range [][2]string{{"2026-13-01", ""}, {"", "tomorrow"}, {"2026-03-09", "2026-03-08"}} {
		if _, err := collector.ParseWindow(bad[0], bad[1], isotime.Eastern); err == nil {
			t.Errorf("--since %q --until %q accepted", bad[0], bad[1])
		}
	}
}

// TestSourcesCollectOperatingDaysAcrossDST runs every ISO source over
// `--since D --until D` for the two daylight-saving days, against a
// provider that answers as the ISO does (by file per operating day, or by
// the UTC range asked for) with one value an hour around D. What lands on
// the topic is exactly operating day D in the ISO's zone: 23 hours in
// spring, 25 in the fall; MISO's market days are EST all year, so 24.
func TestSourcesCollectOperatingDaysAcrossDST(t *testing.T) {
	t.Parallel()
	type dstCase struct {
		sourceCase
		day   time.Time
		first time.Time // the first hour of the day, UTC
		hours int
	}
	var cases []dstCase
	for _, d := range []struct {
		day   time.Time
		hours int
	}{{springForward, 23}, {fallBack, 25}} {
		at := func(loc *time.Location) time.Time {
			return time.Date(2026, d.day.Month(), d.day.Day(), 0, 0, 0, 0, loc).UTC()
		}
		cases = append(cases,
			dstCase{sourceCase: pjmDays(t, d.day), day: d.day, first: at(isotime.Eastern), hours: d.hours},
			dstCase{sourceCase: nyisoDays(d.day), day: d.day, first: at(isotime.Eastern), hours: d.hours},
			dstCase{sourceCase: isoneDays(d.day), day: d.day, first: at(isotime.Eastern), hours: d.hours},
			dstCase{sourceCase: sppDays(d.day), day: d.day, first: at(isotime.Central), hours: d.hours},
			dstCase{sourceCase: caisoRange(), day: d.day, first: at(isotime.Pacific), hours: d.hours},
			dstCase{sourceCase: ercotDocs(d.day), day: d.day, first: at(isotime.Central), hours: d.hours},
			dstCase{sourceCase: misoDays(d.day), day: d.day, first: at(time.FixedZone("EST", -5*3600)), hours: 24},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name+" "+tc.day.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			e := newSourceEnv(t)
			srv := httptest.NewServer(replayRoutes(t, tc.routes))
			t.Cleanup(srv.Close)
			date := tc.day.Format(time.DateOnly)
			tc.dates = [2]string{date, date}
			e.run(t, tc.sourceCase, srv.URL)
			got := e.points(t, tc.topic)
			if tc.name == "ercot" {
				// The window is on publish times: one document an hour, each
				// the whole recorded solar report.
				if len(got) != ercotSolarRecords*tc.hours {
					t.Errorf("%d records, want %d documents of %d", len(got), tc.hours, ercotSolarRecords)
				}
				return
			}
			hours := map[time.Time]bool{}
			for _, p := range got {
				hours[p.ts] = true
			}
			last := tc.first.Add(time.Duration(tc.hours-1) * time.Hour)
			for ts := range hours {
				if ts.Before(tc.first) || ts.After(last) {
					t.Errorf("hour %s is outside operating day %s (%s to %s)", ts.Format(time.RFC3339), date, tc.first.Format(time.RFC3339), last.Format(time.RFC3339))
				}
			}
			if len(hours) != tc.hours || !hours[tc.first] || !hours[last] {
				t.Errorf("%d hours, want %d from %s to %s", len(hours), tc.hours, tc.first.Format(time.RFC3339), last.Format(time.RFC3339))
			}
		})
	}
}

// localHours are the starts (UTC) of the hours of the local days from
// first to last in loc, with their wall clock.
func localHours(first, last time.Time, loc *time.Location) []time.Time {
	start, _ := collector.OperatingDay(first, loc)
	_, end := collector.OperatingDay(last, loc)
	var out []time.Time
	for t := start; t.Before(end); t = t.Add(time.Hour) {
		out = append(out, t)
	}
	return out
}

// around are the three days centred on day.
func around(day time.Time) []time.Time {
	return []time.Time{day.AddDate(0, 0, -1), day, day.AddDate(0, 0, 1)}
}

// pjmDays is PJM Data Miner with one zone's price every hour of the three
// Eastern days around day, filtered by the UTC range asked for.
func pjmDays(t *testing.T, day time.Time) sourceCase {
	var items []map[string]any
	for _, h := range localHours(day.AddDate(0, 0, -1), day.AddDate(0, 0, 1), isotime.Eastern) {
		items = append(items, map[string]any{"datetime_beginning_utc": h.Format("2006-01-02T15:04:05"),
			"pnode_id": 1, "pnode_name": "PJM-RTO", "type": "ZONE", "total_lmp_da": 30.5})
	}
	b, err := json.Marshal(map[string]any{"items": items, "totalRows": len(items)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "da_hrl_lmps.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return sourceCase{
		name: "pjm", client: pjm.ClientConfig, prefix: "/api/v1", topic: topology.TopicIsoLmp,
		build:  func() (collector.Source, error) { return pjm.New(pjm.Config{Feeds: []string{"da_hrl_lmps"}}) },
		routes: map[string]answer{"/api/v1/da_hrl_lmps": dataMiner(path)},
	}
}

// nyisoDays is NYISO's day-ahead zonal file of each day around day, its
// Eastern wall-clock stamps repeating 01:00 on the fall-back day.
func nyisoDays(day time.Time) sourceCase {
	routes := map[string]answer{}
	for _, d := range around(day) {
		var b strings.Builder
		b.WriteString("Time Stamp,Name,PTID,LBMP ($/MWHr),Marginal Cost Losses ($/MWHr),Marginal Cost Congestion ($/MWHr)\n")
		for _, h := range localHours(d, d, isotime.Eastern) {
			fmt.Fprintf(&b, "%s,CAPITL,61757,30.50,1.00,0.00\n", h.In(isotime.Eastern).Format("01/02/2006 15:04"))
		}
		routes[nyiso.Feeds["damlbmp_zone"].Path(d)] = text(b.String())
	}
	return sourceCase{
		name: "nyiso", client: nyiso.ClientConfig, topic: topology.TopicIsoLmp, routes: routes,
		build: func() (collector.Source, error) { return nyiso.New(nyiso.Config{Feeds: []string{"damlbmp_zone"}}) },
	}
}

// isoneDays is ISO-NE's hourly system load of each day around day, its
// BeginDate carrying the UTC offset as ISO-NE writes it.
func isoneDays(day time.Time) sourceCase {
	routes := map[string]answer{}
	for _, d := range around(day) {
		var loads []map[string]any
		for _, h := range localHours(d, d, isotime.Eastern) {
			loads = append(loads, map[string]any{"BeginDate": h.In(isotime.Eastern).Format("2006-01-02T15:04:05.000-07:00"),
				"Location": map[string]string{"@LocId": "32", "$": "NEPOOL AREA"}, "Load": 10000.5})
		}
		b, _ := json.Marshal(map[string]any{"HourlySystemLoads": map[string]any{"HourlySystemLoad": loads}})
		routes["/api/v1.1"+isone.Path("hourlysysload", d, "")] = text(string(b))
	}
	return sourceCase{
		name: "isone", client: isone.ClientConfig, prefix: "/api/v1.1", topic: topology.TopicIsoLoad, routes: routes,
		build: func() (collector.Source, error) { return isone.New(isone.Config{Feeds: []string{"hourlysysload"}}) },
	}
}

// sppDays is SPP's day-ahead file of each Central day around day.
func sppDays(day time.Time) sourceCase {
	routes := map[string]answer{}
	for _, d := range around(day) {
		var b strings.Builder
		b.WriteString("Interval,GMTIntervalEnd,Settlement Location,Pnode,LMP,MLC,MCC,MEC\n")
		for _, h := range localHours(d, d, isotime.Central) {
			end := h.Add(time.Hour)
			fmt.Fprintf(&b, "%s,%s,AEC,SOUC,20.5,0.5,0,20\n", end.In(isotime.Central).Format("01/02/2006 15:04:05"), end.Format("01/02/2006 15:04:05"))
		}
		routes["/file-browser-api/download/da-lmp-by-location?path="+spp.DayPath(d)] = text(b.String())
	}
	return sourceCase{
		name: "spp", client: spp.ClientConfig, topic: topology.TopicIsoLmp, routes: routes,
		build: func() (collector.Source, error) { return spp.New(spp.Config{Feeds: []string{"da"}}) },
	}
}

// caisoRange is OASIS answering the actual load of every hour in the GMT
// range asked for, zipped.
func caisoRange() sourceCase {
	const oasisTime = "20060102T15:04-0000"
	singleZip := func(r *http.Request) ([]byte, error) {
		from, err := time.Parse(oasisTime, r.URL.Query().Get("startdatetime"))
		if err != nil {
			return nil, err
		}
		to, err := time.Parse(oasisTime, r.URL.Query().Get("enddatetime"))
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		b.WriteString("INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,MARKET_RUN_ID,TAC_AREA_NAME,MW\n")
		for h := from.UTC(); h.Before(to); h = h.Add(time.Hour) {
			fmt.Fprintf(&b, "%s,%s,%s,1,ACTUAL,CA ISO-TAC,25000.5\n", h.Format("2006-01-02T15:04:05-07:00"),
				h.Add(time.Hour).Format("2006-01-02T15:04:05-07:00"), h.In(isotime.Pacific).Format(time.DateOnly))
		}
		return collectortest.Zip("SLD_FCST.csv", []byte(b.String())), nil
	}
	return sourceCase{
		name: "caiso", client: caiso.ClientConfig, prefix: "/oasisapi", topic: topology.TopicIsoLoad,
		routes: map[string]answer{"/oasisapi/SingleZip": singleZip},
		build:  func() (collector.Source, error) { return caiso.New(caiso.Config{Series: []string{"SLD_FCST:ACTUAL"}}) },
	}
}

// ercotSolarRecords are the records of the recorded NP4-737 report.
const ercotSolarRecords = 248

// ercotDocs is the MIS listing an NP4-737 document published at half past
// every Central hour of the days around day, each the recorded report.
func ercotDocs(day time.Time) sourceCase {
	var docs []map[string]any
	for _, h := range localHours(day.AddDate(0, 0, -1), day.AddDate(0, 0, 1), isotime.Central) {
		pub := h.Add(30 * time.Minute)
		docs = append(docs, map[string]any{"Document": map[string]string{
			"DocID": strconv.FormatInt(pub.Unix(), 10), "FriendlyName": "PVGRHRLYAVGACTNP4737_csv",
			"ReportTypeID": "13483", "PublishDate": pub.In(isotime.Central).Format(time.RFC3339),
		}})
	}
	list, _ := json.Marshal(map[string]any{"ListDocsByRptTypeRes": map[string]any{"DocumentList": docs}})
	return sourceCase{
		name: "ercot", client: ercot.ClientConfig, topic: topology.TopicIsoLoad,
		build: func() (collector.Source, error) { return ercot.New(ercot.Config{Series: []string{"solar"}}) },
		routes: map[string]answer{
			"/misapp/servlets/IceDocListJsonWS?reportTypeId=13483": text(string(list)),
			"/misdownload/servlets/mirDownload":                    zipped("../iso/ercot/testdata/mis-np4-737-PVGRHRLYAVGACTNP4737.csv"),
		},
	}
}

// misoDays is the recorded MISO ex-post report redated to each day around
// day: 24 hours ending EST, whatever the daylight-saving rules.
func misoDays(day time.Time) sourceCase {
	routes := map[string]answer{}
	for _, d := range around(day) {
		routes["/marketreports/"+d.Format("20060102")+"_da_expost_lmp.csv"] = patched("../iso/miso/testdata/da-expost-lmp-20260714.csv",
			"07/14/2026", d.Format("01/02/2006"))
	}
	return sourceCase{
		name: "miso", client: miso.ClientConfig, prefix: "/marketreports", topic: topology.TopicIsoLmp, routes: routes,
		build: func() (collector.Source, error) { return miso.New(miso.Config{}) },
	}
}

// text answers body.
func text(body string) answer {
	return func(*http.Request) ([]byte, error) { return []byte(body), nil }
}

func TestReach(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 1, 14, 37, 5, 0, time.FixedZone("EST", -5*3600))
	r, err := collector.Reach{Lookahead: 2 * time.Hour, Now: func() time.Time { return now }}.Or(collector.Reach{Lookback: 24 * time.Hour, Lookahead: 8 * time.Hour})
	if err != nil || r.Lookback != 24*time.Hour || r.Lookahead != 2*time.Hour {
		t.Fatalf("Or = %+v, %v; want the default lookback and the given lookahead", r, err)
	}
	hour := time.Date(2026, 11, 1, 19, 0, 0, 0, time.UTC)
	closed, at := r.Close(collector.Window{}, time.Hour)
	if want := (collector.Window{Since: hour.Add(-24 * time.Hour), Until: hour.Add(2 * time.Hour)}); closed != want || !at.Equal(now) || at.Location() != time.UTC {
		t.Errorf("open window closed to %+v at %s; want %+v at %s in UTC", closed, at, want, now)
	}
	given := collector.Window{Since: hour.Add(-time.Minute), Until: hour.Add(time.Minute)}
	if closed, _ := r.Close(given, 0); closed != given {
		t.Errorf("a closed window became %+v", closed)
	}
	if closed, _ := r.Close(collector.Window{Until: hour}, 0); !closed.Since.Equal(now.Add(-24 * time.Hour)) {
		t.Errorf("round 0: since %s, want %s", closed.Since, now.Add(-24*time.Hour))
	}
	if _, err := (collector.Reach{Lookback: -time.Hour}).Or(collector.Reach{}); err == nil {
		t.Error("a negative lookback is accepted")
	}
	if r, _ := (collector.Reach{}).Or(collector.Reach{}); r.Now == nil {
		t.Error("Or leaves Now nil")
	}
}
