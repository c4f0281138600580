package pjm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// Feed is one Data Miner 2 LMP feed and how its rows map to IsoLmpRecord.
type Feed struct {
	// Name is the Data Miner feed, the path after /api/v1/.
	Name string
	// Market is the market of every row.
	Market schemas.IsoMarket
	// Minutes is the interval length.
	Minutes int
	// Total, Energy, Congestion and Loss name the price fields; the
	// components are optional in a response (Fields may leave them out).
	Total, Energy, Congestion, Loss string
}

// Feeds are the LMP feeds the source knows, by name.
//
// da_hrl_lmps is the day-ahead hourly LMP. rt_unverified_fivemin_lmps is
// the real-time five-minute LMP as PJM posts it within the hour, before
// verification; it maps to FIVE_MINUTE so that it never shares an identity
// with PJM's settled hourly real-time LMP (rt_hrl_lmps, REAL_TIME).
var Feeds = map[string]Feed{
	"da_hrl_lmps": {
		Name: "da_hrl_lmps", Market: schemas.MarketDayAhead, Minutes: 60,
		Total: "total_lmp_da", Energy: "system_energy_price_da",
		Congestion: "congestion_price_da", Loss: "marginal_loss_price_da",
	},
	"rt_unverified_fivemin_lmps": {
		Name: "rt_unverified_fivemin_lmps", Market: schemas.MarketFiveMinute, Minutes: 5,
		Total: "total_lmp_rt", Energy: "system_energy_price_rt",
		Congestion: "congestion_price_rt", Loss: "marginal_loss_price_rt",
	},
	"rt_hrl_lmps": {
		Name: "rt_hrl_lmps", Market: schemas.MarketRealTime, Minutes: 60,
		Total: "total_lmp_rt", Energy: "system_energy_price_rt",
		Congestion: "congestion_price_rt", Loss: "marginal_loss_price_rt",
	},
}

// envelope is a Data Miner 2 answer: {links, items, searchSpecification,
// totalRows}. Items and TotalRows are pointers so that an answer without
// them (an error body) is told apart from an empty page.
type envelope struct {
	Items     *[]map[string]json.RawMessage `json:"items"`
	TotalRows *int                          `json:"totalRows"`
	// Message and Errors carry the provider's complaint in an error body.
	Message string          `json:"message"`
	Errors  json.RawMessage `json:"errors"`
}

// ParsePage reads one Data Miner 2 page of feed f, requested from startRow
// with rowCount rows, into LMP records stamped ingest. Next is the
// following startRow while startRow+rowCount <= totalRows; Watermark is the
// latest interval start of the page. Anything unreadable (invalid JSON, no
// items or totalRows, a row without time, pnode or total) wraps
// collector.ErrMalformed, and nothing of the page is returned.
//
// Mapping: datetime_beginning_utc is UTC already (no zone suffix in the
// body); delivery_date is its date in Eastern prevailing time; location_id
// is pnode_id, location_name pnode_name; type maps to location_type
// (ZONE, HUB, AGGREGATE, INTERFACE; GEN, LOAD, EHV, BUS are NODE; others,
// or no type, defaultType). Components keep PJM's convention: total =
// energy + congestion + loss.
func ParsePage(body []byte, f Feed, startRow, rowCount int, defaultType schemas.LocationType, ingest time.Time) (collector.Page, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return collector.Page{}, fmt.Errorf("pjm %s: %w: %v", f.Name, collector.ErrMalformed, err)
	}
	if env.Items == nil || env.TotalRows == nil {
		msg := env.Message
		if msg == "" && len(env.Errors) > 0 {
			msg = string(env.Errors)
		}
		return collector.Page{}, fmt.Errorf("pjm %s: %w: no items/totalRows in answer %q", f.Name, collector.ErrMalformed, msg)
	}
	var page collector.Page
	for i, item := range *env.Items {
		r, err := mapItem(item, f, defaultType, ingest)
		if err != nil {
			return collector.Page{}, fmt.Errorf("pjm %s: item %d (row %d): %w: %v", f.Name, i, startRow+i, collector.ErrMalformed, err)
		}
		page.Records = append(page.Records, isorecord.Lmp(r))
		if r.IntervalStart.After(page.Watermark) {
			page.Watermark = r.IntervalStart
		}
	}
	if next := startRow + rowCount; next <= *env.TotalRows {
		page.Next = strconv.Itoa(next)
	}
	return page, nil
}

// utcLayout is datetime_beginning_utc: UTC without a zone designator,
// fractional seconds optional.
const utcLayout = "2006-01-02T15:04:05.999999999"

func mapItem(item map[string]json.RawMessage, f Feed, defaultType schemas.LocationType, ingest time.Time) (schemas.IsoLmpRecord, error) {
	var begin, name, typ string
	if err := field(item, "datetime_beginning_utc", &begin, true); err != nil {
		return schemas.IsoLmpRecord{}, err
	}
	start, err := time.Parse(utcLayout, strings.TrimSuffix(begin, "Z"))
	if err != nil {
		return schemas.IsoLmpRecord{}, fmt.Errorf("datetime_beginning_utc: %v", err)
	}
	var id json.Number
	if err := field(item, "pnode_id", &id, true); err != nil {
		return schemas.IsoLmpRecord{}, err
	}
	if _, err := strconv.ParseInt(id.String(), 10, 64); err != nil {
		return schemas.IsoLmpRecord{}, fmt.Errorf("pnode_id %q is not an integer", id)
	}
	if err := field(item, "pnode_name", &name, false); err != nil {
		return schemas.IsoLmpRecord{}, err
	}
	if err := field(item, "type", &typ, false); err != nil {
		return schemas.IsoLmpRecord{}, err
	}
	var total *float64
	if err := field(item, f.Total, &total, true); err != nil {
		return schemas.IsoLmpRecord{}, err
	}
	if total == nil {
		return schemas.IsoLmpRecord{}, fmt.Errorf("%s is null", f.Total)
	}
	var energy, congestion, loss *float64
	for _, c := range []struct {
		name string
		dst  **float64
	}{{f.Energy, &energy}, {f.Congestion, &congestion}, {f.Loss, &loss}} {
		if err := field(item, c.name, c.dst, false); err != nil {
			return schemas.IsoLmpRecord{}, err
		}
	}
	end := start.Add(time.Duration(f.Minutes) * time.Minute)
	r := schemas.IsoLmpRecord{
		IsoCode:         schemas.IsoPJM,
		Market:          f.Market,
		DeliveryDate:    isotime.Date(start, isotime.Eastern),
		IntervalStart:   start,
		IntervalEnd:     &end,
		IntervalMinutes: isorecord.Minutes(f.Minutes),
		LocationID:      id.String(),
		LocationType:    locationType(typ, defaultType),
		PriceTotal:      *total,
		PriceEnergy:     energy,
		PriceCongestion: congestion,
		PriceLoss:       loss,
		Currency:        isorecord.CurrencyUSD,
		UOM:             isorecord.UnitMWh,
		IngestTS:        ingest,
	}
	if name != "" {
		r.LocationName = &name
	}
	return r, nil
}

// field decodes item[name] into dst; a missing required field is an error.
func field(item map[string]json.RawMessage, name string, dst any, required bool) error {
	raw, ok := item[name]
	if !ok {
		if required {
			return fmt.Errorf("no field %s", name)
		}
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("field %s: %v", name, err)
	}
	return nil
}

// locationType maps PJM's pnode type; defaultType covers feeds without it.
func locationType(typ string, defaultType schemas.LocationType) schemas.LocationType {
	switch strings.ToUpper(strings.TrimSpace(typ)) {
	case "":
		return defaultType
	case "ZONE":
		return schemas.LocationZone
	case "HUB":
		return schemas.LocationHub
	case "AGGREGATE":
		return schemas.LocationAggregate
	case "INTERFACE":
		return schemas.LocationInterface
	case "GEN", "LOAD", "EHV", "BUS":
		return schemas.LocationNode
	}
	return schemas.LocationOther
}
