package ercot

import (
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/schemas"
)

// ParseDAMSPP maps an NP4-190-CD "DAM Settlement Point Prices" CSV to
// day-ahead LMP records. The layout, as ERCOT documents it, is
// DeliveryDate (MM/DD/YYYY), HourEnding (01:00..24:00), SettlementPoint,
// SettlementPointPrice, DSTFlag. No real file of it is among the
// fixtures: the tests use a constructed sample. The report carries the
// total price only, so the energy, congestion and loss components stay
// missing. points, when not empty, keeps only those settlement points.
func ParseDAMSPP(data []byte, points []string, ingest time.Time) ([]schemas.IsoLmpRecord, error) {
	t, err := readTable(data, "NP4-190")
	if err != nil {
		return nil, err
	}
	idx, err := t.cols("NP4-190", "DeliveryDate", "HourEnding", "SettlementPoint", "SettlementPointPrice", "DSTFlag")
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, p := range points {
		keep[strings.ToUpper(strings.TrimSpace(p))] = true
	}
	var out []schemas.IsoLmpRecord
	for n, row := range t.rows {
		if len(row) != len(t.header) {
			return nil, malformed("NP4-190 csv line %d: %d cells, header has %d", n+2, len(row), len(t.header))
		}
		point := strings.TrimSpace(row[idx[2]])
		if point == "" {
			return nil, malformed("NP4-190 csv line %d: no settlement point", n+2)
		}
		if len(keep) > 0 && !keep[strings.ToUpper(point)] {
			continue
		}
		oh, err := hourEnding(row[idx[0]], row[idx[1]], row[idx[4]])
		if err != nil {
			return nil, malformed("NP4-190 csv line %d: %v", n+2, err)
		}
		price, ok, err := parseMW(row[idx[3]])
		if err != nil {
			return nil, malformed("NP4-190 csv line %d: price: %v", n+2, err)
		}
		if !ok {
			continue
		}
		end := oh.end
		r := schemas.IsoLmpRecord{
			IsoCode:         schemas.IsoERCOT,
			Market:          schemas.MarketDayAhead,
			DeliveryDate:    oh.date,
			IntervalStart:   oh.start,
			IntervalEnd:     &end,
			IntervalMinutes: isorecord.Minutes(60),
			LocationID:      point,
			LocationType:    pointType(point),
			PriceTotal:      price,
			Currency:        isorecord.CurrencyUSD,
			UOM:             isorecord.UnitMWh,
			IngestTS:        ingest.UTC(),
		}
		r.RecordHash = isorecord.LmpHash(r)
		out = append(out, r)
	}
	return out, nil
}

// pointType classifies a settlement point by ERCOT's naming: HB_ hubs
// (HB_BUSAVG and HB_HUBAVG are averages, AGGREGATE), LZ_ load zones, and
// resource nodes otherwise.
func pointType(p string) schemas.LocationType {
	switch up := strings.ToUpper(p); {
	case up == "HB_BUSAVG" || up == "HB_HUBAVG":
		return schemas.LocationAggregate
	case strings.HasPrefix(up, "HB_"):
		return schemas.LocationHub
	case strings.HasPrefix(up, "LZ_"):
		return schemas.LocationZone
	default:
		return schemas.LocationNode
	}
}
