package nyiso

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// Feed is one NYISO MIS LBMP file family and how its rows map.
type Feed struct {
	// Name is the feed as flags spell it, e.g. damlbmp_zone.
	Name string
	// Dir and Suffix build the path: /public/csv/<Dir>/<YYYYMMDD><Suffix>.
	Dir, Suffix string
	// Market is the market of every row.
	Market schemas.IsoMarket
	// Minutes is the interval length.
	Minutes int
	// Ending says the time stamp labels the end of the interval (real
	// time) rather than its start (day ahead).
	Ending bool
	// Generator says the rows are generator buses (NODE), not zones.
	Generator bool
}

// Feeds are the LBMP files the source knows, by name.
var Feeds = map[string]Feed{
	"damlbmp_zone":  {Name: "damlbmp_zone", Dir: "damlbmp", Suffix: "damlbmp_zone.csv", Market: schemas.MarketDayAhead, Minutes: 60},
	"damlbmp_gen":   {Name: "damlbmp_gen", Dir: "damlbmp", Suffix: "damlbmp_gen.csv", Market: schemas.MarketDayAhead, Minutes: 60, Generator: true},
	"realtime_zone": {Name: "realtime_zone", Dir: "realtime", Suffix: "realtime_zone.csv", Market: schemas.MarketRealTime, Minutes: 5, Ending: true},
	"realtime_gen":  {Name: "realtime_gen", Dir: "realtime", Suffix: "realtime_gen.csv", Market: schemas.MarketRealTime, Minutes: 5, Ending: true, Generator: true},
}

// Path is the MIS path of feed f's file for operating day day.
func (f Feed) Path(day time.Time) string {
	return "/public/csv/" + f.Dir + "/" + day.Format("20060102") + f.Suffix
}

// externalZones are the proxy buses of neighbouring control areas that
// NYISO's zonal files list next to its eleven zones.
var externalZones = map[string]bool{"H Q": true, "NPX": true, "O H": true, "PJM": true}

// Time stamp layouts: real-time files carry seconds, day-ahead ones not.
var stampLayouts = []string{"01/02/2006 15:04:05", "01/02/2006 15:04"}

// Parse reads one NYISO LBMP CSV of feed f into LMP records stamped
// ingest, in file order. A body that is not such a CSV (other header,
// short row, bad number or time) wraps collector.ErrMalformed.
//
// Time: "Time Stamp" is Eastern prevailing time; it starts the hour in
// day-ahead files and ends the 5-minute interval in real-time files. A
// "Time Zone" column (EST/EDT), when present, picks the offset. Without it
// the repeated fall-back hour is resolved per PTID by order: the first
// showing of a wall time is EDT, the second EST (isotime.Sequence). A wall
// time skipped by spring-forward is malformed.
//
// Prices keep NYISO's published signs: price_total is "LBMP ($/MWHr)",
// price_loss "Marginal Cost Losses", price_congestion "Marginal Cost
// Congestion", which NYISO publishes with the sign that makes LBMP =
// energy + losses − congestion. price_energy is therefore derived as
// LBMP − losses + congestion (NYISO's zonal files do not carry it); it is
// the same for every zone of an interval to the cent.
func Parse(body []byte, f Feed, ingest time.Time) ([]schemas.IsoLmpRecord, error) {
	rows := collector.NewCSV(body)
	header, err := rows.Header()
	if err != nil {
		return nil, fmt.Errorf("nyiso %s: %w", f.Name, err)
	}
	col, err := columns(header)
	if err != nil {
		return nil, fmt.Errorf("nyiso %s: %w: %v", f.Name, collector.ErrMalformed, err)
	}
	seq := isotime.NewSequence(isotime.Eastern)
	var out []schemas.IsoLmpRecord
	for line, row := range rows.Rows() {
		r, err := mapRow(row, col, f, seq, ingest)
		if err != nil {
			return nil, fmt.Errorf("nyiso %s line %d: %w: %v", f.Name, line, collector.ErrMalformed, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("nyiso %s: %w", f.Name, err)
	}
	return out, nil
}

type columnIndex struct {
	stamp, zone, name, ptid, lbmp, losses, congestion int
}

// columns finds the columns by name; the unit suffix of the price columns
// is not relied on, the optional Time Zone column is -1 when absent.
func columns(header []string) (columnIndex, error) {
	c := columnIndex{-1, -1, -1, -1, -1, -1, -1}
	for i, h := range header {
		switch {
		case h == "Time Stamp":
			c.stamp = i
		case h == "Time Zone":
			c.zone = i
		case h == "Name":
			c.name = i
		case h == "PTID":
			c.ptid = i
		case strings.HasPrefix(h, "LBMP"):
			c.lbmp = i
		case strings.HasPrefix(h, "Marginal Cost Losses"):
			c.losses = i
		case strings.HasPrefix(h, "Marginal Cost Congestion"):
			c.congestion = i
		}
	}
	if c.stamp < 0 || c.name < 0 || c.ptid < 0 || c.lbmp < 0 || c.losses < 0 || c.congestion < 0 {
		return c, fmt.Errorf("header %q: want Time Stamp, Name, PTID, LBMP, Marginal Cost Losses, Marginal Cost Congestion", strings.Join(header, ","))
	}
	return c, nil
}

func mapRow(row []string, c columnIndex, f Feed, seq *isotime.Sequence, ingest time.Time) (schemas.IsoLmpRecord, error) {
	if n := max(c.stamp, c.zone, c.name, c.ptid, c.lbmp, c.losses, c.congestion); len(row) <= n {
		return schemas.IsoLmpRecord{}, fmt.Errorf("%d fields, want %d", len(row), n+1)
	}
	ptid := strings.TrimSpace(row[c.ptid])
	if _, err := strconv.ParseInt(ptid, 10, 64); err != nil {
		return schemas.IsoLmpRecord{}, fmt.Errorf("PTID %q is not an integer", ptid)
	}
	name := strings.TrimSpace(row[c.name])
	stamp, err := instant(row, c, ptid, seq)
	if err != nil {
		return schemas.IsoLmpRecord{}, err
	}
	var prices [3]float64
	for i, idx := range []int{c.lbmp, c.losses, c.congestion} {
		v, err := strconv.ParseFloat(strings.TrimSpace(row[idx]), 64)
		if err != nil {
			return schemas.IsoLmpRecord{}, fmt.Errorf("price %q: %v", row[idx], err)
		}
		prices[i] = v
	}
	lbmp, losses, congestion := prices[0], prices[1], prices[2]
	energy := isorecord.Round6(lbmp - losses + congestion)

	length := time.Duration(f.Minutes) * time.Minute
	start := stamp
	if f.Ending {
		start = stamp.Add(-length)
	}
	end := start.Add(length)
	typ := schemas.LocationZone
	switch {
	case f.Generator:
		typ = schemas.LocationNode
	case externalZones[name]:
		typ = schemas.LocationInterface
	}
	r := schemas.IsoLmpRecord{
		IsoCode:         schemas.IsoNYISO,
		Market:          f.Market,
		DeliveryDate:    isotime.Date(start, isotime.Eastern),
		IntervalStart:   start,
		IntervalEnd:     &end,
		IntervalMinutes: isorecord.Minutes(f.Minutes),
		LocationID:      ptid,
		LocationType:    typ,
		PriceTotal:      lbmp,
		PriceEnergy:     &energy,
		PriceCongestion: &congestion,
		PriceLoss:       &losses,
		Currency:        isorecord.CurrencyUSD,
		UOM:             isorecord.UnitMWh,
		IngestTS:        ingest,
	}
	if name != "" {
		r.LocationName = &name
	}
	return r, nil
}

// instant resolves a row's Eastern time stamp to UTC.
func instant(row []string, c columnIndex, ptid string, seq *isotime.Sequence) (time.Time, error) {
	raw := strings.TrimSpace(row[c.stamp])
	var wall time.Time
	var err error
	for _, layout := range stampLayouts {
		if wall, err = time.Parse(layout, raw); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("time stamp %q: want MM/DD/YYYY HH:MM[:SS]", raw)
	}
	if c.zone >= 0 {
		switch z := strings.TrimSpace(row[c.zone]); z {
		case "EST":
			return isotime.WithOffset(wall, isotime.Eastern, -5*3600)
		case "EDT":
			return isotime.WithOffset(wall, isotime.Eastern, -4*3600)
		default:
			return time.Time{}, fmt.Errorf("time zone %q: want EST or EDT", z)
		}
	}
	return seq.Resolve(ptid, wall)
}
