package api

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// tenantList describes a list endpoint over tenant data (scenarios, runs,
// outputs): the filters it takes besides limit, cursor and format, and
// the length of its keyset. Unlike market-data lists these answers are
// neither cached nor shared between tenants.
type tenantList struct {
	// path is the route template, e.g. /v1/runs/:run_id/outputs.
	path string
	// filters parse the endpoint's filter parameters into their canonical
	// values; any parameter not here nor in pageParams is a 400.
	filters map[string]func(name string, raw []string) ([]string, error)
	// keyLen is the number of keyset values in a cursor.
	keyLen int
}

// pageQuery is a parsed list query of a tenantList.
type pageQuery struct {
	limit   int
	format  format
	filters map[string][]string
	// after is the keyset position of the cursor; nil on page one.
	after []string
	// binding identifies the question (endpoint, tenant, resource and
	// filters): a cursor is only valid for its binding.
	binding [16]byte
	// canonical is the normalised query, for the ETag.
	canonical string
}

// parsePageQuery parses and validates the query of a request to l about the
// resource scope (e.g. a run id, "" for none) on behalf of tenant.
func (s *Server) parsePageQuery(c echo.Context, l *tenantList, tenant, scope string) (*pageQuery, error) {
	values, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, BadRequest(fmt.Sprintf("malformed query string: %v", err))
	}
	accepted := names(pageParams)
	for name := range l.filters {
		accepted = append(accepted, name)
	}
	slices.Sort(accepted)

	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)

	q := &pageQuery{filters: map[string][]string{}}
	// limit, cursor and format parse as on every list endpoint.
	page := listQuery{limit: DefaultLimit}
	var canon, binding strings.Builder
	binding.WriteString(l.path + "\x00" + tenant + "\x00" + scope + "?")
	for _, name := range names {
		if !slices.Contains(accepted, name) {
			return nil, InvalidParameter(name, fmt.Sprintf("is not a parameter of GET %s (it takes %s)",
				l.path, strings.Join(accepted, ", ")))
		}
		var norm string
		if parse, ok := l.filters[name]; ok {
			vals, err := parse(name, values[name])
			if err != nil {
				return nil, err
			}
			q.filters[name] = vals
			norm = strings.Join(vals, ",")
			binding.WriteString(name + "=" + url.QueryEscape(norm) + "&")
		} else {
			i := slices.IndexFunc(pageParams, func(p param) bool { return p.name == name })
			if norm, err = pageParams[i].parse(&page, values[name]); err != nil {
				return nil, err
			}
		}
		canon.WriteString(name + "=" + url.QueryEscape(norm) + "&")
	}
	q.limit, q.format = page.limit, page.format
	sum := sha256.Sum256([]byte(binding.String()))
	copy(q.binding[:], sum[:])
	q.canonical = canon.String()
	if page.cursor != "" {
		if q.after, err = s.cursors.decode(page.cursor, q.binding, l.keyLen); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// respondTable answers a page of a tenant list: t holds its rows and next
// is the keyset position of its last row when there is another page. The
// ETag covers the rows, so If-None-Match revalidates; tenant data changes
// at any moment, so clients must revalidate unless maxAge says otherwise.
func (s *Server) respondTable(c echo.Context, l *tenantList, q *pageQuery, t *table, next []string, maxAge time.Duration) error {
	p := &page{list: true, count: t.count, body: t.bytes()}
	if next != nil {
		p.next = s.cursors.encode(next, q.binding)
	}
	etag := etagOf([]byte(l.path), []byte(c.Request().URL.Path), []byte(q.canonical), p.body)
	return respondPage(c, q.format, p, etag, maxAge)
}

// respondRow sends one resource, encoded by its cells, in the envelope.
func respondRow(c echo.Context, status int, r row) error {
	w := cellWriter{mode: modeJSON, first: true, buf: make([]byte, 0, 512)}
	w.buf = append(w.buf, `{"meta":{"request_id":`...)
	w.buf = appendJSONString(w.buf, requestID(c))
	w.buf = append(w.buf, `},"data":{`...)
	r.cells(&w)
	w.buf = append(w.buf, "}}\n"...)
	return c.Blob(status, echo.MIMEApplicationJSON, w.buf)
}

// keyTime and parseKeyTime write and read an instant in a cursor.
func keyTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseKeyTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, InvalidParameter("cursor", "is not a cursor issued by this API; use the next_cursor of a previous page")
	}
	return t, nil
}

// instant writes a timestamp in RFC 3339 (UTC, up to microseconds).
func (w *cellWriter) instant(n string, v time.Time) {
	w.name(n)
	switch w.mode {
	case modeJSON:
		w.buf = append(w.buf, '"')
		w.buf = v.UTC().AppendFormat(w.buf, time.RFC3339Nano)
		w.buf = append(w.buf, '"')
	case modeCSV:
		w.buf = v.UTC().AppendFormat(w.buf, time.RFC3339Nano)
	}
}

func (w *cellWriter) optInstant(n string, v *time.Time) {
	if v == nil {
		w.name(n)
		w.null()
		return
	}
	w.instant(n, *v)
}

func (w *cellWriter) optInt(n string, v *int) {
	if v == nil {
		w.name(n)
		w.null()
		return
	}
	w.integer(n, int64(*v))
}

// rawJSON writes v, valid JSON, as is: a JSON member, or its text in one
// CSV field.
func (w *cellWriter) rawJSON(n string, v []byte) {
	w.name(n)
	switch w.mode {
	case modeJSON:
		w.buf = append(w.buf, v...)
	case modeCSV:
		w.buf = appendCSVField(w.buf, string(v))
	}
}

// principalOf returns the authenticated caller of a protected route.
func principalOf(c echo.Context) (Principal, error) {
	p, ok := PrincipalFrom(c.Request().Context())
	if !ok {
		return Principal{}, Unauthorized("authentication required")
	}
	return p, nil
}

// errNoTenantStore answers the tenant endpoints of a server built without a
// store.
var errNoTenantStore = NewProblem(http.StatusServiceUnavailable, "not-ready", "scenarios are not available: the API has no database")

// tenantCall starts every tenant endpoint: the caller, the database the
// endpoint needs, and — when idParam names a path parameter — the
// resource id, a UUID.
func (s *Server) tenantCall(c echo.Context, idParam string) (p Principal, id string, err error) {
	if p, err = principalOf(c); err != nil {
		return Principal{}, "", err
	}
	if s.store == nil {
		return Principal{}, "", errNoTenantStore
	}
	if idParam != "" {
		if id, err = pathUUID(idParam, c.Param(idParam)); err != nil {
			return Principal{}, "", err
		}
	}
	return p, id, nil
}
