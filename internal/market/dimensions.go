package market

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/sqlb"
)

// DimensionNames are the curve dimensions Dimensions lists, in the order it
// lists them.
var DimensionNames = []string{
	"asset_class", "block", "iso", "location", "market", "price_type", "product", "region", "tenor_type",
}

// observationDimensions are the dimensions of the observations rather
// than of the curve; the curve lists its own in an array column named
// after them (price_types, tenor_types).
var observationDimensions = map[string]bool{"price_type": true, "tenor_type": true}

// DimensionsQuery asks for the distinct values of curve dimensions.
type DimensionsQuery struct {
	// Filter narrows the curves the values come from; by tenor and price
	// type, to the curves observed with one of those types.
	Filter CurveFilter
	// Dimensions to list, a subset of DimensionNames, sorted; nil for all.
	Dimensions []string
	// Prefix keeps the values starting with it, case-insensitively.
	Prefix string
	// Counts adds the number of curves per value.
	Counts bool
}

// DimensionValue is one value of a dimension, with the number of curves
// that have it when counted.
type DimensionValue struct {
	Dimension, Value string
	Curves           int64
}

// Dimensions reads the distinct values of each curve dimension among the
// curves q selects, in keyset order dimension, value.
func (r *Reader) Dimensions(ctx context.Context, q DimensionsQuery, p Page) ([]DimensionValue, []string, error) {
	dims := q.Dimensions
	if dims == nil {
		dims = DimensionNames
	}
	rows, err := r.dims.query(ctx, r.db, func(b *sqlb.Builder) { buildDimensionsSQL(b, q, dims, p) })
	if err != nil {
		return nil, nil, err
	}
	scan := func(rows pgx.Rows, v *DimensionValue) error {
		if q.Counts {
			return rows.Scan(&v.Dimension, &v.Value, &v.Curves)
		}
		return rows.Scan(&v.Dimension, &v.Value)
	}
	return collect(rows, p.Limit, scan, func(v *DimensionValue) []string { return []string{v.Dimension, v.Value} })
}

// buildDimensionsSQL lists each dimension's values from the curve table
// alone: tenor and price type from the types each curve has been observed
// with (curve.tenor_types, curve.price_types), whose filters keep the
// curves having one of the types asked for.
func buildDimensionsSQL(b *sqlb.Builder, q DimensionsQuery, dims []string, p Page) {
	// Bind the filters and the prefix once; every branch refers to them.
	var where strings.Builder
	for i, vals := range q.Filter {
		if vals == nil {
			continue
		}
		switch i {
		case FilterTenorType:
			where.WriteString(" AND c.tenor_types && " + b.Param(vals) + "::text[]::curve_tenor_type[]")
		case FilterPriceType:
			where.WriteString(" AND c.price_types && " + b.Param(vals) + "::text[]::curve_price_type[]")
		default:
			where.WriteString(" AND c." + CurveFilterNames[i] + " = ANY(" + b.Param(vals) + "::text[])")
		}
	}
	prefix := ""
	if q.Prefix != "" {
		prefix = b.Param(escapeLike(q.Prefix) + "%")
	}
	b.Text("SELECT dimension, value")
	if q.Counts {
		b.Text(", curves")
	}
	b.Text(" FROM (")
	for i, dim := range dims {
		if i > 0 {
			b.Text(" UNION ALL ")
		}
		col, from := "c."+dim, "curve c WHERE c."+dim+" IS NOT NULL"
		if observationDimensions[dim] {
			// A curve lists each of its types once: count(*) counts curves.
			col, from = "v::text", "curve c CROSS JOIN unnest(c."+dim+"s) v WHERE TRUE"
		}
		b.Text("SELECT '" + dim + "'::text AS dimension, " + col + " AS value")
		if q.Counts {
			b.Text(", count(*) AS curves")
		}
		b.Text(" FROM " + from + where.String())
		if prefix != "" {
			b.Text(" AND " + col + " ILIKE " + prefix)
		}
		b.Text(" GROUP BY 2")
	}
	b.Text(") d")
	if p.After != nil {
		b.Text(" WHERE (dimension, value) > (")
		b.Arg(p.After[0], ", ")
		b.Arg(p.After[1], ")")
	}
	b.Text(" ORDER BY dimension, value LIMIT ")
	b.Arg(p.Limit+1, "")
}

// escapeLike escapes the LIKE wildcards of s, so a prefix matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
