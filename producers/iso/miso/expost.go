// Package miso collects MISO's day-ahead ex-post LMP report
// (marketreports/YYYYMMDD_da_expost_lmp.csv) into IsoLmpRecord.
package miso

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/schemas"
)

// MISO's market clock: Eastern Standard Time all year, never daylight time.
var (
	est = time.FixedZone("EST", -5*3600)
	cst = time.FixedZone("CST", -6*3600)
)

// prices are one node's LMP, MCC and MLC rows.
type prices struct {
	name     string
	kind     string
	lmp      []string
	mcc, mlc []string
}

// ParseDAExPost maps a day-ahead ex-post LMP report to LMP records, one per
// node and hour, in file order of the nodes.
//
// The report opens with a preamble: a title, the operating day
// (MM/DD/YYYY), a blank line and a note such as "All Hours-Ending are
// Eastern Standard Time (EST)"; then the header Node,Type,Value,HE 1..HE 24
// and, per node, rows of Value LMP, MCC and MLC. The note is followed: EST
// (UTC-5) or CST (UTC-6) all year, no daylight saving, so every day has 24
// hours and HE n is the hour from n-1 to n in that fixed zone. A note
// naming another zone is malformed; a file without a note is read as EST,
// MISO's market clock.
//
// price_total is the LMP, price_congestion the MCC, price_loss the MLC,
// and price_energy LMP − MCC − MLC (MISO's LMP = MEC + MCC + MLC), rounded
// to 1e-6. A missing component leaves it and the energy price missing; a
// node or hour without an LMP yields no record. nodes, when not empty,
// keeps only those nodes.
func ParseDAExPost(data []byte, nodes []string, ingest time.Time) ([]schemas.IsoLmpRecord, error) {
	day, zone, header, body, err := preamble(data)
	if err != nil {
		return nil, err
	}
	hours := make([]int, len(header))
	for i, h := range header[3:] {
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "HE")))
		if err != nil || n < 1 || n > 24 {
			return nil, malformed("header column %q: want HE 1..HE 24", h)
		}
		hours[i+3] = n
	}
	keep := map[string]bool{}
	for _, n := range nodes {
		keep[strings.ToUpper(strings.TrimSpace(n))] = true
	}
	var order []string
	byNode := map[string]*prices{}
	rows := collector.NewCSV(body)
	for line, row := range rows.Rows() {
		if len(row) != len(header) {
			return nil, malformed("row %d: %d cells, header has %d", line, len(row), len(header))
		}
		name := strings.TrimSpace(row[0])
		if name == "" {
			return nil, malformed("row %d: no node", line)
		}
		if len(keep) > 0 && !keep[strings.ToUpper(name)] {
			continue
		}
		p := byNode[name]
		if p == nil {
			p = &prices{name: name, kind: strings.TrimSpace(row[1])}
			byNode[name] = p
			order = append(order, name)
		}
		switch v := strings.ToUpper(strings.TrimSpace(row[2])); v {
		case "LMP":
			p.lmp = row
		case "MCC":
			p.mcc = row
		case "MLC":
			p.mlc = row
		default:
			return nil, malformed("row %d: value %q: want LMP, MCC or MLC", line, row[2])
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("miso: da expost lmp: %w", err)
	}
	var out []schemas.IsoLmpRecord
	for _, name := range order {
		p := byNode[name]
		if p.lmp == nil {
			continue
		}
		for c := 3; c < len(header); c++ {
			total, ok, err := cell(p.lmp, c)
			if err != nil {
				return nil, malformed("%s LMP %s: %v", name, header[c], err)
			}
			if !ok {
				continue
			}
			mcc, okC, err := cell(p.mcc, c)
			if err != nil {
				return nil, malformed("%s MCC %s: %v", name, header[c], err)
			}
			mlc, okL, err := cell(p.mlc, c)
			if err != nil {
				return nil, malformed("%s MLC %s: %v", name, header[c], err)
			}
			start := time.Date(day.Year(), day.Month(), day.Day(), hours[c]-1, 0, 0, 0, zone).UTC()
			end := start.Add(time.Hour)
			rec := schemas.IsoLmpRecord{
				IsoCode:         schemas.IsoMISO,
				Market:          schemas.MarketDayAhead,
				DeliveryDate:    day,
				IntervalStart:   start,
				IntervalEnd:     &end,
				IntervalMinutes: isorecord.Minutes(60),
				LocationID:      name,
				LocationType:    nodeType(name, p.kind),
				PriceTotal:      total,
				Currency:        isorecord.CurrencyUSD,
				UOM:             isorecord.UnitMWh,
				IngestTS:        ingest.UTC(),
			}
			if okC {
				rec.PriceCongestion = &mcc
			}
			if okL {
				rec.PriceLoss = &mlc
			}
			if okC && okL {
				energy := isorecord.Round6(total - mcc - mlc)
				rec.PriceEnergy = &energy
			}
			rec.RecordHash = isorecord.LmpHash(rec)
			out = append(out, rec)
		}
	}
	return out, nil
}

// preamble splits the report into its operating day (UTC midnight), the
// zone its hours are in, the header and the data rows.
func preamble(data []byte) (day time.Time, zone *time.Location, header []string, body []byte, err error) {
	zone = est
	rest := data
	var lines []string
	for len(rest) > 0 && header == nil {
		raw := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			raw, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line := strings.TrimPrefix(strings.TrimRight(string(raw), "\r"), "\ufeff")
		if strings.HasPrefix(line, "Node,") {
			header, err = csv.NewReader(strings.NewReader(line)).Read()
			if err != nil {
				return day, nil, nil, nil, malformed("header: %v", err)
			}
			break
		}
		if lines = append(lines, line); len(lines) > 10 {
			return day, nil, nil, nil, malformed("no Node,Type,Value header in the first 10 lines")
		}
	}
	if header == nil {
		return day, nil, nil, nil, malformed("no Node,Type,Value header")
	}
	if len(header) < 4 || !strings.EqualFold(strings.TrimSpace(header[1]), "Type") || !strings.EqualFold(strings.TrimSpace(header[2]), "Value") {
		return day, nil, nil, nil, malformed("header %q: want Node,Type,Value,HE 1..HE 24", strings.Join(header, ","))
	}
	for _, l := range lines {
		l = strings.Trim(strings.TrimSpace(l), ",")
		if t, perr := time.Parse("01/02/2006", l); perr == nil && day.IsZero() {
			day = t
		}
		if strings.Contains(strings.ToLower(l), "time") && strings.Contains(l, "(") {
			switch {
			case strings.Contains(l, "(EST)"):
				zone = est
			case strings.Contains(l, "(CST)"):
				zone = cst
			default:
				return day, nil, nil, nil, malformed("time-zone note %q: want EST or CST", l)
			}
		}
	}
	if day.IsZero() {
		return day, nil, nil, nil, malformed("no MM/DD/YYYY operating day in the preamble %q", strings.Join(lines, " | "))
	}
	return day, zone, header, rest, nil
}

// cell reads column c of row; an absent row or empty cell is missing.
func cell(row []string, c int) (float64, bool, error) {
	if row == nil || strings.TrimSpace(row[c]) == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(row[c]), 64)
	return v, err == nil, err
}

// nodeType maps MISO's Type column (Hub, Interface, Loadzone, Gennode) and
// the .HUB suffix to LocationType.
func nodeType(name, kind string) schemas.LocationType {
	switch k := strings.ToLower(kind); {
	case k == "hub" || strings.HasSuffix(strings.ToUpper(name), ".HUB"):
		return schemas.LocationHub
	case k == "interface":
		return schemas.LocationInterface
	case k == "loadzone":
		return schemas.LocationZone
	case slices.Contains([]string{"gennode", "loadnode", "node"}, k):
		return schemas.LocationNode
	default:
		return schemas.LocationOther
	}
}

// malformed is an error wrapping collector.ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("miso: da expost lmp: %s: %w", fmt.Sprintf(format, args...), collector.ErrMalformed)
}
