package api

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// Query parameter limits shared by every list endpoint.
const (
	DefaultLimit = 100
	MaxLimit     = 500
	// maxListValues bounds the values of one comma-separated filter.
	maxListValues = 100
	// maxParamLen bounds one parameter value.
	maxParamLen = 200
)

// filterColumns are the dimension filters of the curve endpoints, each a
// query parameter (market.CurveFilterNames).
var filterColumns = market.CurveFilterNames

// Enumerations of the CurveObservation contract (docs/CONTRACTS.md#records): a filter on one
// of them is matched case-insensitively and an unknown value is a 400.
var (
	assetClasses = schemas.Symbols(schemas.AssetClasses)
	priceTypes   = schemas.Symbols(schemas.PriceTypes)
	tenorTypes   = schemas.Symbols(schemas.TenorTypes)
	stripTypes   = []string{string(schemas.TenorQuarter), string(schemas.TenorSeason), string(schemas.TenorCalendar)}
	isoCodes     = schemas.Symbols(schemas.IsoCodes)
)

// dimensionColumns are the dimensions GET /v1/metadata/dimensions lists.
var dimensionColumns = market.DimensionNames

// format is the representation of a list: JSON in the envelope, or CSV.
type format uint8

const (
	formatJSON format = iota
	formatCSV
)

// listQuery is a parsed, validated and normalised query of a list
// endpoint: its path parameters and query string. Only the fields of
// parameters the endpoint accepts are ever set.
type listQuery struct {
	filters market.CurveFilter // by filterColumns index; nil when absent
	asof    []time.Time        // sorted, distinct
	asofA   time.Time
	asofB   time.Time
	strip   string   // QUARTER, SEASON or CALENDAR
	dims    []string // dimension names, sorted
	prefix  string
	counts  bool
	year    int
	iso     string // one ISO (LMP, calendars)
	lmp     market.LMPQuery
	series  market.SeriesQuery
	// seriesID names the series of a path (with series.Provider).
	seriesID string
	// selected are the filter values of a tenant list (selectParam), by
	// parameter; nil when absent.
	selected map[string][]string
	// start (inclusive) and end (exclusive) bound a time range; zero when
	// absent.
	start, end time.Time
	limit      int
	format     format
	cursor     string
	// after is the keyset position decoded from cursor; nil on page one.
	after []string

	// binding identifies the question asked (endpoint and every parameter
	// but cursor, limit and format): a cursor is only valid for its binding.
	binding [16]byte
	// canonical is the whole normalised query (parameters in canonical
	// spelling, cursor, limit and format included): what the cache key and
	// the ETag are derived from.
	canonical string
}

// page is the page of the read q asks for.
func (q *listQuery) page() market.Page { return market.Page{Limit: q.limit, After: q.after} }

// param is a parameter a list endpoint accepts: parse turns its raw values
// into fields of a listQuery and returns their canonical spelling. Every
// endpoint declares its parameters from the ones below, so a name means the
// same on every endpoint that takes it (iso and market name a curve
// dimension on the curve endpoints but one ISO and a price market on the
// LMP endpoint, and are different params).
type param struct {
	name  string
	parse func(q *listQuery, raw []string) (string, error)
}

// names returns the names of ps, sorted.
func names(ps []param) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return sortedDistinct(out)
}

// params returns the union of parameter lists.
func params(lists ...[]param) []param {
	var out []param
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// The parameters of pagination and representation, which every list
// endpoint takes.
var (
	limitParam = param{"limit", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("limit", raw)
		if err != nil {
			return "", err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return "", InvalidParameter("limit", fmt.Sprintf("must be an integer from 1 to %d, not %q", MaxLimit, v))
		}
		q.limit = n
		return strconv.Itoa(n), nil
	}}
	cursorParam = param{"cursor", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("cursor", raw)
		q.cursor = v
		return v, err
	}}
	formatParam = param{"format", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("format", raw)
		if err != nil {
			return "", err
		}
		switch strings.ToLower(v) {
		case "json":
			q.format = formatJSON
			return "json", nil
		case "csv":
			q.format = formatCSV
			return "csv", nil
		}
		return "", InvalidParameter("format", fmt.Sprintf("must be json or csv, not %q", v))
	}}
	pageParams = []param{cursorParam, formatParam, limitParam}
)

// pageOnly are the parameters a cursor is not bound to.
var pageOnly = map[string]bool{"cursor": true, "limit": true, "format": true}

// curveFilterParams are the dimension filters, accepted by every curve
// endpoint.
var curveFilterParams = func() []param {
	out := make([]param, len(filterColumns))
	for i, name := range filterColumns {
		out[i] = param{name, func(q *listQuery, raw []string) (string, error) {
			vals, err := filterValues(name, raw)
			if err != nil {
				return "", err
			}
			q.filters[i] = vals
			return strings.Join(vals, ","), nil
		}}
	}
	return out
}()

// without returns ps without the parameter named name.
func without(ps []param, name string) []param {
	return slices.DeleteFunc(slices.Clone(ps), func(p param) bool { return p.name == name })
}

// The parameters of the curve endpoints beside the dimension filters.
var (
	asofParam = param{"asof", func(q *listQuery, raw []string) (string, error) {
		vals, err := listValues("asof", raw)
		if err != nil {
			return "", err
		}
		dates := make([]time.Time, len(vals))
		for i, v := range vals {
			if dates[i], err = parseDate("asof", v); err != nil {
				return "", err
			}
		}
		slices.SortFunc(dates, time.Time.Compare)
		q.asof = slices.CompactFunc(dates, time.Time.Equal)
		canon := make([]string, len(q.asof))
		for i, d := range q.asof {
			canon[i] = d.Format(time.DateOnly)
		}
		return strings.Join(canon, ","), nil
	}}
	asofAParam = dateParam("asof_a", func(q *listQuery) *time.Time { return &q.asofA })
	asofBParam = dateParam("asof_b", func(q *listQuery) *time.Time { return &q.asofB })
	stripParam = param{"type", func(q *listQuery, raw []string) (string, error) {
		v, err := enumValue("type", raw, stripTypes)
		q.strip = v
		return v, err
	}}
	dimensionParam = param{"dimension", func(q *listQuery, raw []string) (string, error) {
		vals, err := listValues("dimension", raw)
		if err != nil {
			return "", err
		}
		for _, v := range vals {
			if !slices.Contains(dimensionColumns, v) {
				return "", InvalidParameter("dimension", fmt.Sprintf("%q is not a dimension (one of %s)", v, strings.Join(dimensionColumns, ", ")))
			}
		}
		q.dims = sortedDistinct(vals)
		return strings.Join(q.dims, ","), nil
	}}
	prefixParam = param{"prefix", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("prefix", raw)
		q.prefix = v
		return v, err
	}}
	countsParam = param{"counts", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("counts", raw)
		if err != nil {
			return "", err
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", InvalidParameter("counts", fmt.Sprintf("must be true or false, not %q", v))
		}
		q.counts = b
		return strconv.FormatBool(b), nil
	}}
	yearParam = param{"year", func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue("year", raw)
		if err != nil {
			return "", err
		}
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 2200 {
			return "", InvalidParameter("year", fmt.Sprintf("must be a year from 1900 to 2200, not %q", v))
		}
		q.year = y
		return strconv.Itoa(y), nil
	}}
	// isoParam is one ISO, for the calendars and the LMP.
	isoParam = param{"iso", func(q *listQuery, raw []string) (string, error) {
		v, err := enumValue("iso", raw, isoCodes)
		q.iso = v
		return v, err
	}}
)

// dateParam is a parameter holding one date, stored where field says.
func dateParam(name string, field func(q *listQuery) *time.Time) param {
	return param{name, func(q *listQuery, raw []string) (string, error) {
		v, err := singleValue(name, raw)
		if err != nil {
			return "", err
		}
		d, err := parseDate(name, v)
		if err != nil {
			return "", err
		}
		*field(q) = d
		return d.Format(time.DateOnly), nil
	}}
}

// The bounds of a time range: start inclusive, end exclusive, each a date
// (YYYY-MM-DD, UTC) or an RFC 3339 instant; an end date includes its whole
// day. checkRange checks their order.
var (
	startParam = param{"start", func(q *listQuery, raw []string) (string, error) {
		t, _, err := instantValue("start", raw)
		q.start = t
		return t.Format(time.RFC3339Nano), err
	}}
	endParam = param{"end", func(q *listQuery, raw []string) (string, error) {
		t, date, err := instantValue("end", raw)
		if date {
			t = t.AddDate(0, 0, 1)
		}
		q.end = t
		return t.Format(time.RFC3339Nano), err
	}}
	rangeParams = []param{startParam, endParam}
)

// checkRange refuses an end that is not after the start.
func checkRange(q *listQuery) error {
	if !q.start.IsZero() && !q.end.IsZero() && !q.start.Before(q.end) {
		return InvalidParameter("end", fmt.Sprintf("must be after start (%s)", q.start.Format(time.RFC3339)))
	}
	return nil
}

// instantValue parses the one value of a parameter as a date (midnight
// UTC) or an RFC 3339 instant, and says whether it was a date.
func instantValue(name string, raw []string) (time.Time, bool, error) {
	s, err := singleValue(name, raw)
	if err != nil {
		return time.Time{}, false, err
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, InvalidParameter(name, fmt.Sprintf("must be a date YYYY-MM-DD or an RFC 3339 time such as 2026-03-02T14:00:00Z, not %q", s))
	}
	return t.UTC(), false, nil
}

// parseQuery parses and validates a request to ep: its path parameters
// (ep.pathParams) and every query parameter, each of which must be one ep
// accepts and well-formed; and a cursor must have been issued by this API
// for the same question and not have expired. Errors are problems naming
// the parameter.
func (s *Server) parseQuery(c echo.Context, ep *listEndpoint) (*listQuery, error) {
	values, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, BadRequest(fmt.Sprintf("malformed query string: %v", err))
	}
	q := &listQuery{limit: DefaultLimit}
	var canon, binding strings.Builder
	if ep.tenant {
		// A tenant's cursor is no use to another tenant.
		p, _ := PrincipalFrom(c.Request().Context())
		binding.WriteString("\x00tenant=" + url.QueryEscape(p.Tenant) + "&")
	}
	for _, p := range ep.pathParams {
		norm, err := p.parse(q, []string{c.Param(p.name)})
		if err != nil {
			return nil, err
		}
		binding.WriteString(p.name + "=" + url.QueryEscape(norm) + "&")
	}
	given := make([]string, 0, len(values))
	for name := range values {
		given = append(given, name)
	}
	slices.Sort(given)
	for _, name := range given {
		i := slices.IndexFunc(ep.params, func(p param) bool { return p.name == name })
		if i < 0 {
			return nil, InvalidParameter(name, fmt.Sprintf("is not a parameter of GET %s (it takes %s)",
				ep.path, strings.Join(names(ep.params), ", ")))
		}
		norm, err := ep.params[i].parse(q, values[name])
		if err != nil {
			return nil, err
		}
		pair := name + "=" + url.QueryEscape(norm) + "&"
		canon.WriteString(pair)
		if !pageOnly[name] {
			binding.WriteString(pair)
		}
	}
	if ep.check != nil {
		if err := ep.check(q); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256([]byte(ep.path + "?" + binding.String()))
	copy(q.binding[:], sum[:])
	q.canonical = binding.String() + "\x00" + canon.String()
	if q.cursor != "" {
		// The MAC makes the decoded values ones this API wrote for the
		// same endpoint and filters, so they need no further validation.
		if q.after, err = s.cursors.decode(q.cursor, q.binding, ep.keyLen); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// filterValues parses a dimension filter: a comma-separated list (the
// parameter may also repeat), each value in the column's canonical case.
func filterValues(name string, raw []string) ([]string, error) {
	vals, err := listValues(name, raw)
	if err != nil {
		return nil, err
	}
	var allowed []string
	switch name {
	case "curve_key":
		for i, v := range vals {
			vals[i] = strings.ToLower(v)
			if !curve.IsKey(vals[i]) {
				return nil, InvalidParameter(name, fmt.Sprintf("%q is not a curve key (64 hex digits)", v))
			}
		}
	case "asset_class":
		allowed = assetClasses
		for i, v := range vals {
			vals[i] = strings.ToLower(v)
		}
	case "tenor_type", "price_type":
		allowed = tenorTypes
		if name == "price_type" {
			allowed = priceTypes
		}
		for i, v := range vals {
			vals[i] = strings.ToUpper(v)
		}
	}
	if allowed != nil {
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				return nil, InvalidParameter(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", ")))
			}
		}
	}
	return sortedDistinct(vals), nil
}

// listValues splits every occurrence of a parameter on commas, trims the
// values and drops empty ones; at least one value must remain.
func listValues(name string, raw []string) ([]string, error) {
	var out []string
	for _, r := range raw {
		for v := range strings.SplitSeq(r, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if err := checkText(name, v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	switch {
	case len(out) == 0:
		return nil, InvalidParameter(name, "needs a value")
	case len(out) > maxListValues:
		return nil, InvalidParameter(name, fmt.Sprintf("takes at most %d values", maxListValues))
	}
	return out, nil
}

// singleValue returns the one trimmed, non-empty value of a parameter.
func singleValue(name string, raw []string) (string, error) {
	if len(raw) > 1 {
		return "", InvalidParameter(name, "is given more than once")
	}
	v := strings.TrimSpace(raw[0])
	if v == "" {
		return "", InvalidParameter(name, "needs a value")
	}
	if name == "cursor" {
		return v, nil // opaque; checked by cursorCodec.decode
	}
	return v, checkText(name, v)
}

// checkText rejects values the database cannot hold or compare (invalid
// UTF-8, NUL) and overlong ones, so that they are a 400 rather than a
// database error.
func checkText(name, v string) error {
	switch {
	case len(v) > maxParamLen:
		return InvalidParameter(name, fmt.Sprintf("has a value longer than %d characters", maxParamLen))
	case !isText(v):
		return InvalidParameter(name, "must be "+textReason)
	}
	return nil
}

// textReason is what isText requires, for problems.
const textReason = "UTF-8 text without NUL characters"

// isText reports whether PostgreSQL text can hold v: UTF-8 without NUL.
func isText(v string) bool {
	return utf8.ValidString(v) && strings.IndexByte(v, 0) < 0
}

// enumValue returns the one value of a parameter, upper-cased, which must be
// one of allowed.
func enumValue(name string, raw []string, allowed []string) (string, error) {
	v, err := singleValue(name, raw)
	if err != nil {
		return "", err
	}
	u := strings.ToUpper(v)
	if !slices.Contains(allowed, u) {
		return "", InvalidParameter(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", ")))
	}
	return u, nil
}

// parseDate parses a calendar date, YYYY-MM-DD.
func parseDate(name, v string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, InvalidParameter(name, fmt.Sprintf("must be a date YYYY-MM-DD, not %q", truncate(v, maxEchoLen)))
	}
	return d, nil
}

func sortedDistinct(vals []string) []string {
	slices.Sort(vals)
	return slices.Compact(vals)
}
