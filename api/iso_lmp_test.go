package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/schemas"
)

// newLMPServer is a curve server whose iso_lmp holds two hours of 5-minute
// real-time PJM prices at two hubs (WEST: 10..21 then 30, 32, ..., 52; EAST:
// 100 throughout, without price_loss), each with an interval length but no
// end, one day-ahead price at WEST with an end, and a CAISO price, written
// as the ISO materialiser writes them.
func newLMPServer(t *testing.T) *curveServer {
	t.Helper()
	s := newCurveServer(t, Config{}, Deps{})
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	price := func(iso schemas.IsoCode, market schemas.IsoMarket, loc string, start time.Time, total float64) *schemas.IsoLmpRecord {
		return &schemas.IsoLmpRecord{IsoCode: iso, Market: market, DeliveryDate: day, IntervalStart: start, LocationID: loc,
			LocationType: schemas.LocationHub, PriceTotal: total, Currency: "USD", UOM: "MWh", IngestTS: time.Now(), RecordHash: "h"}
	}
	var lmp []*schemas.IsoLmpRecord
	for i := range 24 {
		for _, loc := range []string{"WEST", "EAST"} {
			total := 100.0
			if loc == "WEST" && i < 12 {
				total = 10 + float64(i)
			} else if loc == "WEST" {
				total = 30 + 2*float64(i-12)
			}
			p := price(schemas.IsoPJM, schemas.MarketRealTime, loc, day.Add(time.Duration(i)*5*time.Minute), total)
			p.IntervalMinutes, p.PriceEnergy, p.PriceCongestion = ptrTo(int32(5)), ptrTo(20.0), ptrTo(1.0)
			if loc == "WEST" {
				p.PriceLoss = ptrTo(0.5)
			}
			lmp = append(lmp, p)
		}
	}
	da := price(schemas.IsoPJM, schemas.MarketDayAhead, "WEST", day, 25)
	da.IntervalEnd = ptrTo(day.Add(time.Hour))
	lmp = append(lmp, da, price(schemas.IsoCAISO, schemas.MarketRealTime, "TH_NP15", day, 40))
	err := s.store.InTx(context.Background(), func(tx pgx.Tx) error { return market.WriteISO(context.Background(), tx, lmp, nil) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestISOLMPRaw(t *testing.T) {
	t.Parallel()
	s := newLMPServer(t)
	rows := s.listAll(t, "/v1/iso/lmp?iso=pjm", 7)
	if len(rows) != 49 {
		t.Fatalf("%d rows, want 49", len(rows))
	}
	first := rows[0] // EAST sorts before WEST
	if first["market"] != "REAL_TIME" || first["location_id"] != "EAST" || first["interval_end"] != "2026-03-02T00:05:00Z" ||
		first["price_loss"] != nil || first["price_congestion"] != 1.0 || first["iso"] != "PJM" || len(first) != 9 {
		t.Errorf("first row (interval_end from interval_minutes) = %v", first)
	}
	var order []string
	for _, r := range rows[22:27] {
		order = append(order, r["location_id"].(string)+" "+r["market"].(string)+" "+r["interval_start"].(string))
	}
	want := []string{
		"EAST REAL_TIME 2026-03-02T01:50:00Z", "EAST REAL_TIME 2026-03-02T01:55:00Z", "WEST DAY_AHEAD 2026-03-02T00:00:00Z",
		"WEST REAL_TIME 2026-03-02T00:00:00Z", "WEST REAL_TIME 2026-03-02T00:05:00Z",
	}
	if !slices.Equal(order, want) {
		t.Errorf("order of rows 22..26\n got %v\nwant %v", order, want)
	}
	da := rows[24]
	if da["interval_end"] != "2026-03-02T01:00:00Z" || da["price_total"] != 25.0 || da["price_energy"] != nil || len(da) != 9 {
		t.Errorf("day-ahead row = %v", da)
	}

	for _, tc := range []struct {
		query string
		n     int
	}{
		{"iso=PJM&location_id=WEST", 25},
		{"iso=PJM&market=real_time", 48},
		{"iso=PJM&market=REAL_TIME&location_id=EAST,WEST&start=2026-03-02T01:00:00Z", 24},
		{"iso=PJM&end=2026-03-02T00:10:00Z", 5},
		{"iso=PJM&start=2026-03-03", 0},
		{"iso=CAISO", 1},
		{"iso=ERCOT", 0},
	} {
		if got := len(s.listAll(t, "/v1/iso/lmp?"+tc.query, 500)); got != tc.n {
			t.Errorf("%s: %d rows, want %d", tc.query, got, tc.n)
		}
	}
}

func TestISOLMPAggregates(t *testing.T) {
	t.Parallel()
	s := newLMPServer(t)
	summary := func(path string) []string {
		var out []string
		for _, r := range s.listAll(t, path, 1) {
			out = append(out, strings.Join([]string{r["bucket"].(string), r["market"].(string), r["location_id"].(string),
				jsonNum(r["avg"]), jsonNum(r["min"]), jsonNum(r["max"]), jsonNum(r["count"])}, " "))
			if len(r) != 8 || r["iso"] != "PJM" {
				t.Errorf("row = %v", r)
			}
		}
		return out
	}
	hourly := summary("/v1/iso/lmp?iso=PJM&interval=hourly&market=REAL_TIME")
	want := []string{
		"2026-03-02T00:00:00Z REAL_TIME EAST 100 100 100 12",
		"2026-03-02T01:00:00Z REAL_TIME EAST 100 100 100 12",
		"2026-03-02T00:00:00Z REAL_TIME WEST 15.5 10 21 12",
		"2026-03-02T01:00:00Z REAL_TIME WEST 41 30 52 12",
	}
	if !slices.Equal(hourly, want) {
		t.Errorf("hourly\n got %v\nwant %v", hourly, want)
	}
	daily := summary("/v1/iso/lmp?iso=PJM&interval=DAILY&location_id=WEST")
	want = []string{
		"2026-03-02T00:00:00Z DAY_AHEAD WEST 25 25 25 1",
		"2026-03-02T00:00:00Z REAL_TIME WEST 28.25 10 52 24",
	}
	if !slices.Equal(daily, want) {
		t.Errorf("daily\n got %v\nwant %v", daily, want)
	}
	if got := summary("/v1/iso/lmp?iso=PJM&interval=hourly&location_id=WEST&market=REAL_TIME&start=2026-03-02T01:00:00Z"); len(got) != 1 || !strings.HasPrefix(got[0], "2026-03-02T01:00:00Z") {
		t.Errorf("hourly from 01:00 = %v", got)
	}
	rec := s.get(t, "/v1/iso/lmp?iso=PJM&interval=hourly&location_id=WEST&market=REAL_TIME&format=csv")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "iso,market,location_id,bucket,avg,min,max,count\r\nPJM,REAL_TIME,WEST,2026-03-02T00:00:00Z,15.5,10,21,12\r\n") {
		t.Errorf("csv %d %q", rec.Code, rec.Body)
	}
	// A cursor of hourly rows is not one of daily rows.
	p := s.list(t, "/v1/iso/lmp?iso=PJM&interval=hourly&limit=1")
	problemOf(t, s.get(t, "/v1/iso/lmp?iso=PJM&interval=daily&limit=1&cursor="+p.Meta.NextCursor), http.StatusBadRequest)
}

func TestISOLMPBadParameters(t *testing.T) {
	t.Parallel()
	s := newLMPServer(t)
	for _, bad := range []struct{ query, param string }{
		{"", "iso"},
		{"market=REAL_TIME", "iso"},
		{"iso=XYZ", "iso"},
		{"iso=PJM&interval=weekly", "interval"},
		{"iso=PJM&market=INTRADAY", "market"},
		{"iso=PJM&start=2026-13-01", "start"},
		{"iso=PJM&start=2026-03-02&end=2026-03-01", "end"},
		{"iso=PJM&node=WEST", "node"},
		{"iso=PJM&limit=501", "limit"},
	} {
		prob := problemOf(t, s.get(t, "/v1/iso/lmp?"+bad.query), http.StatusBadRequest)
		if !strings.Contains(prob["detail"].(string), `"`+bad.param+`"`) {
			t.Errorf("%s: detail %v does not name %s", bad.query, prob["detail"], bad.param)
		}
	}
	if rec := s.do(t, http.MethodGet, "/v1/iso/lmp?iso=PJM", map[string]string{HeaderTenant: "acme", HeaderRoles: "nobody"}); rec.Code != http.StatusForbidden {
		t.Errorf("without curves:read = %d, want 403", rec.Code)
	}
}

func ptrTo[T any](v T) *T { return &v }
