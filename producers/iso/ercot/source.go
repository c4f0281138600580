package ercot

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// Name is the collector's name: `aurum collect ercot`.
const Name = "ercot"

// DefaultBaseURL is the host of the MIS servlets and the dashboards.
const DefaultBaseURL = "https://www.ercot.com"

// Paths under the base URL.
const (
	docListPath   = "/misapp/servlets/IceDocListJsonWS"
	downloadPath  = "/misdownload/servlets/mirDownload"
	dashboardPath = "/api/1/services/read/dashboards/loadForecastVsActual.json"
)

// ClientConfig returns the ERCOT defaults of the runtime's HTTP client: the
// real base URL, no API key (the MIS public reports and dashboards need
// none), one request a second.
func ClientConfig() collector.ClientConfig {
	return collector.ClientConfig{Source: Name, BaseURL: DefaultBaseURL, Rate: rate.Limit(1)}
}

// Report is one ERCOT feed the source knows.
type Report struct {
	// Name is the series key and the --series value.
	Name string
	// ReportTypeID is the MIS report type; 0 for the dashboard.
	ReportTypeID int
}

// Reports are the feeds the source knows, by name:
//
//   - load-forecast: NP3-560-CD seven-day load forecast by forecast zone
//     (reportTypeId 12311) → IsoLoadRecord, forecast, of the zones and
//     ForecastZoneTotal.
//   - solar: NP4-737-CD hourly solar production, actual and forecast
//     (13483) → IsoLoadRecord of SolarArea. Generation, not load: off by
//     default.
//   - dam-spp: NP4-190-CD DAM settlement point prices (12331) →
//     IsoLmpRecord, DAY_AHEAD.
//   - dashboard: the ercot.com load forecast vs actual dashboard →
//     IsoLoadRecord of SystemArea, actual and forecast.
var Reports = map[string]Report{
	"load-forecast": {Name: "load-forecast", ReportTypeID: 12311},
	"solar":         {Name: "solar", ReportTypeID: 13483},
	"dam-spp":       {Name: "dam-spp", ReportTypeID: 12331},
	"dashboard":     {Name: "dashboard"},
}

// Config of the ERCOT source. The zero value is usable: New fills the
// defaults.
type Config struct {
	// Series are names of Reports. Default: dam-spp, load-forecast,
	// dashboard.
	Series []string
	// SettlementPoints keeps only these points of dam-spp (e.g. HB_NORTH,
	// LZ_HOUSTON); empty keeps all of them.
	SettlementPoints []string
	// Reach's Lookback is how far before now an MIS window without a
	// start reaches: the MIS keeps days of hourly reports, and an
	// unbounded first run would download them all. Default 24 hours. A
	// window without an end takes every document listed.
	Reach collector.Reach
}

// Spec is `aurum collect ercot`.
var Spec = collector.Spec[Config, *Source]{
	Name:    Name,
	Summary: "ERCOT prices and load (dam-spp, load-forecast, dashboard)",
	Example: []string{"--series", "dam-spp,dashboard", "--locations", "HB_NORTH", "--lookback", "24h"},
	Client:  ClientConfig,
	Flags: func(f *collector.Flags, c *Config) {
		f.List(&c.Series, "series", "reports (dam-spp, load-forecast, solar, dashboard)")
		f.List(&c.SettlementPoints, "locations", "settlement points to keep")
		f.Lookback(&c.Reach.Lookback)
	},
	New: New,
}

// Source is the ERCOT source. Build it with New.
type Source struct {
	cfg    Config
	series []collector.Series
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Source, error) {
	if len(cfg.Series) == 0 {
		cfg.Series = []string{"dam-spp", "load-forecast", "dashboard"}
	}
	var err error
	if cfg.Reach, err = cfg.Reach.Or(collector.Reach{Lookback: 24 * time.Hour}); err != nil {
		return nil, fmt.Errorf("ercot: %w", err)
	}
	s := &Source{cfg: cfg}
	for _, name := range cfg.Series {
		r, ok := Reports[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			known := make([]string, 0, len(Reports))
			for k := range Reports {
				known = append(known, k)
			}
			slices.Sort(known)
			return nil, fmt.Errorf("ercot: unknown series %q (known: %s)", name, strings.Join(known, ", "))
		}
		s.series = append(s.series, collector.Series{
			Key:    r.Name,
			Params: map[string]string{"report": r.Name, "reportTypeId": strconv.Itoa(r.ReportTypeID)},
		})
	}
	return s, nil
}

// Name is the collector's name.
func (s *Source) Name() string { return Name }

// Zone is Central prevailing time: ERCOT's operating days, which the
// dates of a window name.
func (s *Source) Zone() *time.Location { return isotime.Central }

// Series lists one series per configured report.
func (s *Source) Series(context.Context) ([]collector.Series, error) { return s.series, nil }

// Fetch requests one page of se within w.
//
// For an MIS report a page is one document. The window bounds the
// documents' publish time (an open start reaches Lookback back), each
// document is published whole, and the watermark is its publish time: a
// later run takes the newer documents, so forecast revisions arrive as
// ERCOT publishes them. The cursor lists the documents still to fetch,
// "DocID@unix-seconds" joined by commas, oldest first.
//
// The dashboard is one page; the window bounds interval starts and the
// watermark is the latest hour with an actual load, so the next run takes
// the hours that follow and the forecasts revised since.
func (s *Source) Fetch(ctx context.Context, g collector.Getter, se collector.Series, w collector.Window, cursor string) (collector.Page, error) {
	now := s.cfg.Reach.Now().UTC()
	if se.Params["report"] == "dashboard" {
		return s.fetchDashboard(ctx, g, w, now)
	}
	queue, err := parseCursor(cursor)
	if err != nil {
		return collector.Page{}, err
	}
	if cursor == "" {
		q := url.Values{"reportTypeId": {se.Params["reportTypeId"]}}
		body, err := g.Get(ctx, docListPath, q)
		if err != nil {
			return collector.Page{}, fmt.Errorf("ercot %s document list: %w", se.Key, err)
		}
		docs, err := ParseDocumentList(body)
		if err != nil {
			return collector.Page{}, fmt.Errorf("ercot %s: %w", se.Key, err)
		}
		since := w.Since
		if since.IsZero() {
			since = now.Add(-s.cfg.Reach.Lookback)
		}
		for _, d := range docs {
			if (collector.Window{Since: since, Until: w.Until}).Contains(d.Published) {
				queue = append(queue, d)
			}
		}
		if len(queue) == 0 {
			return collector.Page{}, nil
		}
	}
	doc := queue[0]
	body, err := g.Get(ctx, downloadPath, url.Values{"doclookupId": {doc.DocID}})
	if err != nil {
		return collector.Page{}, fmt.Errorf("ercot %s document %s: %w", se.Key, doc.DocID, err)
	}
	_, data, err := collector.Unzip(body)
	if err != nil {
		return collector.Page{}, fmt.Errorf("ercot %s document %s: %w", se.Key, doc.DocID, err)
	}
	page := collector.Page{Next: formatCursor(queue[1:]), Watermark: doc.Published}
	switch se.Params["report"] {
	case "dam-spp":
		recs, err := ParseDAMSPP(data, s.cfg.SettlementPoints, now)
		if err != nil {
			return collector.Page{}, fmt.Errorf("ercot %s document %s: %w", se.Key, doc.DocID, err)
		}
		page.Records = isorecord.Lmps(recs, nil)
	case "load-forecast", "solar":
		parse := ParseLoadForecast
		if se.Params["report"] == "solar" {
			parse = ParseSolar
		}
		recs, err := parse(data, now)
		if err != nil {
			return collector.Page{}, fmt.Errorf("ercot %s document %s: %w", se.Key, doc.DocID, err)
		}
		page.Records = isorecord.Loads(recs)
	default:
		return collector.Page{}, fmt.Errorf("ercot: series %s has unknown report %q", se.Key, se.Params["report"])
	}
	// The window bounds the document's publish time, not its rows' hours
	// (a forecast reaches days ahead): that is what places them in it.
	for i := range page.Records {
		page.Records[i].Time = doc.Published
	}
	return page, nil
}

func (s *Source) fetchDashboard(ctx context.Context, g collector.Getter, w collector.Window, now time.Time) (collector.Page, error) {
	body, err := g.Get(ctx, dashboardPath, nil)
	if err != nil {
		return collector.Page{}, fmt.Errorf("ercot dashboard: %w", err)
	}
	recs, err := ParseDashboard(body, now)
	if err != nil {
		return collector.Page{}, err
	}
	var page collector.Page
	var kept []schemas.IsoLoadRecord
	for _, r := range recs {
		if !w.Contains(r.IntervalStart) {
			continue
		}
		kept = append(kept, r)
		if !r.Forecast && r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	page.Records = isorecord.Loads(kept)
	return page, nil
}

func formatCursor(docs []Document) string {
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = d.DocID + "@" + strconv.FormatInt(d.Published.Unix(), 10)
	}
	return strings.Join(parts, ",")
}

func parseCursor(cursor string) ([]Document, error) {
	if cursor == "" {
		return nil, nil
	}
	var out []Document
	for _, p := range strings.Split(cursor, ",") {
		id, sec, ok := strings.Cut(p, "@")
		n, err := strconv.ParseInt(sec, 10, 64)
		if !ok || id == "" || err != nil {
			return nil, fmt.Errorf("ercot: cursor entry %q: want DocID@unix-seconds", p)
		}
		out = append(out, Document{DocID: id, Published: time.Unix(n, 0).UTC()})
	}
	return out, nil
}

// Source is a collector.Source.
var _ collector.Source = (*Source)(nil)
