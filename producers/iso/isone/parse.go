package isone

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/schemas"
)

// Feed is one ISO-NE web-service load report.
type Feed struct {
	// Name is the feed as flags spell it and the service path segment.
	Name string
	// Plural and Singular are the JSON wrapper keys:
	// {"<Plural>":{"<Singular>":[...]}}; a single entry may come bare.
	Plural, Singular string
}

// Feeds are the load reports the source knows, by name.
var Feeds = map[string]Feed{
	// hourlysysload: hourly system load of the pool (NEPOOL AREA).
	"hourlysysload": {Name: "hourlysysload", Plural: "HourlySystemLoads", Singular: "HourlySystemLoad"},
	// realtimehourlydemand: hourly real-time demand of a load zone.
	"realtimehourlydemand": {Name: "realtimehourlydemand", Plural: "HourlyRtDemands", Singular: "HourlyRtDemand"},
}

// entry is one hourly load; only what Aurum keeps is decoded.
type entry struct {
	BeginDate string `json:"BeginDate"`
	Location  *struct {
		ID   string `json:"@LocId"`
		Name string `json:"$"`
	} `json:"Location"`
	Load *float64 `json:"Load"`
}

// beginLayout is BeginDate: local time with its UTC offset.
const beginLayout = "2006-01-02T15:04:05.000-07:00"

// Parse reads one ISO-NE JSON answer of feed f into hourly actual load
// records stamped ingest. A body that is not such JSON, or an entry
// without BeginDate or Load, wraps collector.ErrMalformed; an answer with
// an empty wrapper (a day not published) has no records.
//
// Mapping: BeginDate carries its offset ("2024-11-03T01:00:00.000-04:00"
// and "...-05:00" are the two 01:00 hours of the fall-back day), so UTC is
// exact without a zone database; area is the Location name as ISO-NE
// writes it ("NEPOOL AREA", ".Z.MAINE"), "ISONE" when there is none; mw is
// Load (native load plus asset-related demand); forecast is false;
// intervals are 60 minutes.
func Parse(body []byte, f Feed, ingest time.Time) ([]schemas.IsoLoadRecord, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("isone %s: %w: %v", f.Name, collector.ErrMalformed, err)
	}
	raw, ok := top[f.Singular]
	if wrapped, found := top[f.Plural]; found {
		var inner map[string]json.RawMessage
		if isEmpty(wrapped) {
			return nil, nil
		}
		if err := json.Unmarshal(wrapped, &inner); err != nil {
			return nil, fmt.Errorf("isone %s: %w: %s: %v", f.Name, collector.ErrMalformed, f.Plural, err)
		}
		raw, ok = inner[f.Singular]
	}
	if !ok {
		return nil, fmt.Errorf("isone %s: %w: no %s in answer %.200s", f.Name, collector.ErrMalformed, f.Singular, body)
	}
	var entries []entry
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		raw = append(append([]byte{'['}, raw...), ']')
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("isone %s: %w: %v", f.Name, collector.ErrMalformed, err)
	}
	out := make([]schemas.IsoLoadRecord, 0, len(entries))
	for i, e := range entries {
		r, err := mapEntry(e, ingest)
		if err != nil {
			return nil, fmt.Errorf("isone %s entry %d: %w: %v", f.Name, i, collector.ErrMalformed, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func isEmpty(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == `""` || s == "null" || s == "{}"
}

func mapEntry(e entry, ingest time.Time) (schemas.IsoLoadRecord, error) {
	t, err := time.Parse(beginLayout, e.BeginDate)
	if err != nil {
		return schemas.IsoLoadRecord{}, fmt.Errorf("BeginDate %q: want 2006-01-02T15:04:05.000-07:00", e.BeginDate)
	}
	if e.Load == nil {
		return schemas.IsoLoadRecord{}, fmt.Errorf("no Load at %s", e.BeginDate)
	}
	area := "ISONE"
	if e.Location != nil && strings.TrimSpace(e.Location.Name) != "" {
		area = strings.TrimSpace(e.Location.Name)
	}
	start := t.UTC()
	end := start.Add(time.Hour)
	return schemas.IsoLoadRecord{
		IsoCode:         schemas.IsoISONE,
		Area:            area,
		IntervalStart:   start,
		IntervalEnd:     &end,
		IntervalMinutes: isorecord.Minutes(60),
		MW:              *e.Load,
		Forecast:        false,
		IngestTS:        ingest,
	}, nil
}
