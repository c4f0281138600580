package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
)

// scopeParam is the path parameter naming the resource a tenant list is
// of (a scenario, a run), which the handler's tenantCall has validated: it
// binds cursors to that resource.
func scopeParam(name string) param {
	return param{name, func(_ *listQuery, raw []string) (string, error) { return raw[0], nil }}
}

// selectParam is a filter of a tenant list: parse turns its raw values
// into their canonical values, kept in listQuery.selected.
func selectParam(name string, parse func(name string, raw []string) ([]string, error)) param {
	return param{name, func(q *listQuery, raw []string) (string, error) {
		vals, err := parse(name, raw)
		if err != nil {
			return "", err
		}
		if q.selected == nil {
			q.selected = map[string][]string{}
		}
		q.selected[name] = vals
		return strings.Join(vals, ","), nil
	}}
}

// respondTable answers a page of a tenant list: t holds its rows and next
// is the keyset position of its last row when there is another page. The
// ETag covers the rows, so If-None-Match revalidates; tenant data changes
// at any moment, so clients must revalidate unless maxAge says otherwise.
func (s *Server) respondTable(c echo.Context, l *listEndpoint, q *listQuery, t *table, next []string, maxAge time.Duration) error {
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

// timeKeyPage is the page q asks of a list keyed, newest first, by an
// instant and an id (scenarios, runs).
func timeKeyPage(q *listQuery) (runs.Page, error) {
	page := runs.Page{Limit: q.limit}
	if q.after != nil {
		at, err := parseKeyTime(q.after[0])
		if err != nil {
			return page, err
		}
		page.After = []any{at, q.after[1]}
	}
	return page, nil
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
