package api

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// filterIndex maps a filter name to its position in filterColumns.
var filterIndex = func() map[string]int {
	m := make(map[string]int, len(filterColumns))
	for i, name := range filterColumns {
		m[name] = i
	}
	return m
}()

// Enumerations of the CurveObservation contract (DESIGN §7): a filter on one
// of them is matched case-insensitively and an unknown value is a 400.
var (
	assetClasses = []string{
		string(schemas.AssetClassPower), string(schemas.AssetClassRenewable), string(schemas.AssetClassGas),
		string(schemas.AssetClassCarbon), string(schemas.AssetClassStorage), string(schemas.AssetClassOther),
	}
	priceTypes = []string{
		string(schemas.PriceTypeMid), string(schemas.PriceTypeBid), string(schemas.PriceTypeAsk), string(schemas.PriceTypeLast),
		string(schemas.PriceTypeSettle), string(schemas.PriceTypeIndex), string(schemas.PriceTypeStrip), string(schemas.PriceTypeCustom),
	}
	tenorTypes = []string{
		string(schemas.TenorMonthly), string(schemas.TenorQuarter), string(schemas.TenorSeason),
		string(schemas.TenorCalendar), string(schemas.TenorStrip), string(schemas.TenorCustom),
	}
	stripTypes = []string{string(schemas.TenorQuarter), string(schemas.TenorSeason), string(schemas.TenorCalendar)}
	isoCodes   = []string{
		string(schemas.IsoPJM), string(schemas.IsoCAISO), string(schemas.IsoERCOT), string(schemas.IsoNYISO),
		string(schemas.IsoMISO), string(schemas.IsoISONE), string(schemas.IsoSPP), string(schemas.IsoAESO),
	}
)

// dimensionColumns are the dimensions GET /v1/metadata/dimensions lists.
var dimensionColumns = market.DimensionNames

var curveKeyPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// format is the representation of a list: JSON in the envelope, or CSV.
type format uint8

const (
	formatJSON format = iota
	formatCSV
)

// listQuery is a parsed, validated and normalised query string. Only the
// fields of parameters the endpoint accepts are ever set.
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
	limit   int
	format  format
	cursor  string
	// after is the keyset position decoded from cursor; nil on page one.
	after []string

	// binding identifies the question asked (endpoint and every parameter
	// but cursor, limit and format): a cursor is only valid for its binding.
	binding [16]byte
	// canonical is the whole normalised query (sorted parameters in
	// canonical spelling, cursor, limit and format included): what the
	// cache key and the ETag are derived from.
	canonical string
}

// page is the page of the read q asks for.
func (q *listQuery) page() market.Page { return market.Page{Limit: q.limit, After: q.after} }

// filter returns the values of the named dimension filter.
func (q *listQuery) filter(name string) []string { return q.filters[filterIndex[name]] }

// parseQuery parses and validates the raw query string of a request to ep:
// every parameter must be one ep accepts and well-formed, and a cursor must
// have been issued by this API for the same question and not have expired.
// Errors are problems naming the parameter.
func (s *Server) parseQuery(rawQuery string, ep *listEndpoint) (*listQuery, error) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, BadRequest(fmt.Sprintf("malformed query string: %v", err))
	}
	q := &listQuery{limit: DefaultLimit}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)

	var canon, binding strings.Builder
	for _, name := range names {
		if !slices.Contains(ep.params, name) {
			return nil, InvalidParameter(name, fmt.Sprintf("is not a parameter of GET %s (it takes %s)", ep.path, strings.Join(ep.params, ", ")))
		}
		norm, err := q.set(name, values[name])
		if err != nil {
			return nil, err
		}
		pair := name + "=" + url.QueryEscape(norm) + "&"
		canon.WriteString(pair)
		if name != "cursor" && name != "limit" && name != "format" {
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
	q.canonical = canon.String()
	if q.cursor != "" {
		// The MAC makes the decoded values ones this API wrote for the
		// same endpoint and filters, so they need no further validation.
		if q.after, err = s.cursors.decode(q.cursor, q.binding, ep.keyLen); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// set parses one parameter into q and returns its canonical spelling.
func (q *listQuery) set(name string, raw []string) (string, error) {
	if i, ok := filterIndex[name]; ok {
		vals, err := filterValues(name, raw)
		if err != nil {
			return "", err
		}
		q.filters[i] = vals
		return strings.Join(vals, ","), nil
	}
	switch name {
	case "asof":
		vals, err := listValues(name, raw)
		if err != nil {
			return "", err
		}
		dates := make([]time.Time, len(vals))
		for i, v := range vals {
			if dates[i], err = parseDate(name, v); err != nil {
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
	case "asof_a", "asof_b":
		v, err := singleValue(name, raw)
		if err != nil {
			return "", err
		}
		d, err := parseDate(name, v)
		if err != nil {
			return "", err
		}
		if name == "asof_a" {
			q.asofA = d
		} else {
			q.asofB = d
		}
		return d.Format(time.DateOnly), nil
	case "limit":
		v, err := singleValue(name, raw)
		if err != nil {
			return "", err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return "", InvalidParameter(name, fmt.Sprintf("must be an integer from 1 to %d, not %q", MaxLimit, v))
		}
		q.limit = n
		return strconv.Itoa(n), nil
	case "cursor":
		v, err := singleValue(name, raw)
		if err != nil {
			return "", err
		}
		q.cursor = v
		return v, nil
	case "format":
		v, err := singleValue(name, raw)
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
		return "", InvalidParameter(name, fmt.Sprintf("must be json or csv, not %q", v))
	case "type":
		v, err := enumValue(name, raw, stripTypes)
		q.strip = v
		return v, err
	case "dimension":
		vals, err := listValues(name, raw)
		if err != nil {
			return "", err
		}
		for _, v := range vals {
			if !slices.Contains(dimensionColumns, v) {
				return "", InvalidParameter(name, fmt.Sprintf("%q is not a dimension (one of %s)", v, strings.Join(dimensionColumns, ", ")))
			}
		}
		q.dims = sortedDistinct(vals)
		return strings.Join(q.dims, ","), nil
	case "prefix":
		v, err := singleValue(name, raw)
		q.prefix = v
		return v, err
	case "counts":
		v, err := singleValue(name, raw)
		if err != nil {
			return "", err
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", InvalidParameter(name, fmt.Sprintf("must be true or false, not %q", v))
		}
		q.counts = b
		return strconv.FormatBool(b), nil
	case "year":
		v, err := singleValue(name, raw)
		if err != nil {
			return "", err
		}
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 2200 {
			return "", InvalidParameter(name, fmt.Sprintf("must be a year from 1900 to 2200, not %q", v))
		}
		q.year = y
		return strconv.Itoa(y), nil
	}
	// Every accepted parameter has a case above; reaching here is a
	// mistake in an endpoint's parameter list, reported as the client would
	// see it rather than as a 500.
	return "", InvalidParameter(name, "is not supported")
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
			if !curveKeyPattern.MatchString(vals[i]) {
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
	case !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0:
		return InvalidParameter(name, "must be UTF-8 text without NUL characters")
	}
	return nil
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
		return time.Time{}, InvalidParameter(name, fmt.Sprintf("must be a date YYYY-MM-DD, not %q", v))
	}
	return d, nil
}

func sortedDistinct(vals []string) []string {
	slices.Sort(vals)
	return slices.Compact(vals)
}
