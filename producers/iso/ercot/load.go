package ercot

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/iso/isorecord"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
	"github.com/aurum-energy/aurum/schemas"
)

// SystemArea is the area of the dashboard's ERCOT-wide load: its system
// load and its current load forecast.
const SystemArea = "SYSTEM"

// ForecastZoneTotal is the area of NP3-560's SystemTotal column, ERCOT's
// name for it: the report's own series, apart from the dashboard's
// forecast of SystemArea, which it would otherwise overwrite.
const ForecastZoneTotal = "SystemTotal"

// SolarArea is the area of NP4-737's ERCOT-wide solar production.
const SolarArea = "SYSTEM_SOLAR"

// notAreas are NP3-560 (and its weather-zone twin NP3-565) columns that
// are not load areas.
var notAreas = []string{"DeliveryDate", "HourEnding", "DSTFlag", "Model", "InUseFlag"}

// ParseLoadForecast maps an NP3-560-CD "Seven-Day Load Forecast by
// Forecast Zone" CSV (DeliveryDate, HourEnding, one column per zone,
// SystemTotal, DSTFlag) to forecast load records, one per zone and hour.
// Areas are ERCOT's column names (North, South, West, Houston,
// SystemTotal). Where the file lists several forecast models (Model and
// InUseFlag columns), only the model in use, ERCOT's forecast, is kept:
// the others' rows would land on the same areas and hours. An empty cell
// is a missing value and yields no record.
func ParseLoadForecast(data []byte, ingest time.Time) ([]schemas.IsoLoadRecord, error) {
	t, err := readTable(data, "NP3-560")
	if err != nil {
		return nil, err
	}
	idx, err := t.cols("NP3-560", "DeliveryDate", "HourEnding", "DSTFlag")
	if err != nil {
		return nil, err
	}
	type area struct {
		col  int
		name string
	}
	var areas []area
	for i, h := range t.header {
		if !slices.ContainsFunc(notAreas, func(n string) bool { return strings.EqualFold(n, h) }) {
			areas = append(areas, area{i, h})
		}
	}
	inUse := t.col("InUseFlag")
	if len(areas) == 0 {
		return nil, malformed("NP3-560 csv header %q has no zone columns", strings.Join(t.header, ","))
	}
	var out []schemas.IsoLoadRecord
	for n, row := range t.rows {
		if len(row) != len(t.header) {
			return nil, malformed("NP3-560 csv line %d: %d cells, header has %d", n+2, len(row), len(t.header))
		}
		if inUse >= 0 && !strings.EqualFold(strings.TrimSpace(row[inUse]), "Y") {
			continue
		}
		oh, err := hourEnding(row[idx[0]], row[idx[1]], row[idx[2]])
		if err != nil {
			return nil, malformed("NP3-560 csv line %d: %v", n+2, err)
		}
		for _, a := range areas {
			mw, ok, err := parseMW(row[a.col])
			if err != nil {
				return nil, malformed("NP3-560 csv line %d, %s: %v", n+2, a.name, err)
			}
			if ok {
				out = append(out, loadRecord(a.name, oh, mw, true, ingest))
			}
		}
	}
	return out, nil
}

// ParseSolar maps an NP4-737-CD "Solar Power Production - Hourly Averaged
// Actual and Forecasted Values" CSV to SolarArea records: SYSTEM_WIDE_GEN
// as the actual (forecast false) and STPPF_SYSTEM_WIDE, ERCOT's short-term
// PV power forecast, as the forecast. The other columns (COP HSL, PVGRPP,
// HSL) are capacity figures and are not published. Hours still to come
// have an empty SYSTEM_WIDE_GEN: missing, no actual record.
func ParseSolar(data []byte, ingest time.Time) ([]schemas.IsoLoadRecord, error) {
	t, err := readTable(data, "NP4-737")
	if err != nil {
		return nil, err
	}
	idx, err := t.cols("NP4-737", "DELIVERY_DATE", "HOUR_ENDING", "DSTFlag", "SYSTEM_WIDE_GEN", "STPPF_SYSTEM_WIDE")
	if err != nil {
		return nil, err
	}
	var out []schemas.IsoLoadRecord
	for n, row := range t.rows {
		if len(row) != len(t.header) {
			return nil, malformed("NP4-737 csv line %d: %d cells, header has %d", n+2, len(row), len(t.header))
		}
		oh, err := hourEnding(row[idx[0]], row[idx[1]], row[idx[2]])
		if err != nil {
			return nil, malformed("NP4-737 csv line %d: %v", n+2, err)
		}
		for _, c := range []struct {
			col      int
			forecast bool
		}{{idx[3], false}, {idx[4], true}} {
			mw, ok, err := parseMW(row[c.col])
			if err != nil {
				return nil, malformed("NP4-737 csv line %d, %s: %v", n+2, t.header[c.col], err)
			}
			if ok {
				out = append(out, loadRecord(SolarArea, oh, mw, c.forecast, ingest))
			}
		}
	}
	return out, nil
}

// dashboard is the ercot.com loadForecastVsActual.json answer.
type dashboard struct {
	LastUpdated string        `json:"lastUpdated"`
	PreviousDay *dashboardDay `json:"previousDay"`
	CurrentDay  *dashboardDay `json:"currentDay"`
	NextDay     *dashboardDay `json:"nextDay"`
}

type dashboardDay struct {
	DayDate string `json:"dayDate"`
	Data    []struct {
		HourEnding          int      `json:"hourEnding"`
		DSTFlag             string   `json:"dstFlag"`
		Epoch               *int64   `json:"epoch"`
		SystemLoad          *float64 `json:"systemLoad"`
		CurrentLoadForecast *float64 `json:"currentLoadForecast"`
	} `json:"data"`
}

// ParseDashboard maps the ercot.com loadForecastVsActual dashboard to
// SystemArea records: systemLoad as the actual, currentLoadForecast (the
// latest forecast) as the forecast, for the previous, current and next
// day. dayAheadForecast is not published: IsoLoadRecord has one forecast
// per area and hour. A value absent from an hour (the actual of hours to
// come) stays missing. Each entry's epoch (ms) is the end of its hour, so
// the repeated hour of the fall-back day is resolved without dstFlag.
func ParseDashboard(body []byte, ingest time.Time) ([]schemas.IsoLoadRecord, error) {
	var d dashboard
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, malformed("dashboard: %v", err)
	}
	days := []*dashboardDay{d.PreviousDay, d.CurrentDay, d.NextDay}
	if slices.Index(days, nil) >= 0 {
		return nil, malformed("dashboard: want previousDay, currentDay and nextDay in %.200q", body)
	}
	var out []schemas.IsoLoadRecord
	for _, day := range days {
		for i, e := range day.Data {
			if e.Epoch == nil {
				return nil, malformed("dashboard day %s entry %d has no epoch", day.DayDate, i)
			}
			end := time.UnixMilli(*e.Epoch).UTC()
			start := end.Add(-time.Hour)
			oh := operatingHour{date: isotime.Date(start, isotime.Central), start: start, end: end}
			if e.SystemLoad != nil {
				out = append(out, loadRecord(SystemArea, oh, *e.SystemLoad, false, ingest))
			}
			if e.CurrentLoadForecast != nil {
				out = append(out, loadRecord(SystemArea, oh, *e.CurrentLoadForecast, true, ingest))
			}
		}
	}
	return out, nil
}

func loadRecord(area string, oh operatingHour, mw float64, forecast bool, ingest time.Time) schemas.IsoLoadRecord {
	end := oh.end
	return schemas.IsoLoadRecord{
		IsoCode:         schemas.IsoERCOT,
		Area:            area,
		IntervalStart:   oh.start,
		IntervalEnd:     &end,
		IntervalMinutes: isorecord.Minutes(int(oh.end.Sub(oh.start) / time.Minute)),
		MW:              mw,
		Forecast:        forecast,
		IngestTS:        ingest.UTC(),
	}
}
