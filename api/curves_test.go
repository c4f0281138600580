package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aurum-energy/aurum/internal/curve"
)

func decodeInto(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
}

// keysOf returns the row keys of rows, in order.
func keysOf(rows []map[string]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = rowKey(r)
	}
	return out
}

// sortedFixKeys returns the keys of the fixture rows that keep selects.
func sortedFixKeys(rows []fixRow, keep func(fixRow) bool) []string {
	var out []string
	for _, r := range rows {
		if keep(r) {
			out = append(out, fixKey(r))
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestCurvesLatestAndAsof(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	all := func(fixRow) bool { return true }

	latest := s.listAll(t, "/v1/curves", 500)
	if got, want := sorted(keysOf(latest)), sortedFixKeys(latestRows(s.rows), all); !slices.Equal(got, want) {
		t.Fatalf("latest rows:\n got %v\nwant %v", got, want)
	}
	// The 2026-12 gas tenor was only observed on asofA: latest keeps it.
	var gasDec map[string]any
	for _, r := range latest {
		if r["tenor_label"] == "2026-12" {
			gasDec = r
		}
	}
	if gasDec == nil || gasDec["asof_date"] != asofA || gasDec["mid"] != 2.5 || gasDec["iso"] != nil || gasDec["block"] != nil {
		t.Fatalf("latest 2026-12 gas row = %v", gasDec)
	}

	for _, tc := range []struct{ asof, want string }{{asofA, asofA}, {asofB, asofB}} {
		rows := s.listAll(t, "/v1/curves?asof="+tc.asof, 500)
		want := sortedFixKeys(s.rows, func(r fixRow) bool { return r.asof == tc.want })
		if got := sorted(keysOf(rows)); !slices.Equal(got, want) {
			t.Errorf("asof=%s rows:\n got %v\nwant %v", tc.asof, got, want)
		}
	}
	both := s.listAll(t, "/v1/curves?asof="+asofB+","+asofA, 500)
	if len(both) != len(s.rows) {
		t.Fatalf("asof=A,B: %d rows, want %d", len(both), len(s.rows))
	}
	if both[0]["asof_date"] != asofA || both[len(both)-1]["asof_date"] != asofB {
		t.Errorf("asof=A,B not ordered by asof_date first")
	}

	// Every CurveObservation field is present, nulls as null.
	row := latest[0]
	for _, f := range []string{"curve_key", "asof_date", "asset_class", "iso", "region", "location", "market",
		"product", "block", "spark_location", "price_type", "tenor_type", "tenor_label", "contract_month",
		"value", "bid", "ask", "mid", "currency", "per_unit", "units_raw", "version_hash"} {
		if _, ok := row[f]; !ok {
			t.Errorf("row lacks %q: %v", f, row)
		}
	}
	if row["bid"] != nil || row["spark_location"] != nil {
		t.Errorf("absent fields should be null: %v", row)
	}
}

func TestCurvesFilters(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	latest := latestRows(s.rows)
	for _, tc := range []struct {
		name  string
		query string
		keep  func(fixRow) bool
	}{
		{"curve_key", "curve_key=" + curve.Key(pjmOff), func(r fixRow) bool { return r.id == pjmOff }},
		{"curve_key list upper case", "curve_key=" + strings.ToUpper(curve.Key(pjmOff)) + "," + curve.Key(ercot),
			func(r fixRow) bool { return r.id == pjmOff || r.id == ercot }},
		{"asset_class", "asset_class=gas", func(r fixRow) bool { return r.id == henry }},
		{"asset_class case", "asset_class=POWER", func(r fixRow) bool { return r.id != henry }},
		{"iso", "iso=PJM", func(r fixRow) bool { return r.id.ISO == "PJM" }},
		{"iso list", "iso=PJM,ERCOT", func(r fixRow) bool { return r.id.ISO != "" }},
		{"iso repeated", "iso=PJM&iso=ERCOT", func(r fixRow) bool { return r.id.ISO != "" }},
		{"location with space", "location=" + url.QueryEscape("NORTH HUB"), func(r fixRow) bool { return r.id == ercot }},
		{"market", "market=NYMEX", func(r fixRow) bool { return r.id == henry }},
		{"product", "product=ENERGY", func(r fixRow) bool { return r.id != henry }},
		{"block", "block=ON,OFF", func(r fixRow) bool { return r.id == pjmOn || r.id == pjmOff }},
		{"tenor_type", "tenor_type=quarter", func(r fixRow) bool { return r.tenorType == "QUARTER" }},
		{"price_type", "price_type=SETTLE", func(r fixRow) bool { return r.priceType == "SETTLE" }},
		{"combined", "iso=ERCOT&price_type=MID,SETTLE&tenor_type=MONTHLY", func(r fixRow) bool { return r.id == ercot }},
		{"no match", "iso=NYISO", func(fixRow) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sorted(keysOf(s.listAll(t, "/v1/curves?"+tc.query, 500)))
			want := sortedFixKeys(latest, tc.keep)
			if !slices.Equal(got, want) {
				t.Fatalf("GET /v1/curves?%s:\n got %v\nwant %v", tc.query, got, want)
			}
			got = sorted(keysOf(s.listAll(t, "/v1/curves?asof="+asofA+"&"+tc.query, 500)))
			want = sortedFixKeys(s.rows, func(r fixRow) bool { return r.asof == asofA && tc.keep(r) })
			if !slices.Equal(got, want) {
				t.Fatalf("GET /v1/curves?asof=%s&%s:\n got %v\nwant %v", asofA, tc.query, got, want)
			}
		})
	}
}

func TestCurvesPagination(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	for _, tc := range []struct {
		query string
		want  []fixRow
	}{
		{"/v1/curves", latestRows(s.rows)},
		{"/v1/curves?asof=" + asofA + "," + asofB, s.rows},
		{"/v1/curves?iso=PJM&asof=" + asofB, filterRows(s.rows, func(r fixRow) bool { return r.id.ISO == "PJM" && r.asof == asofB })},
		// Selective filters: curves found by index, the page not sorted as a
		// whole (market.Reader.Curves); HENRY HUB has a stale tenor.
		{"/v1/curves?location=" + url.QueryEscape("WEST HUB,NORTH HUB,HENRY HUB"), latestRows(s.rows)},
		{"/v1/curves?curve_key=" + curve.Key(ercot) + "," + curve.Key(pjmOn) + "&asof=" + asofA,
			filterRows(s.rows, func(r fixRow) bool { return (r.id == ercot || r.id == pjmOn) && r.asof == asofA })},
	} {
		t.Run(tc.query, func(t *testing.T) {
			rows := s.listAll(t, tc.query, 2)
			got := keysOf(rows)
			seen := map[string]bool{}
			for _, k := range got {
				if seen[k] {
					t.Fatalf("row %s on two pages", k)
				}
				seen[k] = true
			}
			want := sortedFixKeys(tc.want, func(fixRow) bool { return true })
			if !slices.Equal(sorted(got), want) {
				t.Fatalf("rows visited:\n got %v\nwant %v", sorted(got), want)
			}
			// Pages come in one order: the same as a single big page, in
			// keyset order (as-of date, then curve_key, tenor label and
			// price type; the latest points without the date).
			if one := keysOf(s.list(t, tc.query+sep(tc.query)+"limit=500").Data); !slices.Equal(got, one) {
				t.Fatalf("paged order differs from one page:\n%v\n%v", got, one)
			}
			keyset := slices.Clone(got)
			if !strings.Contains(tc.query, "asof=") {
				for i, k := range keyset {
					keyset[i] = k[strings.IndexByte(k, '|'):]
				}
			}
			if !slices.IsSorted(keyset) {
				t.Fatalf("rows not in keyset order: %v", got)
			}
		})
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

func filterRows(rows []fixRow, keep func(fixRow) bool) []fixRow {
	var out []fixRow
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func TestCursorsRejected(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{CursorSecret: "0123456789abcdef0123"}, Deps{})
	first := s.list(t, "/v1/curves?iso=PJM&limit=2")
	cursor := first.Meta.NextCursor
	if cursor == "" {
		t.Fatal("no next_cursor on a partial page")
	}
	// The cursor works with the filters it was issued for, whatever the
	// limit or format.
	s.list(t, "/v1/curves?iso=PJM&limit=3&cursor="+cursor)

	raw := []byte(cursor)
	raw[len(raw)/2] ^= 0x01
	if raw[len(raw)/2] == '-'^0x01 || raw[len(raw)/2] == '_'^0x01 {
		raw[len(raw)/2] = 'A'
	}
	tampered := string(raw)

	other := newCurveServer(t, Config{CursorSecret: "another-secret-of-20"}, Deps{})
	foreign := other.list(t, "/v1/curves?iso=PJM&limit=2").Meta.NextCursor

	for _, tc := range []struct {
		name, path string
	}{
		{"tampered", "/v1/curves?iso=PJM&cursor=" + tampered},
		{"signed by another key", "/v1/curves?iso=PJM&cursor=" + foreign},
		{"other filters", "/v1/curves?iso=ERCOT&cursor=" + cursor},
		{"filter dropped", "/v1/curves?cursor=" + cursor},
		{"asof added", "/v1/curves?iso=PJM&asof=" + asofA + "&cursor=" + cursor},
		{"other endpoint", "/v1/curves/diff?iso=PJM&asof_a=" + asofA + "&asof_b=" + asofB + "&cursor=" + cursor},
		{"garbage", "/v1/curves?iso=PJM&cursor=garbage"},
		{"not base64", "/v1/curves?iso=PJM&cursor=%25%25%25"},
		{"empty", "/v1/curves?iso=PJM&cursor="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := problemOf(t, s.get(t, tc.path), http.StatusBadRequest)
			if name := invalidParam(p); name != "cursor" {
				t.Fatalf("problem names %q, want cursor: %v", name, p)
			}
		})
	}

	t.Run("expired", func(t *testing.T) {
		s.cursors.now = func() time.Time { return time.Now().Add(DefaultCursorTTL + time.Minute) }
		defer func() { s.cursors.now = time.Now }()
		p := problemOf(t, s.get(t, "/v1/curves?iso=PJM&cursor="+cursor), http.StatusBadRequest)
		if invalidParam(p) != "cursor" || !strings.Contains(p["detail"].(string), "expired") {
			t.Fatalf("problem = %v", p)
		}
	})
}

// invalidParam returns the name of the first invalid parameter of a problem.
func invalidParam(p map[string]any) string {
	ps, _ := p["invalid_params"].([]any)
	if len(ps) == 0 {
		return ""
	}
	name, _ := ps[0].(map[string]any)["name"].(string)
	return name
}

func TestBadParameters(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	diff := "/v1/curves/diff?asof_a=" + asofA + "&asof_b=" + asofB + "&iso=PJM&"
	for _, tc := range []struct {
		path, param string
	}{
		{"/v1/curves?limit=100000", "limit"},
		{"/v1/curves?limit=0", "limit"},
		{"/v1/curves?limit=ten", "limit"},
		{"/v1/curves?limit=1&limit=2", "limit"},
		{"/v1/curves?asof=2026-13-45", "asof"},
		{"/v1/curves?asof=yesterday", "asof"},
		{"/v1/curves?asof=" + asofA + ",2026-02-30", "asof"},
		{"/v1/curves?asof=", "asof"},
		{"/v1/curves?colour=red", "colour"},
		{"/v1/curves?region=MIDATL", "region"},
		{"/v1/curves?cursor=garbage", "cursor"},
		{"/v1/curves?format=xml", "format"},
		{"/v1/curves?asset_class=metal", "asset_class"},
		{"/v1/curves?price_type=MID,FAIR", "price_type"},
		{"/v1/curves?tenor_type=WEEKLY", "tenor_type"},
		{"/v1/curves?curve_key=abc", "curve_key"},
		{"/v1/curves?iso=" + strings.Repeat("X,", 101), "iso"},
		{"/v1/curves?location=" + strings.Repeat("x", 201), "location"},
		{"/v1/curves?location=WEST%00HUB", "location"},
		{"/v1/curves?iso=%ff", "iso"},
		{"/v1/metadata/dimensions?prefix=%00", "prefix"},
		{"/v1/curves/diff?iso=PJM&asof_b=" + asofB, "asof_a"},
		{"/v1/curves/diff?iso=PJM&asof_a=" + asofA, "asof_b"},
		{"/v1/curves/diff?iso=PJM&asof_a=2026-01-32&asof_b=" + asofB, "asof_a"},
		{diff + "asof=" + asofA, "asof"},
		{diff + "limit=501", "limit"},
		{"/v1/curves/strips", "type"},
		{"/v1/curves/strips?type=WEEK", "type"},
		{"/v1/curves/strips?type=QUARTER&tenor_type=MONTHLY", "tenor_type"},
		{"/v1/curves/strips?type=QUARTER&asof=" + asofA + "," + asofB, "asof"},
		{"/v1/metadata/dimensions?dimension=colour", "dimension"},
		{"/v1/metadata/dimensions?counts=maybe", "counts"},
		{"/v1/metadata/dimensions?limit=-1", "limit"},
		{"/v1/metadata/calendars?year=twenty", "year"},
		{"/v1/metadata/calendars?year=99999", "year"},
		{"/v1/metadata/calendars?iso=FOO", "iso"},
		{"/v1/metadata/calendars?format=csv", "format"},
		{"/v1/metadata/units?limit=5", "limit"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p := problemOf(t, s.get(t, tc.path), http.StatusBadRequest)
			if name := invalidParam(p); name != tc.param {
				t.Fatalf("problem names %q, want %q: %v", name, tc.param, p)
			}
			if !strings.Contains(p["detail"].(string), `"`+tc.param+`"`) {
				t.Fatalf("detail %q does not name %s", p["detail"], tc.param)
			}
		})
	}
	p := problemOf(t, s.get(t, "/v1/curves/diff?asof_a="+asofA+"&asof_b="+asofB), http.StatusBadRequest)
	if !strings.Contains(p["detail"].(string), "at least one dimension filter") {
		t.Errorf("diff without filters: detail %q", p["detail"])
	}
	problemOf(t, s.get(t, "/v1/curves?iso=%zz"), http.StatusBadRequest)
}

func TestCurvesETag(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	rec := s.get(t, "/v1/curves?iso=PJM&limit=5")
	etag := rec.Header().Get("ETag")
	if rec.Code != http.StatusOK || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("status %d, ETag %q", rec.Code, etag)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "private, max-age=30" {
		t.Errorf("latest Cache-Control = %q", cc)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		nm := s.get(t, "/v1/curves?iso=PJM&limit=5", "If-None-Match", inm)
		if nm.Code != http.StatusNotModified || nm.Body.Len() != 0 || nm.Header().Get("ETag") != etag {
			t.Fatalf("If-None-Match %s: status %d, body %q, ETag %q", inm, nm.Code, nm.Body, nm.Header().Get("ETag"))
		}
	}
	// Other parameters (even only the format) are another representation.
	if rec := s.get(t, "/v1/curves?iso=PJM&limit=5&format=csv", "If-None-Match", etag); rec.Code != http.StatusOK {
		t.Fatalf("csv with the json ETag: %d", rec.Code)
	}
	// Equivalent spellings of a query are the same representation.
	if rec := s.get(t, "/v1/curves?limit=5&iso=PJM,PJM", "If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Fatalf("reordered query: %d", rec.Code)
	}
	// A past as-of date may be kept longer.
	if cc := s.get(t, "/v1/curves?asof="+asofA).Header().Get("Cache-Control"); cc != "private, max-age=3600" {
		t.Errorf("past asof Cache-Control = %q", cc)
	}
	// New data: the old ETag no longer matches.
	insertRows(t, s.store, []fixRow{{id: pjmOn, key: curve.Key(pjmOn), asof: asofB, priceType: "MID", tenorType: "MONTHLY",
		label: "2027-01", month: monthOf("2027-01"), value: fp(77), mid: fp(77)}})
	rec = s.get(t, "/v1/curves?iso=PJM&limit=5", "If-None-Match", etag)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == etag {
		t.Fatalf("after a load: status %d, ETag %q (was %q)", rec.Code, rec.Header().Get("ETag"), etag)
	}
	// Errors carry no validators.
	if rec := s.get(t, "/v1/curves?limit=0"); rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != "" {
		t.Errorf("400 carries ETag %q / Cache-Control %q", rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"))
	}
}

func TestCurvesCSV(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	rec := s.get(t, "/v1/curves?iso=ERCOT&asof="+asofA+"&price_type=MID&format=csv&limit=5")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != MIMETextCSV {
		t.Fatalf("status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !bytes.Contains(rec.Body.Bytes(), []byte("\r\n")) {
		t.Error("CSV lines should end in CRLF")
	}
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"curve_key", "asof_date", "asset_class", "iso", "region", "location", "market", "product",
		"block", "spark_location", "price_type", "tenor_type", "tenor_label", "contract_month", "value", "bid", "ask",
		"mid", "currency", "per_unit", "units_raw", "version_hash"}
	if !slices.Equal(records[0], wantHeader) {
		t.Fatalf("header = %v", records[0])
	}
	if len(records) != 6 {
		t.Fatalf("%d records, want header + 5", len(records))
	}
	col := func(rec []string, name string) string { return rec[slices.Index(wantHeader, name)] }
	r3 := records[3] // 2027-03: mid 0 on asofA
	if col(r3, "tenor_label") != "2027-03" || col(r3, "mid") != "0" || col(r3, "value") != "42" ||
		col(r3, "bid") != "" || col(r3, "asof_date") != asofA || col(r3, "contract_month") != "2027-03-01" {
		t.Fatalf("row 2027-03 = %v", r3)
	}
	if r4 := records[4]; col(r4, "mid") != "" || col(r4, "value") != "43" {
		t.Fatalf("row 2027-04 (no mid) = %v", r4)
	}
	next := rec.Header().Get(HeaderNextCursor)
	if next == "" {
		t.Fatal("no X-Next-Cursor on a partial CSV page")
	}
	// The cursor continues in either format.
	p := s.list(t, "/v1/curves?iso=ERCOT&asof="+asofA+"&price_type=MID&limit=100&cursor="+next)
	if len(p.Data) != 7 || p.Data[0]["tenor_label"] != "2027-06" {
		t.Fatalf("page after the CSV page: %d rows from %v", len(p.Data), p.Data[0]["tenor_label"])
	}
}

func TestCurvesCacheNeverStale(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	const path = "/v1/curves?curve_key=%s&tenor_type=MONTHLY&limit=1"
	q := strings.Replace(path, "%s", curve.Key(pjmOn), 1)
	first := s.list(t, q)
	if first.Data[0]["mid"] != 50.25 {
		t.Fatalf("first read mid = %v", first.Data[0]["mid"])
	}

	// Change the row behind the API's back without bumping the version: the
	// cached page is served, proving the second read is a cache hit.
	if _, err := s.store.Pool().Exec(context.Background(),
		`UPDATE curve_observation o SET mid = 1 FROM curve c
		 WHERE c.curve_key = $1 AND o.curve_id = c.id AND o.asof_date = c.latest_asof AND o.tenor_label = '2027-01'`, curve.Key(pjmOn)); err != nil {
		t.Fatal(err)
	}
	// A page served once is not in Redis: another API instance (empty
	// memory) reads the database.
	instance := func() *curveServer {
		return &curveServer{testServer: newTestServer(t, s.cfg, Deps{Redis: testRedis(t), Store: s.store}), store: s.store}
	}
	if p := instance().list(t, q); p.Data[0]["mid"] != 1.0 {
		t.Fatalf("second instance read %v, want the changed row from the database", p.Data[0])
	}
	second := s.list(t, q)
	if !slices.Equal(keysOf(second.Data), keysOf(first.Data)) || second.Data[0]["mid"] != 50.25 {
		t.Fatalf("cache hit returned %v", second.Data)
	}
	if second.Meta.RequestID == first.Meta.RequestID {
		t.Fatal("cached response repeats the request id")
	}
	// Another API instance (empty memory) finds the page in Redis now that
	// the first has served it twice.
	if p := instance().list(t, q); p.Data[0]["mid"] != 50.25 {
		t.Fatalf("third instance read %v, want the page cached in Redis", p.Data[0])
	}

	// A load lands (new as-of date, version bumped): the next read shows it.
	load := fixRow{id: pjmOn, key: curve.Key(pjmOn), asof: "2026-01-07", priceType: "MID", tenorType: "MONTHLY",
		label: "2027-01", month: monthOf("2027-01"), value: fp(99), mid: fp(99)}
	insertRows(t, s.store, []fixRow{load})
	third := s.list(t, q)
	if third.Data[0]["mid"] != 99.0 || third.Data[0]["asof_date"] != "2026-01-07" {
		t.Fatalf("read after a load = %v", third.Data[0])
	}
}

// TestCurvesVersionsFromNotifications: with data versions learnt from the
// database's notifications, a cached page is served until a load lands,
// and the load shows within moments.
func TestCurvesVersionsFromNotifications(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	s.followVersions(t)
	q := "/v1/curves?curve_key=" + curve.Key(pjmOn) + "&tenor_type=MONTHLY&limit=1"
	if p := s.list(t, q); p.Data[0]["mid"] != 50.25 {
		t.Fatalf("first read mid = %v", p.Data[0]["mid"])
	}
	load := fixRow{id: pjmOn, key: curve.Key(pjmOn), asof: "2026-01-07", priceType: "MID", tenorType: "MONTHLY",
		label: "2027-01", month: monthOf("2027-01"), value: fp(98), mid: fp(98)}
	insertRows(t, s.store, []fixRow{load})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if p := s.list(t, q); p.Data[0]["mid"] == 98.0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the load did not show within 10s")
		}
	}
}

func TestCurvesWithoutRedis(t *testing.T) {
	t.Parallel()
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = dead.Close() })
	s := newCurveServer(t, Config{}, Deps{Redis: dead})
	for range 3 {
		p := s.list(t, "/v1/curves?iso=PJM&asof="+asofB)
		if len(p.Data) != 25 {
			t.Fatalf("%d rows, want 25", len(p.Data))
		}
	}
	if n := strings.Count(s.logs.String(), "Redis unavailable"); n != 1 {
		t.Fatalf("logged the Redis outage %d times, want once:\n%s", n, s.logs)
	}
}

func TestCurvesNeedPermission(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	for _, path := range []string{
		"/v1/curves", "/v1/curves/diff", "/v1/curves/strips", "/v1/metadata/dimensions",
		"/v1/metadata/calendars", "/v1/metadata/units",
	} {
		rec := s.do(t, http.MethodGet, path, map[string]string{HeaderTenant: "acme", HeaderRoles: "scenarios:read"})
		problemOf(t, rec, http.StatusForbidden)
		problemOf(t, s.do(t, http.MethodGet, path, nil), http.StatusUnauthorized)
	}
}
