package eia

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aurum-energy/aurum/producers/collector"
)

// RouteMeta is what EIA declares about a data route at GET /v2/<route>:
// its facets, in the order the route declares them, its frequencies and
// its data columns. Series ids are built from it (Mapping), so that they
// do not depend on how a data row happens to be written.
type RouteMeta struct {
	// ID is the route's last segment ("steo", "region-data").
	ID string
	// Name and Description describe the route.
	Name, Description string
	// Facets are the route's facets in declared order.
	Facets []Facet
	// Frequencies are the frequencies the route can be asked at.
	Frequencies []Frequency
	// Data are the data columns, by id ("value", "price").
	Data map[string]DataColumn
}

// Facet is one facet a route declares: an id such as "respondent" or
// "seriesId", which data rows carry as a column of that name.
type Facet struct {
	ID, Description string
}

// Frequency is one frequency a route declares ("monthly", query "M",
// format "YYYY-MM").
type Frequency struct {
	ID, Description, Query, Format string
}

// DataColumn is one data column a route declares.
type DataColumn struct {
	Alias, Units string
}

// FacetIDs are the ids of the route's facets in declared order.
func (m *RouteMeta) FacetIDs() []string {
	ids := make([]string, len(m.Facets))
	for i, f := range m.Facets {
		ids[i] = f.ID
	}
	return ids
}

type metaEnvelope struct {
	Response *struct {
		ID          string                     `json:"id"`
		Name        string                     `json:"name"`
		Description string                     `json:"description"`
		Facets      *[]Facet                   `json:"facets"`
		Frequency   []Frequency                `json:"frequency"`
		Data        map[string]json.RawMessage `json:"data"`
		Routes      json.RawMessage            `json:"routes"`
	} `json:"response"`
	Error json.RawMessage `json:"error"`
	Code  json.RawMessage `json:"code"`
}

// ParseRouteMeta reads the body of a route metadata answer. An answer
// without `response.facets` (EIA's error body, or a route that only lists
// child routes) is an error wrapping collector.ErrMalformed: such a route
// has no data rows to name.
func ParseRouteMeta(body []byte) (RouteMeta, error) {
	var env metaEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return RouteMeta{}, fmt.Errorf("%w: eia route metadata: %v", collector.ErrMalformed, err)
	}
	if len(env.Error) > 0 && string(env.Error) != "null" {
		return RouteMeta{}, fmt.Errorf("%w: eia route metadata error: %s", collector.ErrMalformed, errorMessage(env.Error, env.Code))
	}
	r := env.Response
	switch {
	case r == nil:
		return RouteMeta{}, fmt.Errorf("%w: eia route metadata: no \"response\" object", collector.ErrMalformed)
	case r.Facets == nil && len(r.Routes) > 0:
		return RouteMeta{}, fmt.Errorf("%w: eia route metadata: %q lists child routes, it is not a data route", collector.ErrMalformed, r.ID)
	case r.Facets == nil:
		return RouteMeta{}, fmt.Errorf("%w: eia route metadata: no \"response.facets\"", collector.ErrMalformed)
	}
	m := RouteMeta{ID: r.ID, Name: r.Name, Description: strings.TrimSpace(r.Description), Frequencies: r.Frequency,
		Data: make(map[string]DataColumn, len(r.Data))}
	for i, f := range *r.Facets {
		if f.ID == "" {
			return RouteMeta{}, fmt.Errorf("%w: eia route metadata: facet %d has no id", collector.ErrMalformed, i)
		}
		m.Facets = append(m.Facets, f)
	}
	for id, raw := range r.Data {
		// A column is {"alias", "units", ...}; units are absent where they
		// vary by series (STEO) and are then read from the rows.
		var c DataColumn
		_ = json.Unmarshal(raw, &c)
		m.Data[id] = c
	}
	return m, nil
}

// routeMeta returns the metadata of route, read once through g and kept.
// When it cannot be read the page falls back to detecting facets from the
// rows (Mapping), and g's logger gets a warning: nil with a nil error. A failed
// read is remembered for the pages that follow, so that one pass over a
// series never mixes the two rules, and tried again on the series' next
// first page. Only a cancelled ctx is an error.
func (s *Source) routeMeta(ctx context.Context, g collector.Getter, route string, firstPage bool) (*RouteMeta, error) {
	s.mu.Lock()
	meta, tried := s.routes[route]
	s.mu.Unlock()
	if meta != nil || (tried && !firstPage) {
		return meta, nil
	}
	body, err := g.Get(ctx, route+"/", nil)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("eia %s metadata: %w", route, ctx.Err())
	}
	if err == nil {
		var m RouteMeta
		if m, err = ParseRouteMeta(body); err == nil {
			meta = &m
		}
	}
	if err != nil {
		g.Logger().Warn("eia route metadata unavailable: series ids fall back to the facets found beside label columns in the rows, "+
			"in alphabetical order, and may differ from those built from the route's declared facets",
			slog.String("route", route), slog.String("error", err.Error()))
	}
	s.mu.Lock()
	s.routes[route] = meta
	s.mu.Unlock()
	return meta, nil
}
