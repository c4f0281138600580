package api

import (
	"math"
	"net/url"
	"reflect"
	"testing"

	"github.com/aurum-energy/aurum/internal/curve"
)

func TestCurvesDiff(t *testing.T) {
	t.Parallel()
	s := newCurveServer(t, Config{}, Deps{})
	base := "/v1/curves/diff?asof_a=" + asofA + "&asof_b=" + asofB

	rows := s.listAll(t, base+"&iso=ERCOT&price_type=MID", 500)
	if len(rows) != 12 {
		t.Fatalf("%d ERCOT MID diffs, want 12", len(rows))
	}
	byLabel := map[string]map[string]any{}
	for _, r := range rows {
		byLabel[r["tenor_label"].(string)] = r
		if r["curve_key"] != curve.Key(ercot) || r["asof_a"] != asofA || r["asof_b"] != asofB || r["iso"] != "ERCOT" {
			t.Fatalf("row = %v", r)
		}
	}
	near := func(v any, want float64) bool { f, ok := v.(float64); return ok && math.Abs(f-want) < 1e-9 }

	// 2027-02: 41 → 41.25.
	if r := byLabel["2027-02"]; !near(r["mid_a"], 41) || !near(r["mid_b"], 41.25) ||
		!near(r["diff_abs"], 0.25) || !near(r["diff_pct"], 0.25/41*100) {
		t.Errorf("2027-02 = %v", r)
	}
	// 2027-03: mid_a 0 → diff_pct undefined.
	if r := byLabel["2027-03"]; !near(r["mid_a"], 0) || !near(r["diff_abs"], 42.25) || r["diff_pct"] != nil {
		t.Errorf("2027-03 (mid_a 0) = %v", r)
	}
	// 2027-04: no mid on asofA → no diff.
	if r := byLabel["2027-04"]; r["mid_a"] != nil || !near(r["mid_b"], 43.25) || r["diff_abs"] != nil || r["diff_pct"] != nil {
		t.Errorf("2027-04 (no mid_a) = %v", r)
	}

	// Only rows on both dates: the gas 2026-12 tenor (asofA only) is left out.
	gas := s.listAll(t, base+"&asset_class=gas", 500)
	if len(gas) != 6 {
		t.Fatalf("%d gas diffs, want 6", len(gas))
	}
	for _, r := range gas {
		if r["tenor_label"] == "2026-12" {
			t.Fatal("a tenor observed on one date only is in the diff")
		}
	}

	// Reversed dates negate the change; pagination visits every row once.
	rev := s.listAll(t, "/v1/curves/diff?asof_a="+asofB+"&asof_b="+asofA+"&iso=PJM", 2)
	if len(rev) != 25 {
		t.Fatalf("%d PJM diffs, want 25", len(rev))
	}
	// Named curves are found by index, and a later page starts at its first
	// curve: paged, they are the rows of one page, in its order.
	named := base + "&location=" + url.QueryEscape("WEST HUB,NORTH HUB")
	if paged, one := s.listAll(t, named, 2), s.listAll(t, named, 500); len(one) != 49 || !reflect.DeepEqual(paged, one) {
		t.Fatalf("named curves paged by 2:\n%v\nin one page (%d rows):\n%v", paged, len(one), one)
	}
	seen := map[string]bool{}
	for _, r := range rev {
		k := r["curve_key"].(string) + r["tenor_label"].(string) + r["price_type"].(string)
		if seen[k] {
			t.Fatalf("row %s twice", k)
		}
		seen[k] = true
		if !near(r["diff_abs"], -0.25) {
			t.Fatalf("reversed diff = %v", r)
		}
	}
}
