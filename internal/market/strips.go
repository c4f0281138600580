package market

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/calendar"
	"github.com/aurum-energy/aurum/internal/sqlb"
)

// Strip is a QUARTER, SEASON or CALENDAR strip of a curve: the average of
// its MONTHLY mids weighted by the hours of the curve's block.
type Strip struct {
	Curve
	PriceType string
	AsofDate  time.Time
	TenorType string
	Label     string
	Months    []string
	Hours     float64
	Mid       float64
	// last is the strip's last month, its keyset position.
	last time.Time
}

// monthRow is one MONTHLY mid that strips are built from.
type monthRow struct {
	Curve
	PriceType string
	Month     time.Time
	Mid       float64
	AsofDate  time.Time
}

func scanMonth(rows pgx.Rows, m *monthRow) error {
	return rows.Scan(append(m.fields(), &m.PriceType, &m.Month, &m.Mid, &m.AsofDate)...)
}

// Strips reads the strips of type stripType (QUARTER, SEASON, CALENDAR) of
// the curves f selects (its tenor type filter is ignored: strips are made
// of MONTHLY rows), from the latest observations or, when asof is not zero,
// those of that date; per curve, price type and strip, the average of the
// strip's MONTHLY mids weighted by the hours of the curve's block in its
// ISO's time zone (calendar.Weighted). Only complete strips are returned,
// in keyset order curve_key, price type, first month.
func (r *Reader) Strips(ctx context.Context, f CurveFilter, asof time.Time, stripType string, p Page) ([]Strip, []string, error) {
	f[FilterTenorType] = nil
	var (
		out  []Strip
		full bool // a strip beyond the page exists
	)
	emit := func(s *Strip) bool {
		if len(out) == p.Limit {
			full = true
			return false
		}
		out = append(out, *s)
		return true
	}
	acc := stripAccumulator{tenorType: stripType}
	batch := r.stripBatch(p.Limit)
	after := p.After
	for {
		rows, err := r.monthRows(ctx, f, asof, after, batch)
		if err != nil {
			return nil, nil, err
		}
		n, err := acc.feed(rows, emit)
		if err != nil {
			return nil, nil, err
		}
		if full {
			break
		}
		if n < batch {
			acc.flush(emit)
			break
		}
		m := acc.lastRead
		after = []string{m.Key, m.PriceType, m.Month.Format(time.DateOnly)}
	}
	if !full {
		return out, nil, nil
	}
	last := out[len(out)-1]
	return out, []string{last.Key, last.PriceType, last.last.Format(time.DateOnly)}, nil
}

// monthRows reads up to limit MONTHLY mids after the keyset after, in
// curve_key, price type, month order, the newest first within a month (of
// two labels for one month, e.g. "2027-01" and "Jan-27", the latest
// observation wins).
func (r *Reader) monthRows(ctx context.Context, f CurveFilter, asof time.Time, after []string, limit int) (pgx.Rows, error) {
	return r.months.query(ctx, r.db, func(b *sqlb.Builder) {
		from := afterCurve(b, after)
		b.Text("SELECT " + curveColumns + ", o.price_type::text, o.contract_month, o.mid, o.asof_date FROM ")
		f.curvesOf(b, from)
		b.Text(" CROSS JOIN LATERAL (")
		date := ""
		if !asof.IsZero() {
			date = b.Param(asof) + "::date"
		}
		observationsOf(b, f, date, " AND o.tenor_type = 'MONTHLY' AND o.mid IS NOT NULL AND o.contract_month IS NOT NULL")
		b.Text(lateralEnd + " o WHERE TRUE")
		f.whereCurves(b)
		if after != nil {
			b.Text(" AND c.curve_key >= " + from + " AND (c.curve_key, o.price_type, o.contract_month) > (" + from + ", ")
			b.Arg(after[1], "::text::curve_price_type, ")
			b.Arg(after[2], "::date)")
		}
		b.Text(" ORDER BY c.curve_key, o.price_type, o.contract_month, o.asof_date DESC LIMIT ")
		b.Arg(limit, "")
	})
}

// stripAccumulator groups consecutive monthly rows (ordered by curve_key,
// price_type, month) into strips and emits each complete one.
type stripAccumulator struct {
	tenorType string
	// cur is the strip being gathered; points its months' prices.
	cur      Strip
	points   []calendar.MonthPrice
	open     bool
	lastRead monthRow
}

// feed reads rows into strips, calling emit for each complete one, until
// the rows end or emit returns false. It returns the number of rows read.
func (a *stripAccumulator) feed(rows pgx.Rows, emit func(*Strip) bool) (int, error) {
	defer rows.Close()
	n := 0
	var m monthRow
	for rows.Next() {
		if err := scanMonth(rows, &m); err != nil {
			return n, fmt.Errorf("scan: %w", err)
		}
		n++
		label := calendar.StripLabel(a.tenorType, m.Month)
		if a.open && (m.Key != a.cur.Key || m.PriceType != a.cur.PriceType || label != a.cur.Label) {
			if !a.flush(emit) {
				break
			}
		}
		a.lastRead = m
		if !a.open {
			a.start(&m, label)
		}
		a.add(&m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read rows: %w", err)
	}
	return n, nil
}

func (a *stripAccumulator) start(m *monthRow, label string) {
	a.cur = Strip{Curve: m.Curve, PriceType: m.PriceType, TenorType: a.tenorType, Label: label, AsofDate: m.AsofDate}
	a.points = a.points[:0]
	a.open = true
}

func (a *stripAccumulator) add(m *monthRow) {
	month := time.Date(m.Month.Year(), m.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
	if n := len(a.points); n > 0 && a.points[n-1].Month.Equal(month) {
		return // a second label for the same month: the newest came first
	}
	a.points = append(a.points, calendar.MonthPrice{Month: month, Price: m.Mid})
	if m.AsofDate.After(a.cur.AsofDate) {
		a.cur.AsofDate = m.AsofDate
	}
}

// flush closes the open strip, emitting it when it has all its months and
// its block is one the calendar knows. It returns what emit returned (true
// when nothing was emitted).
func (a *stripAccumulator) flush(emit func(*Strip) bool) bool {
	if !a.open {
		return true
	}
	a.open = false
	months, err := calendar.StripMonths(a.tenorType, a.cur.Label)
	if err != nil || len(months) != len(a.points) {
		return true
	}
	block := calendar.ATC
	if a.cur.Block != nil && *a.cur.Block != "" {
		if block, err = calendar.ParseBlock(*a.cur.Block); err != nil {
			return true
		}
	}
	iso := ""
	if a.cur.ISO != nil {
		iso = *a.cur.ISO
	}
	mid, hours, err := calendar.Weighted(a.points, block, calendar.LocationForISO(iso))
	if err != nil {
		return true
	}
	s := a.cur
	s.Mid, s.Hours = mid, hours
	s.Months = make([]string, len(months))
	for i, m := range months {
		s.Months[i] = m.Format("2006-01")
	}
	s.last = months[len(months)-1]
	return emit(&s)
}
