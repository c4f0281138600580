package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/internal/store/storetest"
	"github.com/aurum-energy/aurum/schemas"
)

// The fixture: four curves observed on two as-of dates.
//
//   - PJM WEST HUB ON (power): MONTHLY 2027-01..12 and a QUARTER 2027-Q1, MID.
//   - PJM WEST HUB OFF (power): MONTHLY 2027-01..12, MID.
//   - ERCOT NORTH HUB ATC (power): MONTHLY 2027-01..12, MID and SETTLE. On
//     asofA its MID 2027-03 is 0 and its MID 2027-04 has no mid (value only).
//   - HENRY HUB (gas, no iso, no block): MONTHLY 2027-01..06, MID; on asofA
//     its 2027-06 has no mid and it has a 2026-12 tenor observed only then.
//
// mid = base + month index + 0.25 on asofB.
const (
	asofA = "2026-01-05"
	asofB = "2026-01-06"
)

var (
	pjmOn  = curve.Identity{AssetClass: "power", ISO: "PJM", Region: "MIDATL", Location: "WEST HUB", Market: "DA", Product: "ENERGY", Block: "ON"}
	pjmOff = curve.Identity{AssetClass: "power", ISO: "PJM", Region: "MIDATL", Location: "WEST HUB", Market: "DA", Product: "ENERGY", Block: "OFF"}
	ercot  = curve.Identity{AssetClass: "power", ISO: "ERCOT", Region: "TEXAS", Location: "NORTH HUB", Market: "DA", Product: "ENERGY", Block: "ATC"}
	henry  = curve.Identity{AssetClass: "gas", Location: "HENRY HUB", Market: "NYMEX", Product: "NG"}
)

// fixRow is one curve_observation row of the fixture.
type fixRow struct {
	id        curve.Identity
	key       string
	asof      string
	priceType string
	tenorType string
	label     string
	month     *time.Time
	value     *float64
	mid       *float64
}

func fp(v float64) *float64 { return &v }

func monthOf(label string) *time.Time {
	m, err := time.Parse("2006-01", label)
	if err != nil {
		panic(err)
	}
	return &m
}

// fixtureRows returns every row of the fixture.
func fixtureRows() []fixRow {
	var rows []fixRow
	add := func(id curve.Identity, asof, priceType, tenorType, label string, month *time.Time, value, mid *float64) {
		rows = append(rows, fixRow{id: id, key: curve.Key(id), asof: asof, priceType: priceType,
			tenorType: tenorType, label: label, month: month, value: value, mid: mid})
	}
	for k, asof := range []string{asofA, asofB} {
		bump := 0.25 * float64(k)
		monthly := func(id curve.Identity, priceType string, base float64, n int) {
			for m := range n {
				label := fmt.Sprintf("2027-%02d", m+1)
				v := base + float64(m) + bump
				value, mid := fp(v), fp(v)
				switch {
				case asof == asofA && id == ercot && priceType == "MID" && m == 2:
					mid = fp(0)
				case asof == asofA && id == ercot && priceType == "MID" && m == 3,
					asof == asofA && id == henry && m == 5:
					mid = nil
				}
				add(id, asof, priceType, "MONTHLY", label, monthOf(label), value, mid)
			}
		}
		monthly(pjmOn, "MID", 50, 12)
		add(pjmOn, asof, "MID", "QUARTER", "2027-Q1", monthOf("2027-01"), fp(60+bump), fp(60+bump))
		monthly(pjmOff, "MID", 30, 12)
		monthly(ercot, "MID", 40, 12)
		monthly(ercot, "SETTLE", 45, 12)
		monthly(henry, "MID", 3, 6)
	}
	add(henry, asofA, "MID", "MONTHLY", "2026-12", monthOf("2026-12"), fp(2.5), fp(2.5))
	return rows
}

// latestRows returns the fixture rows a latest read answers: per curve, tenor and
// price type, the newest.
func latestRows(rows []fixRow) []fixRow {
	newest := map[string]fixRow{}
	var order []string
	for _, r := range rows {
		k := r.key + "|" + r.label + "|" + r.priceType
		old, ok := newest[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || r.asof > old.asof {
			newest[k] = r
		}
	}
	out := make([]fixRow, 0, len(order))
	for _, k := range order {
		out = append(out, newest[k])
	}
	return out
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// insertRows writes rows to the curve model as the materialiser does
// (market.WriteCurves), in one transaction.
func insertRows(t testing.TB, st *store.Store, rows []fixRow) {
	t.Helper()
	obs := make([]schemas.CurveObservation, len(rows))
	for i, r := range rows {
		asof, _ := time.Parse(time.DateOnly, r.asof)
		o := &obs[i]
		*o = schemas.CurveObservation{
			AsofDate: asof, AssetClass: schemas.AssetClass(r.id.AssetClass), ISO: optString(r.id.ISO),
			Region: optString(r.id.Region), Location: optString(r.id.Location), Market: optString(r.id.Market),
			Product: optString(r.id.Product), Block: optString(r.id.Block),
			PriceType: schemas.PriceType(r.priceType), TenorType: schemas.TenorType(r.tenorType), TenorLabel: r.label,
			ContractMonth: r.month, Value: r.value, Mid: r.mid,
			Currency: optString("USD"), PerUnit: optString("MWh"), UnitsRaw: "$/MWh", IngestTS: time.Now().UTC(),
		}
		curve.Complete(o)
	}
	if err := st.InTx(context.Background(), func(tx pgx.Tx) error { return market.WriteCurves(context.Background(), tx, obs) }); err != nil {
		t.Fatalf("insert fixture: %v", err)
	}
}

// curveServer is a test server reading a fresh database holding the
// fixture, with a Redis cache of its own.
type curveServer struct {
	*testServer
	store *store.Store
	rows  []fixRow
}

// newCurveServer starts a server on a fresh, migrated database with the
// fixture loaded. deps.Redis defaults to the test Redis; rate limiting is
// off unless cfg configures it.
func newCurveServer(t testing.TB, cfg Config, deps Deps) *curveServer {
	t.Helper()
	return newCurveServerOn(t, store.Config{}, cfg, deps)
}

// newCurveServerOn is newCurveServer on the database of scfg (a fresh one
// when scfg.URL is empty).
func newCurveServerOn(t testing.TB, scfg store.Config, cfg Config, deps Deps) *curveServer {
	t.Helper()
	st := storetest.Migrated(t, scfg)
	rows := fixtureRows()
	insertRows(t, st, rows)

	if cfg.RateLimit == (RateLimitConfig{}) {
		cfg.RateLimit.Disabled = true
	}
	cfg.Cache.KeyPrefix = "test:" + t.Name() + ":"
	if deps.Redis == nil {
		deps.Redis = testRedis(t)
	}
	deps.Store = st
	return &curveServer{testServer: newTestServer(t, cfg, deps), store: st, rows: rows}
}

// followVersions makes s learn data versions from the database's
// notifications, as `aurum api` does, once they are known.
func (s *curveServer) followVersions(t testing.TB) {
	t.Helper()
	v := market.NewVersions(s.store.Pool(), discardLogger())
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	s.versions = v
	eventually(t, "data versions read", func() bool {
		_, ok := v.Get(market.DatasetCurves)
		return ok
	})
}

// viewer are the headers of a caller holding curves:read.
var viewer = map[string]string{HeaderTenant: "acme", HeaderRoles: "viewer"}

// get requests path as a viewer, with extra headers.
func (s *curveServer) get(t *testing.T, path string, extra ...string) *httptest.ResponseRecorder {
	t.Helper()
	h := map[string]string{}
	for k, v := range viewer {
		h[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return s.do(t, http.MethodGet, path, h)
}

// listPage is a decoded list response.
type listPage struct {
	Meta struct {
		RequestID  string `json:"request_id"`
		Count      int    `json:"count"`
		NextCursor string `json:"next_cursor"`
	} `json:"meta"`
	Data []map[string]any `json:"data"`
}

// list GETs path and decodes the page, failing unless it is a 200.
func (s *curveServer) list(t *testing.T, path string) listPage {
	t.Helper()
	rec := s.get(t, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, rec.Code, rec.Body)
	}
	var p listPage
	decodeInto(t, rec, &p)
	if p.Meta.Count != len(p.Data) {
		t.Fatalf("GET %s: meta.count %d, %d rows", path, p.Meta.Count, len(p.Data))
	}
	return p
}

// listAll follows next_cursor from path to the last page and returns every
// row, failing if a page is larger than limit.
func (s *curveServer) listAll(t *testing.T, path string, limit int) []map[string]any {
	t.Helper()
	var all []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := path + sep + "limit=" + fmt.Sprint(limit)
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		p := s.list(t, next)
		if len(p.Data) > limit {
			t.Fatalf("page of %d rows with limit %d", len(p.Data), limit)
		}
		all = append(all, p.Data...)
		if p.Meta.NextCursor == "" {
			return all
		}
		next = path + sep + "limit=" + fmt.Sprint(limit) + "&cursor=" + url.QueryEscape(p.Meta.NextCursor)
	}
}

// rowKey identifies a curve row in a response.
func rowKey(r map[string]any) string {
	return fmt.Sprintf("%v|%v|%v|%v", r["asof_date"], r["curve_key"], r["tenor_label"], r["price_type"])
}

func fixKey(r fixRow) string {
	return fmt.Sprintf("%s|%s|%s|%s", r.asof, r.key, r.label, r.priceType)
}
