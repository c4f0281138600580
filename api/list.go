package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/market"
)

// listEndpoint describes a read endpoint to the one pipeline that serves
// them all (listHandler): parameters, pagination, the dataset it reads and
// how to fetch a page. Handlers are thus only SQL and row shapes.
type listEndpoint struct {
	// path is the route, e.g. /v1/curves; it scopes cache keys and cursors.
	path string
	// pathParams are the parameters of the route's path, in its order.
	pathParams []param
	// params are the query parameters the endpoint accepts; any other is a 400.
	params []param
	// keyLen is the number of keyset values in a cursor of this endpoint.
	keyLen int
	// tenant marks a list of tenant data (scenarios, runs, outputs): its
	// cursors are bound to the caller's tenant, and it is served by its
	// handler, under row-level security, with respondTable.
	tenant bool
	// dataset is the data_version row the answer depends on; "" for
	// answers computed from code alone (not cached, ETag over the data).
	dataset string
	// check validates combinations of parameters, after each was parsed.
	check func(q *listQuery) error
	// fetch reads one page: its rows and, when there are more, the keyset
	// values of its last row.
	fetch func(ctx context.Context, q *listQuery) (t *table, next []string, err error)
	// maxAge is how long a client may reuse the answer to q.
	maxAge func(q *listQuery) time.Duration
}

// tableOf is the table of a page a list endpoint read (items, next and err
// as the read returned them), each item written as the row as makes of it.
func tableOf[E any](f format, items []E, next []string, err error, as func(*E) row) (*table, []string, error) {
	if err != nil {
		return nil, nil, err
	}
	var zero E
	t := newTable(f, as(&zero))
	for i := range items {
		t.add(as(&items[i]))
	}
	return t, next, nil
}

// listHandler serves ep: parse and validate the query, answer 304 when the
// client's ETag is current, else serve the page from the cache or the
// database, in the envelope or as CSV.
func (s *Server) listHandler(ep *listEndpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := s.parseQuery(c, ep)
		if err != nil {
			return err
		}
		return s.serveList(c, ep, q)
	}
}

// serveList answers the list request q to ep. Its database work — the
// data version and the page, when they are not known — has
// Config.DatabaseTimeout, so a database that does not answer costs a
// request a 503 (unavailableProblem), not a hang.
func (s *Server) serveList(c echo.Context, ep *listEndpoint, q *listQuery) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.DatabaseTimeout)
	defer cancel()
	maxAge := ep.maxAge(q)
	if ep.dataset == "" {
		p, err := s.fetchPage(ctx, ep, q)
		if err != nil {
			return err
		}
		return respondPage(c, q.format, p, etagOf([]byte(ep.path), []byte(q.canonical), p.body), maxAge)
	}

	if s.pool == nil {
		return errNoStore
	}
	version, err := s.dataVersion(ctx, ep.dataset)
	if err != nil {
		return err
	}
	etag := etagOf([]byte(version), []byte(ep.path), []byte(q.canonical))
	if etagMatches(c, etag) {
		setValidators(c, etag, maxAge)
		return respondNotModified(c)
	}
	// The ETag already hashes what names the page: the cache keys by it.
	key := s.cache.prefix + strings.Trim(etag, `"`)
	p, err := s.cache.load(ctx, key, func(ctx context.Context) (*page, error) {
		return s.fetchPage(ctx, ep, q)
	})
	if err != nil {
		return err
	}
	return respondPage(c, q.format, p, etag, maxAge)
}

// respondPage answers with p, or 304 when the client has it (etag).
func respondPage(c echo.Context, f format, p *page, etag string, maxAge time.Duration) error {
	setValidators(c, etag, maxAge)
	if etagMatches(c, etag) {
		return respondNotModified(c)
	}
	return writePage(c, f, p)
}

// errNoStore answers the data endpoints of a server built without a store.
var errNoStore = NewProblem(http.StatusServiceUnavailable, "not-ready", "market data is not available: the API has no database")

// fetchPage reads one page of ep and signs the cursor of the next.
func (s *Server) fetchPage(ctx context.Context, ep *listEndpoint, q *listQuery) (*page, error) {
	t, next, err := ep.fetch(ctx, q)
	if err != nil {
		return nil, err
	}
	p := &page{list: true, count: t.count, body: t.bytes()}
	if next != nil {
		p.next = s.cursors.encode(next, q.binding)
	}
	return p, nil
}

// writePage sends a page: CSV as is (the next cursor in X-Next-Cursor), JSON
// in the envelope. The envelope is assembled around the cached data rather
// than re-encoded, since only request_id differs between requests, in a
// buffer of envelopes so that the answer leaves in one write (three writes
// cost a TCP segment each).
func writePage(c echo.Context, f format, p *page) error {
	resp := c.Response()
	if f == formatCSV {
		if p.next != "" {
			resp.Header().Set(HeaderNextCursor, p.next)
		}
		return c.Blob(http.StatusOK, MIMETextCSV, p.body)
	}
	bp := envelopes.Get().(*[]byte)
	b := append((*bp)[:0], `{"meta":{"request_id":`...)
	b = appendJSONString(b, requestID(c))
	if p.list {
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(p.count), 10)
	}
	if p.next != "" {
		b = append(b, `,"next_cursor":"`...)
		b = append(b, p.next...)
		b = append(b, '"')
	}
	b = append(b, `},"data":`...)
	b = append(b, p.body...)
	b = append(b, "}\n"...)

	h := resp.Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	resp.WriteHeader(http.StatusOK)
	_, err := resp.Write(b)
	if cap(b) <= maxPooledEnvelope {
		*bp = b
		envelopes.Put(bp)
	}
	return err
}

// envelopes are the buffers writePage assembles answers in; one larger
// than maxPooledEnvelope (a page of big rows) is left to the collector.
var envelopes = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledEnvelope = 1 << 20

// maxAgeFor is the Cache-Control max-age of an answer as of dates: short
// for the latest data (no date, or today or later), which the next load
// changes; long when every date is in the past, which rarely changes.
func (s *Server) maxAgeFor(dates ...time.Time) time.Duration {
	if len(dates) == 0 {
		return s.cfg.Cache.LatestMaxAge
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	for _, d := range dates {
		if d.IsZero() || !d.Before(today) {
			return s.cfg.Cache.LatestMaxAge
		}
	}
	return s.cfg.Cache.HistoryMaxAge
}

// dataVersion returns the token of dataset's current data version: from
// memory (Deps.Versions) when it knows it, else from the database.
func (s *Server) dataVersion(ctx context.Context, dataset string) (string, error) {
	if s.versions != nil {
		if token, ok := s.versions.Get(dataset); ok {
			return token, nil
		}
	}
	return market.DataVersion(ctx, s.pool, dataset)
}
