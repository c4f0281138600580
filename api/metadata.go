package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/calendar"
	"github.com/aurum-energy/aurum/internal/units"
)

// staticMaxAge is the Cache-Control max-age of reference data that only a
// new release changes.
const staticMaxAge = 24 * time.Hour

// dimensionRow is one row of GET /v1/metadata/dimensions.
type dimensionRow struct {
	Dimension string
	Value     string
	Curves    int64
	// withCounts adds the curves column (counts=true).
	withCounts bool
}

func (r *dimensionRow) scan(rows pgx.Rows) error {
	if r.withCounts {
		return rows.Scan(&r.Dimension, &r.Value, &r.Curves)
	}
	return rows.Scan(&r.Dimension, &r.Value)
}

func (r *dimensionRow) cells(w *cellWriter) {
	w.str("dimension", r.Dimension)
	w.str("value", r.Value)
	if r.withCounts {
		w.integer("curves", r.Curves)
	}
}

func (r *dimensionRow) key() []string { return []string{r.Dimension, r.Value} }

// dimensionsEndpoint is GET /v1/metadata/dimensions: the distinct values of
// each curve dimension among the latest curves, optionally narrowed by the
// curve filters, a dimension list and a value prefix (case-insensitive),
// with the number of curves per value when counts=true; in keyset order
// dimension, value.
func (s *Server) dimensionsEndpoint() *listEndpoint {
	st := &statements{build: buildDimensionsSQL}
	return &listEndpoint{
		path:    "/v1/metadata/dimensions",
		params:  params(curveFilterParams, pageParams, []string{"counts", "dimension", "prefix"}),
		keyLen:  2,
		dataset: datasetCurves,
		maxAge:  func(*listQuery) time.Duration { return s.cfg.Cache.LatestMaxAge },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			rows, err := st.query(ctx, s.pool, q)
			if err != nil {
				return nil, nil, err
			}
			t := newTable(q.format, &dimensionRow{withCounts: q.counts})
			next, err := collect(rows, t, q.limit, &dimensionRow{withCounts: q.counts})
			return t, next, err
		},
	}
}

func buildDimensionsSQL(b *sqlBuilder, q *listQuery) {
	dims := q.dims
	if dims == nil {
		dims = dimensionColumns
	}
	// Bind the filters and the prefix once; every branch refers to them.
	var where strings.Builder
	for i, col := range filterColumns {
		if q.filters[i] != nil {
			where.WriteString(" AND " + col + " = ANY(" + b.param(q.filters[i]) + ")")
		}
	}
	prefix := ""
	if q.prefix != "" {
		prefix = b.param(escapeLike(q.prefix) + "%")
	}
	b.text("SELECT dimension, value")
	if q.counts {
		b.text(", curves")
	}
	b.text(" FROM (")
	for i, col := range dims {
		if i > 0 {
			b.text(" UNION ALL ")
		}
		b.text("SELECT '" + col + "'::text AS dimension, " + col + " AS value")
		if q.counts {
			b.text(", count(DISTINCT curve_key) AS curves")
		}
		b.text(" FROM curve_latest WHERE " + col + " IS NOT NULL" + where.String())
		if prefix != "" {
			b.text(" AND " + col + " ILIKE " + prefix)
		}
		b.text(" GROUP BY " + col)
	}
	b.text(") d")
	if q.after != nil {
		b.text(" WHERE (dimension, value) > (")
		b.arg(q.after[0])
		b.text(", ")
		b.arg(q.after[1])
		b.text(")")
	}
	b.text(" ORDER BY dimension, value LIMIT ")
	b.arg(q.limit + 1)
}

// escapeLike escapes the LIKE wildcards of s, so a prefix matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// unitRow is one row of GET /v1/metadata/units.
type unitRow struct{ units.Unit }

func (r *unitRow) cells(w *cellWriter) {
	w.str("canonical", r.Canonical)
	w.str("currency", r.Currency)
	w.str("per_unit", r.PerUnit)
	w.str("kind", r.Kind)
	w.str("description", r.Description)
}

// unitsEndpoint is GET /v1/metadata/units: the price units curves are
// quoted in (units.Known), a short list served whole.
func (s *Server) unitsEndpoint() *listEndpoint {
	return &listEndpoint{
		path:   "/v1/metadata/units",
		params: []string{"format"},
		maxAge: func(*listQuery) time.Duration { return staticMaxAge },
		fetch: func(_ context.Context, q *listQuery) (*table, []string, error) {
			t := newTable(q.format, &unitRow{})
			for _, u := range units.Known() {
				t.add(&unitRow{u})
			}
			return t, nil, nil
		},
	}
}

// calendarsParams are the parameters of GET /v1/metadata/calendars.
var calendarsParams = &listEndpoint{
	path:   "/v1/metadata/calendars",
	params: []string{"iso", "year"},
	check: func(q *listQuery) error {
		iso := q.filter("iso")
		if iso == nil {
			return nil
		}
		if len(iso) > 1 {
			return InvalidParameter("iso", "takes one ISO")
		}
		if !slices.Contains(isoCodes, strings.ToUpper(iso[0])) {
			return InvalidParameter("iso", fmt.Sprintf("%q is not one of %s", iso[0], strings.Join(isoCodes, ", ")))
		}
		return nil
	},
}

// getCalendar serves GET /v1/metadata/calendars: the NERC holidays and the
// hours of every delivery block per month of a year (default: this year)
// in an ISO's prevailing local time (default PJM), calendar.Describe.
func (s *Server) getCalendar(c echo.Context) error {
	q, err := s.parseQuery(c.Request().URL.RawQuery, calendarsParams)
	if err != nil {
		return err
	}
	year, iso := q.year, "PJM"
	if year == 0 {
		year = time.Now().UTC().Year()
	}
	if v := q.filter("iso"); v != nil {
		iso = strings.ToUpper(v[0])
	}
	body, err := json.Marshal(calendar.Describe(year, calendar.LocationForISO(iso)))
	if err != nil {
		return fmt.Errorf("encode calendar: %w", err)
	}
	return respondPage(c, formatJSON, &page{body: body}, etagOf([]byte(calendarsParams.path), body), staticMaxAge)
}
