package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// newLMPServer is a curve server whose iso_lmp holds two hours of 5-minute
// real-time PJM prices at two hubs (WEST: 10..21 then 30, 32, ..., 52; EAST:
// 100 throughout, without price_loss) and one day-ahead price at WEST.
func newLMPServer(t *testing.T) *curveServer {
	t.Helper()
	s := newCurveServer(t, Config{}, Deps{})
	_, err := s.store.Pool().Exec(context.Background(), `
INSERT INTO iso_lmp (iso_code, market, delivery_date, interval_start, interval_end, interval_minutes, location_id,
	location_type, price_total, price_energy, price_congestion, price_loss, currency, uom, ingest_ts, record_hash)
SELECT 'PJM', 'REAL_TIME', '2026-03-02', '2026-03-02Z'::timestamptz + i * interval '5 minutes', NULL, 5, loc, 'HUB',
	CASE WHEN loc = 'EAST' THEN 100 WHEN i < 12 THEN 10 + i ELSE 30 + 2 * (i - 12) END,
	20, 1, CASE WHEN loc = 'EAST' THEN NULL ELSE 0.5 END, 'USD', 'MWh', now(), loc || i
FROM generate_series(0, 23) AS i, unnest(ARRAY['WEST', 'EAST']) AS loc;
INSERT INTO iso_lmp (iso_code, market, delivery_date, interval_start, interval_end, location_id, location_type,
	price_total, currency, uom, ingest_ts, record_hash)
VALUES ('PJM', 'DAY_AHEAD', '2026-03-02', '2026-03-02Z', '2026-03-02T01:00:00Z', 'WEST', 'HUB', 25, 'USD', 'MWh', now(), 'da');
INSERT INTO iso_lmp (iso_code, market, delivery_date, interval_start, location_id, location_type,
	price_total, currency, uom, ingest_ts, record_hash)
VALUES ('CAISO', 'REAL_TIME', '2026-03-02', '2026-03-02Z', 'TH_NP15', 'HUB', 40, 'USD', 'MWh', now(), 'caiso');`)
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
	first := rows[0] // 00:00 DAY_AHEAD WEST sorts before REAL_TIME
	if first["market"] != "DAY_AHEAD" || first["interval_end"] != "2026-03-02T01:00:00Z" || first["price_total"] != 25.0 ||
		first["price_energy"] != nil || first["iso"] != "PJM" || len(first) != 9 {
		t.Errorf("first row = %v", first)
	}
	var order []string
	for _, r := range rows[:5] {
		order = append(order, r["interval_start"].(string)+" "+r["market"].(string)+" "+r["location_id"].(string))
	}
	want := []string{
		"2026-03-02T00:00:00Z DAY_AHEAD WEST", "2026-03-02T00:00:00Z REAL_TIME EAST", "2026-03-02T00:00:00Z REAL_TIME WEST",
		"2026-03-02T00:05:00Z REAL_TIME EAST", "2026-03-02T00:05:00Z REAL_TIME WEST",
	}
	if !slices.Equal(order, want) {
		t.Errorf("order\n got %v\nwant %v", order, want)
	}
	east := rows[1]
	if east["interval_end"] != "2026-03-02T00:05:00Z" || east["price_loss"] != nil || east["price_congestion"] != 1.0 {
		t.Errorf("EAST row (interval_end from interval_minutes) = %v", east)
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
		"2026-03-02T00:00:00Z REAL_TIME WEST 15.5 10 21 12",
		"2026-03-02T01:00:00Z REAL_TIME EAST 100 100 100 12",
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
