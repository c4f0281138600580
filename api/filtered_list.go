package api

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// filteredHandler serves a list endpoint whose filters are its own rather
// than listQuery's: build parses them (v holds only the filters) and
// returns the endpoint answering them, whose path is the resource's path
// followed by the filters' canonical spelling (filterSpelling.path). The
// path scopes cursors, ETags and cache keys, so they are bound to the
// filters as they are for listQuery's. limit, cursor and format are
// parsed by listHandler as on every list endpoint; any other parameter is
// a 400 naming it.
func (s *Server) filteredHandler(route string, filters []string, build func(c echo.Context, v url.Values) (*listEndpoint, error)) echo.HandlerFunc {
	accepted := params(filters, pageParams)
	return func(c echo.Context) error {
		u := c.Request().URL
		values, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return BadRequest(fmt.Sprintf("malformed query string: %v", err))
		}
		names := make([]string, 0, len(values))
		for name := range values {
			names = append(names, name)
		}
		slices.Sort(names)
		own, page := url.Values{}, url.Values{}
		for _, name := range names {
			switch {
			case slices.Contains(filters, name):
				own[name] = values[name]
			case slices.Contains(pageParams, name):
				page[name] = values[name]
			default:
				return InvalidParameter(name, fmt.Sprintf("is not a parameter of GET %s (it takes %s)", route, strings.Join(accepted, ", ")))
			}
		}
		ep, err := build(c, own)
		if err != nil {
			return err
		}
		return s.serveList(c, ep, page.Encode())
	}
}

// filterSpelling accumulates the canonical spelling of an endpoint's
// filters, in the order added (which must be fixed per endpoint).
type filterSpelling struct{ b strings.Builder }

// add appends name=value unless value is empty.
func (f *filterSpelling) add(name, value string) {
	if value == "" {
		return
	}
	f.b.WriteString(name + "=" + url.QueryEscape(value) + "&")
}

// path is the endpoint path of listEndpoint for resource path p.
func (f *filterSpelling) path(p string) string { return p + "?" + f.b.String() }

// optional parses the parameter name of v with parse, or returns "" when
// it is absent.
func optional(v url.Values, name string, parse func(name string, raw []string) (string, error)) (string, error) {
	raw, ok := v[name]
	if !ok {
		return "", nil
	}
	return parse(name, raw)
}

// timeRange is the start and end parameters: start inclusive, end
// exclusive; zero when absent.
type timeRange struct{ start, end time.Time }

// parseTimeRange parses start and end, each a date (YYYY-MM-DD, UTC) or an
// RFC 3339 instant. An end date includes its whole day.
func parseTimeRange(v url.Values) (timeRange, error) {
	var r timeRange
	for _, name := range []string{"start", "end"} {
		raw, ok := v[name]
		if !ok {
			continue
		}
		s, err := singleValue(name, raw)
		if err != nil {
			return r, err
		}
		t, err := parseInstant(name, s)
		if err != nil {
			return r, err
		}
		if name == "start" {
			r.start = t
		} else {
			if len(s) == len(time.DateOnly) {
				t = t.AddDate(0, 0, 1)
			}
			r.end = t
		}
	}
	if !r.start.IsZero() && !r.end.IsZero() && !r.start.Before(r.end) {
		return r, InvalidParameter("end", fmt.Sprintf("must be after start (%s)", r.start.Format(time.RFC3339)))
	}
	return r, nil
}

// parseInstant parses a date (midnight UTC) or an RFC 3339 instant.
func parseInstant(name, s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, InvalidParameter(name, fmt.Sprintf("must be a date YYYY-MM-DD or an RFC 3339 time such as 2026-03-02T14:00:00Z, not %q", s))
	}
	return t.UTC(), nil
}

// spell adds the range's canonical spelling to f.
func (r timeRange) spell(f *filterSpelling) {
	if !r.end.IsZero() {
		f.add("end", r.end.Format(time.RFC3339Nano))
	}
	if !r.start.IsZero() {
		f.add("start", r.start.Format(time.RFC3339Nano))
	}
}
