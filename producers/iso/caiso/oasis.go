// Package caiso collects CAISO OASIS load and renewable forecasts
// (SLD_FCST, SLD_REN_FCST) into IsoLoadRecord. OASIS answers every
// SingleZip query with a zip holding one CSV, or one XML error report.
package caiso

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
)

// errNoData is OASIS's own "no data for the selection" answer (ERR_CODE
// 1000): an empty result, not a malformed one.
var errNoData = errors.New("oasis: no data returned for the selection")

// oasisNoData is the OASIS error code meaning an empty selection.
const oasisNoData = "1000"

// Unzip returns the CSV inside an OASIS SingleZip answer. An answer holding
// an OASIS error report is an error wrapping collector.ErrMalformed that
// carries the provider's message, except ERR_CODE 1000 ("No data returned"),
// which yields an empty CSV.
func Unzip(body []byte) ([]byte, error) {
	name, data, err := collector.Unzip(body)
	if err != nil {
		return nil, fmt.Errorf("caiso: oasis answer: %w", err)
	}
	if strings.HasSuffix(strings.ToLower(name), ".xml") {
		code, desc := oasisError(data)
		if code == oasisNoData {
			return nil, errNoData
		}
		return nil, malformed("oasis error %s in %s: %s", code, name, desc)
	}
	return data, nil
}

// oasisError reads ERR_CODE and ERR_DESC from an OASIS XML error report,
// whatever their namespace prefix.
func oasisError(data []byte) (code, desc string) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var field *string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "ERR_CODE":
				field = &code
			case "ERR_DESC":
				field = &desc
			default:
				field = nil
			}
		case xml.CharData:
			if field != nil {
				*field += strings.TrimSpace(string(t))
			}
		case xml.EndElement:
			field = nil
		}
	}
	if desc == "" {
		desc = "no ERR_DESC in the report"
	}
	return code, desc
}

// ParseLoad maps an OASIS SLD_FCST or SLD_REN_FCST CSV to load records,
// sorted by interval start then area (OASIS sends rows unsorted).
//
// Times come from INTERVALSTARTTIME_GMT and INTERVALENDTIME_GMT, so no
// local-time conversion is needed. The area is TAC_AREA_NAME for SLD_FCST;
// for SLD_REN_FCST, which forecasts renewable generation per trading hub, it
// is TRADING_HUB and RENEWABLE_TYPE joined as "NP15_SOLAR". A row is a
// forecast unless its MARKET_RUN_ID is ACTUAL, and a forecast's area is
// qualified by the market run that made it ("AVA:7DA", "NP15_SOLAR:DAM"):
// the 7-day-ahead, 2-day-ahead, day-ahead and real-time forecasts of an
// hour are four series, which one area would merge. An empty MW cell is a
// missing value: the row yields no record.
func ParseLoad(data []byte, ingest time.Time) ([]schemas.IsoLoadRecord, error) {
	rows := collector.NewCSV(data)
	header, err := rows.Header()
	if err != nil {
		return nil, fmt.Errorf("caiso: oasis %w", err)
	}
	col := func(name string) int { return slices.Index(header, name) }
	start, end, mw, run := col("INTERVALSTARTTIME_GMT"), col("INTERVALENDTIME_GMT"), col("MW"), col("MARKET_RUN_ID")
	tac, hub, kind := col("TAC_AREA_NAME"), col("TRADING_HUB"), col("RENEWABLE_TYPE")
	if start < 0 || end < 0 || mw < 0 || run < 0 || (tac < 0 && (hub < 0 || kind < 0)) {
		return nil, malformed("oasis csv header %q lacks interval, MW, MARKET_RUN_ID or area columns", strings.Join(header, ","))
	}
	ingest = ingest.UTC()
	var out []schemas.IsoLoadRecord
	for line, row := range rows.Rows() {
		if len(row) != len(header) {
			return nil, malformed("oasis csv line %d: %d cells, header has %d", line, len(row), len(header))
		}
		if strings.TrimSpace(row[mw]) == "" {
			continue
		}
		value, err := strconv.ParseFloat(strings.TrimSpace(row[mw]), 64)
		if err != nil {
			return nil, malformed("oasis csv line %d: MW %q: %v", line, row[mw], err)
		}
		from, err := parseGMT(row[start])
		if err != nil {
			return nil, malformed("oasis csv line %d: %v", line, err)
		}
		to, err := parseGMT(row[end])
		if err != nil {
			return nil, malformed("oasis csv line %d: %v", line, err)
		}
		if !to.After(from) {
			return nil, malformed("oasis csv line %d: interval ends %s before it starts %s", line, row[end], row[start])
		}
		area := strings.TrimSpace(row[max(tac, 0)])
		if tac < 0 {
			area = strings.ToUpper(strings.TrimSpace(row[hub]) + "_" + strings.TrimSpace(row[kind]))
		}
		if area == "" || area == "_" {
			return nil, malformed("oasis csv line %d: no area", line)
		}
		runID := strings.ToUpper(strings.TrimSpace(row[run]))
		forecast := runID != "ACTUAL"
		if forecast {
			if runID == "" {
				return nil, malformed("oasis csv line %d: no MARKET_RUN_ID", line)
			}
			area += ":" + runID
		}
		minutes := int32(to.Sub(from) / time.Minute)
		out = append(out, schemas.IsoLoadRecord{
			IsoCode:         schemas.IsoCAISO,
			Area:            area,
			IntervalStart:   from,
			IntervalEnd:     &to,
			IntervalMinutes: &minutes,
			MW:              value,
			Forecast:        forecast,
			IngestTS:        ingest,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("caiso: oasis %w", err)
	}
	slices.SortStableFunc(out, func(a, b schemas.IsoLoadRecord) int {
		if c := a.IntervalStart.Compare(b.IntervalStart); c != 0 {
			return c
		}
		return strings.Compare(a.Area, b.Area)
	})
	return out, nil
}

// parseGMT reads an OASIS GMT timestamp such as 2025-02-19T08:00:00-00:00.
func parseGMT(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("interval time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// malformed wraps collector.ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("caiso: "+format+": %w", append(args, collector.ErrMalformed)...)
}
