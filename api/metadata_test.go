package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDimensions(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})

	all := s.listAll(t, "/v1/metadata/dimensions", 500)
	got := map[string][]string{}
	for _, r := range all {
		if _, ok := r["curves"]; ok {
			t.Fatalf("counts without counts=true: %v", r)
		}
		got[r["dimension"].(string)] = append(got[r["dimension"].(string)], r["value"].(string))
	}
	want := map[string][]string{
		"asset_class": {"gas", "power"},
		"block":       {"ATC", "OFF", "ON"},
		"iso":         {"ERCOT", "PJM"},
		"location":    {"HENRY HUB", "NORTH HUB", "WEST HUB"},
		"market":      {"DA", "NYMEX"},
		"price_type":  {"MID", "SETTLE"},
		"product":     {"ENERGY", "NG"},
		"region":      {"MIDATL", "TEXAS"},
		"tenor_type":  {"MONTHLY", "QUARTER"},
	}
	for dim, vals := range want {
		if !slices.Equal(got[dim], vals) {
			t.Errorf("%s = %v, want %v", dim, got[dim], vals)
		}
	}
	if len(got) != len(want) {
		t.Errorf("dimensions = %v", got)
	}

	counts := s.list(t, "/v1/metadata/dimensions?dimension=iso,asset_class&counts=true").Data
	type dv struct {
		dim, value string
		curves     float64
	}
	var gotCounts []dv
	for _, r := range counts {
		gotCounts = append(gotCounts, dv{r["dimension"].(string), r["value"].(string), r["curves"].(float64)})
	}
	wantCounts := []dv{{"asset_class", "gas", 1}, {"asset_class", "power", 3}, {"iso", "ERCOT", 1}, {"iso", "PJM", 2}}
	if !slices.Equal(gotCounts, wantCounts) {
		t.Fatalf("counts = %v, want %v", gotCounts, wantCounts)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"dimension=iso&prefix=p", []string{"iso=PJM"}},
		{"dimension=location&prefix=" + "n", []string{"location=NORTH HUB"}},
		{"prefix=%25", nil}, // a literal %, not a wildcard
		{"dimension=location&iso=PJM", []string{"location=WEST HUB"}},
		{"dimension=block,tenor_type&asset_class=power&prefix=O", []string{"block=OFF", "block=ON"}},
	} {
		rows := s.list(t, "/v1/metadata/dimensions?"+tc.query).Data
		var got []string
		for _, r := range rows {
			got = append(got, r["dimension"].(string)+"="+r["value"].(string))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("?%s = %v, want %v", tc.query, got, tc.want)
		}
	}

	paged := s.listAll(t, "/v1/metadata/dimensions?counts=true", 2)
	if len(paged) != len(all) {
		t.Fatalf("paged through %d values, want %d", len(paged), len(all))
	}

	rec := s.get(t, "/v1/metadata/dimensions?dimension=iso&counts=true&format=csv")
	if rec.Code != http.StatusOK || rec.Body.String() != "dimension,value,curves\r\niso,ERCOT,1\r\niso,PJM,2\r\n" {
		t.Fatalf("csv = %d %q", rec.Code, rec.Body)
	}
}

func TestCalendarsAndUnits(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})

	var cal struct {
		Data struct {
			Year     int    `json:"year"`
			TimeZone string `json:"time_zone"`
			Holidays []struct {
				Date string `json:"date"`
			} `json:"holidays"`
			Months []struct {
				Month string             `json:"month"`
				Hours map[string]float64 `json:"hours"`
			} `json:"months"`
		} `json:"data"`
	}
	rec := s.get(t, "/v1/metadata/calendars?year=2027&iso=ercot")
	if rec.Code != http.StatusOK {
		t.Fatalf("calendars: %d %s", rec.Code, rec.Body)
	}
	decodeInto(t, rec, &cal)
	if cal.Data.Year != 2027 || cal.Data.TimeZone != "America/Chicago" || len(cal.Data.Months) != 12 ||
		len(cal.Data.Holidays) != 6 || cal.Data.Months[0].Hours["on"] != 320 {
		t.Fatalf("calendar = %+v", cal.Data)
	}
	etag := rec.Header().Get("ETag")
	if nm := s.get(t, "/v1/metadata/calendars?iso=ERCOT&year=2027", "If-None-Match", etag); nm.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", nm.Code)
	}

	decodeInto(t, s.get(t, "/v1/metadata/calendars"), &cal)
	if cal.Data.Year != time.Now().UTC().Year() || cal.Data.TimeZone != "America/New_York" {
		t.Fatalf("default calendar: year %d, zone %s", cal.Data.Year, cal.Data.TimeZone)
	}

	units := s.list(t, "/v1/metadata/units").Data
	var found bool
	for _, u := range units {
		if u["canonical"] == "USD/MWh" && u["currency"] == "USD" && u["per_unit"] == "MWh" && u["kind"] == "energy" {
			found = true
		}
	}
	if !found || len(units) < 10 {
		t.Fatalf("units = %v", units)
	}
	rec = s.get(t, "/v1/metadata/units?format=csv")
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil || len(records) != len(units)+1 || strings.Join(records[0], ",") != "canonical,currency,per_unit,kind,description" {
		t.Fatalf("units csv: %v %v", records, err)
	}
	if nm := s.get(t, "/v1/metadata/units?format=csv", "If-None-Match", rec.Header().Get("ETag")); nm.Code != http.StatusNotModified {
		t.Fatalf("units If-None-Match: %d", nm.Code)
	}
}
