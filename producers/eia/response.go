package eia

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
)

// Response is the part of an EIA API v2 answer a collector reads: the
// `response` object of a data or seriesid route. `request`, `apiVersion`
// and `ExcelAddInVersion` are ignored.
type Response struct {
	// Total is the number of rows the query matches across all pages; -1
	// when the answer did not say.
	Total int
	// Frequency is the frequency the rows are at ("hourly", "daily",
	// "weekly", "monthly", "annual", ...).
	Frequency string
	// DateFormat is EIA's description of the period format, e.g.
	// `YYYY-MM-DD"T"HH24`.
	DateFormat string
	// Description is the route's description, kept for the series catalog.
	Description string
	// ID names the dataset of a seriesid answer ("international").
	ID string
	// Warnings are the informational warnings ("incomplete return": the
	// API capped the page; offset paging fetches the rest).
	Warnings []string
	// Rows are the data rows, each with its fields in the order EIA sent
	// them.
	Rows []Row
}

// Row is one data row: its fields in the order EIA sent them (facet
// columns first, in the route's facet order, then labels, data columns and
// units).
type Row []Field

// Field is one key of a data row with its raw JSON value.
type Field struct {
	Key   string
	Value json.RawMessage
}

// Get returns the raw value of key and whether the row has it.
func (r Row) Get(key string) (json.RawMessage, bool) {
	for _, f := range r {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// get is the raw value of key, nil when the row has none.
func (r Row) get(key string) json.RawMessage {
	v, _ := r.Get(key)
	return v
}

// String returns the value of key as text: a JSON string unquoted, a
// number as written, "" for null or a missing key.
func (r Row) String(key string) string {
	raw, ok := r.Get(key)
	if !ok {
		return ""
	}
	s, _ := scalarText(raw)
	return s
}

type envelope struct {
	Response *struct {
		Total       json.RawMessage   `json:"total"`
		Frequency   string            `json:"frequency"`
		DateFormat  string            `json:"dateFormat"`
		Description string            `json:"description"`
		ID          string            `json:"id"`
		Warnings    []warning         `json:"warnings"`
		Data        []json.RawMessage `json:"data"`
	} `json:"response"`
	Error json.RawMessage `json:"error"`
	Code  json.RawMessage `json:"code"`
}

type warning struct {
	Warning     string `json:"warning"`
	Description string `json:"description"`
}

// ParseResponse reads the body of an EIA API v2 data or seriesid answer.
// Invalid JSON, an EIA error body ({"error": ...}) or an answer without
// `response.data` is an error wrapping collector.ErrMalformed, with the
// provider's message when it sent one.
func ParseResponse(body []byte) (Response, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Response{}, fmt.Errorf("%w: eia: %v", collector.ErrMalformed, err)
	}
	if len(env.Error) > 0 && string(env.Error) != "null" {
		return Response{}, fmt.Errorf("%w: eia error: %s", collector.ErrMalformed, errorMessage(env.Error, env.Code))
	}
	if env.Response == nil {
		return Response{}, fmt.Errorf("%w: eia: no \"response\" object", collector.ErrMalformed)
	}
	r := env.Response
	if r.Data == nil {
		return Response{}, fmt.Errorf("%w: eia: no \"response.data\" array", collector.ErrMalformed)
	}
	out := Response{
		Total:       -1,
		Frequency:   r.Frequency,
		DateFormat:  r.DateFormat,
		Description: strings.TrimSpace(r.Description),
		ID:          r.ID,
	}
	if len(r.Total) > 0 && string(r.Total) != "null" {
		s, _ := scalarText(r.Total)
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Response{}, fmt.Errorf("%w: eia: total %s is not a count", collector.ErrMalformed, r.Total)
		}
		out.Total = n
	}
	for _, w := range r.Warnings {
		out.Warnings = append(out.Warnings, strings.TrimSpace(w.Warning+": "+w.Description))
	}
	rows, err := parseRows(r.Data)
	if err != nil {
		return Response{}, err
	}
	out.Rows = rows
	return out, nil
}

// ParseRows reads a bare array of data rows (the `response.data` array
// alone).
func ParseRows(body []byte) ([]Row, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, fmt.Errorf("%w: eia rows: %v", collector.ErrMalformed, err)
	}
	return parseRows(raws)
}

func parseRows(raws []json.RawMessage) ([]Row, error) {
	rows := make([]Row, 0, len(raws))
	for i, raw := range raws {
		row, err := parseRow(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: eia: data row %d: %v", collector.ErrMalformed, i, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// parseRow decodes one JSON object keeping its key order, which carries
// the route's facet order.
func parseRow(raw json.RawMessage) (Row, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	var row Row
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		row = append(row, Field{Key: key, Value: v})
	}
	return row, nil
}

// errorMessage renders EIA's error value: a string, or an object with a
// message (the api.data.gov gateway's {"code", "message"}).
func errorMessage(raw, code json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if c, _ := scalarText(code); c != "" {
			return s + " (code " + c + ")"
		}
		return s
	}
	var obj struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
		if obj.Code != "" {
			return obj.Code + ": " + obj.Message
		}
		return obj.Message
	}
	return string(raw)
}

// scalarText renders a JSON scalar as text: a string unquoted, a number as
// written; ok is false for null, objects and arrays.
func scalarText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '{', '[':
		return "", false
	default:
		return string(raw), true
	}
}

// ParseValue reads a data value: a number or a numeric string is the
// value; null, "NA", "W", "--" or any other text is no value (nil), the
// text kept as raw. raw is nil only when EIA sent null.
func ParseValue(v json.RawMessage) (value *float64, raw *string) {
	s, ok := scalarText(v)
	if !ok {
		return nil, nil
	}
	raw = &s
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return nil, raw
	}
	return &f, raw
}

// ParsePeriod reads a row's period in UTC by its shape: "2020" (or the
// number 2020), "2024-01" (month), "2024-Q1" (quarter), "2024-10-01" (day;
// weekly periods are dates too), "2020-01-06T06" (an hour in UTC, as the
// hourly rto routes send it) and "2020-01-06T01-05" (a local hour with its
// UTC offset, the local-hourly frequency). The instant is the start of the
// period.
func ParsePeriod(v json.RawMessage) (time.Time, error) {
	s, ok := scalarText(v)
	if !ok {
		return time.Time{}, fmt.Errorf("period %s is not a string or number", v)
	}
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 4:
		return time.Parse("2006", s)
	case len(s) == 7 && s[5] == 'Q':
		t, err := time.Parse("2006", s[:4])
		q := int(s[6] - '0')
		if err != nil || s[4] != '-' || q < 1 || q > 4 {
			return time.Time{}, fmt.Errorf("period %q is not a quarter", s)
		}
		return t.AddDate(0, 3*(q-1), 0), nil
	case len(s) == 7:
		return time.Parse("2006-01", s)
	case len(s) == 10:
		return time.Parse("2006-01-02", s)
	case len(s) == 13:
		return time.Parse("2006-01-02T15", s)
	case len(s) == 16:
		t, err := time.Parse("2006-01-02T15-07", s)
		return t.UTC(), err
	case len(s) == 19:
		t, err := time.Parse("2006-01-02T15-07:00", s)
		return t.UTC(), err
	}
	return time.Time{}, fmt.Errorf("period %q has no known format", s)
}
