package api

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/calendar"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/units"
)

// staticMaxAge is the Cache-Control max-age of reference data that only a
// new release changes.
const staticMaxAge = 24 * time.Hour

// dimensionRow is one row of GET /v1/metadata/dimensions.
type dimensionRow struct {
	market.DimensionValue
	// withCounts adds the curves column (counts=true).
	withCounts bool
}

func (r *dimensionRow) cells(w *cellWriter) {
	w.str("dimension", r.Dimension)
	w.str("value", r.Value)
	if r.withCounts {
		w.integer("curves", r.Curves)
	}
}

// dimensionsEndpoint is GET /v1/metadata/dimensions: the distinct values of
// each curve dimension, optionally narrowed by the curve filters, a
// dimension list and a value prefix (case-insensitive), with the number of
// curves per value when counts=true (market.Reader.Dimensions).
func (s *Server) dimensionsEndpoint() *listEndpoint {
	return &listEndpoint{
		path:    "/v1/metadata/dimensions",
		params:  params(curveFilterParams, pageParams, []param{countsParam, dimensionParam, prefixParam}),
		keyLen:  2,
		dataset: market.DatasetCurves,
		maxAge:  func(*listQuery) time.Duration { return s.cfg.Cache.LatestMaxAge },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			values, next, err := s.market.Dimensions(ctx, market.DimensionsQuery{
				Filter: q.filters, Dimensions: q.dims, Prefix: q.prefix, Counts: q.counts,
			}, q.page())
			if err != nil {
				return nil, nil, err
			}
			t := newTable(q.format, &dimensionRow{withCounts: q.counts})
			for _, v := range values {
				t.add(&dimensionRow{DimensionValue: v, withCounts: q.counts})
			}
			return t, next, nil
		},
	}
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
		params: []param{formatParam},
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
	params: []param{isoParam, yearParam},
}

// getCalendar serves GET /v1/metadata/calendars: the NERC holidays and the
// hours of every delivery block per month of a year (default: this year)
// in an ISO's prevailing local time (default PJM), calendar.Describe.
func (s *Server) getCalendar(c echo.Context) error {
	q, err := s.parseQuery(c, calendarsParams)
	if err != nil {
		return err
	}
	year, iso := q.year, "PJM"
	if year == 0 {
		year = time.Now().UTC().Year()
	}
	if q.iso != "" {
		iso = q.iso
	}
	body, err := json.Marshal(calendar.Describe(year, calendar.LocationForISO(iso)))
	if err != nil {
		return fmt.Errorf("encode calendar: %w", err)
	}
	return respondPage(c, formatJSON, &page{body: body}, etagOf([]byte(calendarsParams.path), body), staticMaxAge)
}
