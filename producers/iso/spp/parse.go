package spp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// Feed is one SPP marketplace LMP-by-settlement-location file family.
type Feed struct {
	// Name is the feed as flags spell it: rtbm or da.
	Name string
	// Download is the file-browser folder the files are downloaded from.
	Download string
	// Market is the market of every row.
	Market schemas.IsoMarket
	// Minutes is the interval length.
	Minutes int
}

// Feeds are the files the source knows, by name: RTBM is the real-time
// balancing market (5-minute), DA the day-ahead market (hourly).
var Feeds = map[string]Feed{
	"rtbm": {Name: "rtbm", Download: "rtbm-lmp-by-location", Market: schemas.MarketRealTime, Minutes: 5},
	"da":   {Name: "da", Download: "da-lmp-by-location", Market: schemas.MarketDayAhead, Minutes: 60},
}

// gmtLayout is the form of Interval and GMTIntervalEnd.
const gmtLayout = "01/02/2006 15:04:05"

// Parse reads one SPP LMP-by-location CSV of feed f, in either layout
// (with or without the BAA column), into LMP records stamped ingest. A
// body that is not such a CSV wraps collector.ErrMalformed.
//
// Mapping: interval_end is GMTIntervalEnd (UTC; the local Interval column
// is not used, so daylight-saving days need no guessing) and
// interval_start = interval_end − interval length; delivery_date is the
// Central-time date of interval_start. location_id is the Settlement
// Location, prefixed "<BAA>:" for a BAA other than SPP (the western
// market's SWPW rows) so the two markets' names cannot collide;
// location_name is the Pnode the location settles at; location_type is
// HUB for *_HUB locations and NODE otherwise. Components as SPP publishes
// them: price_energy MEC, price_congestion MCC, price_loss MLC, with
// LMP = MEC + MCC + MLC.
func Parse(body []byte, f Feed, ingest time.Time) ([]schemas.IsoLmpRecord, error) {
	rows := collector.NewCSV(body)
	header, err := rows.Header()
	if err != nil {
		return nil, fmt.Errorf("spp %s: %w", f.Name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, name := range []string{"GMTIntervalEnd", "Settlement Location", "Pnode", "LMP", "MLC", "MCC", "MEC"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("spp %s: %w: header %q has no %s", f.Name, collector.ErrMalformed, strings.Join(header, ","), name)
		}
	}
	baa, hasBAA := col["BAA"]
	var out []schemas.IsoLmpRecord
	for line, row := range rows.Rows() {
		if len(row) != len(header) {
			return nil, fmt.Errorf("spp %s line %d: %w: %d cells, header has %d", f.Name, line, collector.ErrMalformed, len(row), len(header))
		}
		area := ""
		if hasBAA {
			area = strings.TrimSpace(row[baa])
		}
		r, err := mapRow(row, col, area, f, ingest)
		if err != nil {
			return nil, fmt.Errorf("spp %s line %d: %w: %v", f.Name, line, collector.ErrMalformed, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("spp %s: %w", f.Name, err)
	}
	return out, nil
}

func mapRow(row []string, col map[string]int, baa string, f Feed, ingest time.Time) (schemas.IsoLmpRecord, error) {
	end, err := time.Parse(gmtLayout, strings.TrimSpace(row[col["GMTIntervalEnd"]]))
	if err != nil {
		return schemas.IsoLmpRecord{}, fmt.Errorf("GMTIntervalEnd %q: want MM/DD/YYYY HH:MM:SS", row[col["GMTIntervalEnd"]])
	}
	loc := strings.TrimSpace(row[col["Settlement Location"]])
	if loc == "" {
		return schemas.IsoLmpRecord{}, errors.New("empty Settlement Location")
	}
	var p [4]float64
	for i, name := range []string{"LMP", "MEC", "MCC", "MLC"} {
		if p[i], err = strconv.ParseFloat(strings.TrimSpace(row[col[name]]), 64); err != nil {
			return schemas.IsoLmpRecord{}, fmt.Errorf("%s %q: %v", name, row[col[name]], err)
		}
	}
	lmp, energy, congestion, loss := p[0], p[1], p[2], p[3]
	start := end.Add(-time.Duration(f.Minutes) * time.Minute)
	typ := schemas.LocationNode
	if strings.HasSuffix(strings.ToUpper(loc), "_HUB") {
		typ = schemas.LocationHub
	}
	id := loc
	if baa != "" && baa != "SPP" {
		id = baa + ":" + loc
	}
	r := schemas.IsoLmpRecord{
		IsoCode:         schemas.IsoSPP,
		Market:          f.Market,
		DeliveryDate:    isotime.Date(start, isotime.Central),
		IntervalStart:   start,
		IntervalEnd:     &end,
		IntervalMinutes: isorecord.Minutes(f.Minutes),
		LocationID:      id,
		LocationType:    typ,
		PriceTotal:      lmp,
		PriceEnergy:     &energy,
		PriceCongestion: &congestion,
		PriceLoss:       &loss,
		Currency:        isorecord.CurrencyUSD,
		UOM:             isorecord.UnitMWh,
		IngestTS:        ingest,
	}
	if pnode := strings.TrimSpace(row[col["Pnode"]]); pnode != "" {
		r.LocationName = &pnode
	}
	return r, nil
}
