package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
)

// outputRow is one output of a run (docs/CONTRACTS.md#scenarios).
type outputRow struct {
	model.Output
	// drivers are the run's output_drivers, which the deltas are of.
	drivers []string
	// attribution is the JSON array of Output.Attribution.
	attribution []byte
}

func (r *outputRow) scan(rows pgx.Rows) (err error) {
	if r.Output, err = runs.ScanOutput(rows, r.drivers); err != nil {
		return err
	}
	if r.attribution, err = json.Marshal(r.Attribution); err != nil {
		return fmt.Errorf("attribution of %s %s %s: %w", r.CurveKey, r.TenorLabel, r.Metric, err)
	}
	return nil
}

func (r *outputRow) cells(w *cellWriter) {
	w.str("curve_key", r.CurveKey)
	w.str("tenor_type", r.TenorType)
	w.str("tenor_label", r.TenorLabel)
	w.optDate("contract_month", r.ContractMonth)
	w.str("metric", r.Metric)
	w.num("value", r.Value)
	w.optNum("band_lower", r.BandLower)
	w.optNum("band_upper", r.BandUpper)
	w.rawJSON("attribution", r.attribution)
}

// key is the keyset position of the row, the order of the table's key.
func (r *outputRow) key() []string {
	return []string{r.CurveKey, r.TenorType, r.TenorLabel, r.Metric}
}

// MaxOutputPageBytes bounds the rows of one page of GET
// /v1/runs/{run_id}/outputs: an output carries an attribution entry per
// driver, so limit alone does not bound a page. A page that would exceed it
// ends early with a next_cursor.
const MaxOutputPageBytes = 4 << 20

// runOutputsList is GET /v1/runs/{run_id}/outputs.
var runOutputsList = &listEndpoint{
	path:       "/v1/runs/:run_id/outputs",
	tenant:     true,
	pathParams: []param{scopeParam("run_id")},
	params: params(pageParams, []param{
		selectParam("curve_key", filterValues), selectParam("tenor_type", filterValues), selectParam("metric", metricValues),
	}),
	keyLen: 4,
}

// metricValues parses the metric filter: names as the worker writes them.
func metricValues(name string, raw []string) ([]string, error) {
	vals, err := listValues(name, raw)
	if err != nil {
		return nil, err
	}
	return sortedDistinct(vals), nil
}

// listRunOutputs is GET /v1/runs/{run_id}/outputs: the outputs of a
// SUCCEEDED run in key order, at most limit of them and MaxOutputPageBytes
// of rows per page. A run that has not succeeded has none to
// show, even if its worker wrote some before it was cancelled or failed.
// A succeeded run's outputs never change, so clients may keep them.
func (s *Server) listRunOutputs(c echo.Context) error {
	p, id, err := s.tenantCall(c, "run_id")
	if err != nil {
		return err
	}
	q, err := s.parseQuery(c, runOutputsList)
	if err != nil {
		return err
	}
	page := runs.Page{Limit: q.limit}
	for _, v := range q.after {
		page.After = append(page.After, v)
	}
	filter := runs.OutputFilter{CurveKeys: q.selected["curve_key"], TenorTypes: q.selected["tenor_type"], Metrics: q.selected["metric"]}
	t := newTable(q.format, &outputRow{})
	var next []string
	state, err := s.runs.OutputPage(c.Request().Context(), p.Tenant, id, filter, page, func(drivers []string, rows pgx.Rows) (err error) {
		next, err = collectWithin(rows, t, q.limit, MaxOutputPageBytes, &outputRow{drivers: drivers})
		return err
	})
	if errors.Is(err, runs.ErrNotFound) {
		return errNoRun(id)
	}
	if err != nil {
		return err
	}
	var maxAge time.Duration
	if state == schemas.RunSucceeded {
		maxAge = s.cfg.Cache.HistoryMaxAge
	}
	return s.respondTable(c, runOutputsList, q, t, next, maxAge)
}
