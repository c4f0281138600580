package api

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/calendar"
)

// stripBatchRows is the least number of monthly rows a strips request reads
// per round trip.
const stripBatchRows = 1000

// stripBatch is how many monthly rows a strips request reads per round
// trip: a page of n strips needs up to 12·(n+1) rows, more when strips are
// incomplete, and a batch ends in the middle of a strip at worst.
func stripBatch(limit int) int { return max(stripBatchRows, 13*(limit+1)) }

// monthRow is one MONTHLY mid that strips are built from.
type monthRow struct {
	curveIdentity
	PriceType string
	Month     time.Time
	Mid       float64
	AsofDate  time.Time
	Currency  *string
	PerUnit   *string
}

func (r *monthRow) scan(rows pgx.Rows) error {
	return rows.Scan(&r.CurveKey, &r.AssetClass, &r.ISO, &r.Region, &r.Location, &r.Market, &r.Product,
		&r.Block, &r.SparkLocation, &r.PriceType, &r.Month, &r.Mid, &r.AsofDate, &r.Currency, &r.PerUnit)
}

// stripRow is one row of GET /v1/curves/strips.
type stripRow struct {
	curveIdentity
	PriceType string
	AsofDate  time.Time
	TenorType string
	Label     string
	Months    []string
	Hours     float64
	Mid       float64
	Currency  *string
	PerUnit   *string
	// last is the strip's last month, its keyset position.
	last time.Time
}

func (r *stripRow) cells(w *cellWriter) {
	r.curveIdentity.cells(w)
	w.str("price_type", r.PriceType)
	w.date("asof_date", r.AsofDate)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.Label)
	w.strList("months", r.Months)
	w.num("hours", r.Hours)
	w.num("mid", r.Mid)
	w.optStr("currency", r.Currency)
	w.optStr("per_unit", r.PerUnit)
}

// curvesStripsEndpoint is GET /v1/curves/strips: per curve, price type and
// QUARTER, SEASON or CALENDAR strip, the average of the strip's MONTHLY mids
// weighted by the hours of the curve's block in its ISO's time zone
// (calendar.Weighted). Only complete strips are listed, in keyset order
// curve_key, price_type, first month.
func (s *Server) curvesStripsEndpoint() *listEndpoint {
	st := &statements{build: buildStripsSQL}
	return &listEndpoint{
		path: "/v1/curves/strips",
		// tenor_type is not a filter here: strips are built from MONTHLY rows.
		params:  params(filterColumns[:7], filterColumns[8:], pageParams, []string{"asof", "type"}),
		keyLen:  3,
		dataset: datasetCurves,
		check: func(q *listQuery) error {
			switch {
			case q.strip == "":
				return InvalidParameter("type", "is required: QUARTER, SEASON or CALENDAR")
			case len(q.asof) > 1:
				return InvalidParameter("asof", "takes one date on this endpoint")
			}
			return nil
		},
		maxAge: func(q *listQuery) time.Duration { return s.maxAgeFor(q.asof...) },
		fetch: func(ctx context.Context, q *listQuery) (*table, []string, error) {
			return s.fetchStrips(ctx, st, q)
		},
	}
}

func buildStripsSQL(b *sqlBuilder, q *listQuery) {
	b.text(`SELECT curve_key, asset_class, iso, region, location, market, product, block, spark_location,
	price_type, contract_month, mid, asof_date, currency, per_unit`)
	if len(q.asof) == 0 {
		b.text(" FROM curve_latest WHERE TRUE")
	} else {
		b.text(" FROM curve_observation WHERE asof_date = ")
		b.arg(q.asof[0])
		b.text("::date")
	}
	b.text(" AND tenor_type = 'MONTHLY' AND mid IS NOT NULL AND contract_month IS NOT NULL")
	b.filters(q, "")
	if q.after != nil {
		b.text(" AND (curve_key, price_type, contract_month) > (")
		b.arg(q.after[0])
		b.text(", ")
		b.arg(q.after[1])
		b.text(", ")
		b.arg(q.after[2])
		b.text("::date)")
	}
	// Newest first within a month, so that of two labels for one month
	// (e.g. "2027-01" and "Jan-27") the latest observation wins.
	b.text(" ORDER BY curve_key, price_type, contract_month, asof_date DESC LIMIT ")
	b.arg(q.batch)
}

// fetchStrips reads monthly rows in batches, in keyset order, and folds
// them into strips until it has a page and one more strip (or no rows are
// left).
func (s *Server) fetchStrips(ctx context.Context, st *statements, q *listQuery) (*table, []string, error) {
	t := newTable(q.format, &stripRow{})
	var (
		last stripRow // the last strip added to t
		full bool     // a strip beyond the page exists
	)
	emit := func(r *stripRow) bool {
		if t.count == q.limit {
			full = true
			return false
		}
		t.add(r)
		last = *r
		return true
	}
	acc := stripAccumulator{tenorType: q.strip}
	batch := *q
	batch.batch = s.stripBatch(q.limit)
	for {
		rows, err := st.query(ctx, s.pool, &batch)
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
		if n < batch.batch {
			acc.flush(emit)
			break
		}
		r := acc.lastRead
		batch.after = []string{r.CurveKey, r.PriceType, r.Month.Format(time.DateOnly)}
	}
	if !full {
		return t, nil, nil
	}
	return t, []string{last.CurveKey, last.PriceType, last.last.Format(time.DateOnly)}, nil
}

// stripAccumulator groups consecutive monthly rows (ordered by curve_key,
// price_type, month) into strips and emits each complete one.
type stripAccumulator struct {
	tenorType string
	// cur is the strip being gathered; points its months' prices.
	cur      stripRow
	points   []calendar.MonthPrice
	open     bool
	lastRead monthRow
}

// feed reads rows into strips, calling emit for each complete one, until
// the rows end or emit returns false. It returns the number of rows read.
func (a *stripAccumulator) feed(rows pgx.Rows, emit func(*stripRow) bool) (int, error) {
	defer rows.Close()
	n := 0
	var r monthRow
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return n, fmt.Errorf("scan: %w", err)
		}
		n++
		label := calendar.StripLabel(a.tenorType, r.Month)
		if a.open && (r.CurveKey != a.cur.CurveKey || r.PriceType != a.cur.PriceType || label != a.cur.Label) {
			if !a.flush(emit) {
				break
			}
		}
		a.lastRead = r
		if !a.open {
			a.start(&r, label)
		}
		a.add(&r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read rows: %w", err)
	}
	return n, nil
}

func (a *stripAccumulator) start(r *monthRow, label string) {
	a.cur = stripRow{
		curveIdentity: r.curveIdentity, PriceType: r.PriceType, TenorType: a.tenorType, Label: label,
		AsofDate: r.AsofDate, Currency: r.Currency, PerUnit: r.PerUnit,
	}
	a.points = a.points[:0]
	a.open = true
}

func (a *stripAccumulator) add(r *monthRow) {
	month := time.Date(r.Month.Year(), r.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
	if n := len(a.points); n > 0 && a.points[n-1].Month.Equal(month) {
		return // a second label for the same month: the newest came first
	}
	a.points = append(a.points, calendar.MonthPrice{Month: month, Price: r.Mid})
	if r.AsofDate.After(a.cur.AsofDate) {
		a.cur.AsofDate = r.AsofDate
	}
}

// flush closes the open strip, emitting it when it has all its months and
// its block is one the calendar knows. It returns what emit returned (true
// when nothing was emitted).
func (a *stripAccumulator) flush(emit func(*stripRow) bool) bool {
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
	r := a.cur
	r.Mid, r.Hours = mid, hours
	r.Months = make([]string, len(months))
	for i, m := range months {
		r.Months[i] = m.Format("2006-01")
	}
	r.last = months[len(months)-1]
	return emit(&r)
}
