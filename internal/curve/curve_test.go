package curve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/schemas"
)

func ptr[T any](v T) *T { return &v }

func TestKeyNormalisesEachValue(t *testing.T) {
	t.Parallel()
	want := sha256.Sum256([]byte("power|pjm||west hub|da|||"))
	got := Key(Identity{AssetClass: "power", ISO: " PJM ", Location: "West   Hub", Market: "DA"})
	if got != hex.EncodeToString(want[:]) {
		t.Fatalf("Key = %s, want %s", got, hex.EncodeToString(want[:]))
	}
	if Key(Identity{AssetClass: "power", Location: "West Hub"}) == Key(Identity{AssetClass: "power", Region: "West Hub"}) {
		t.Fatal("the position of a value must matter")
	}
}

func valid() *schemas.CurveObservation {
	o := &schemas.CurveObservation{
		AsofDate: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), AssetClass: schemas.AssetClassPower,
		ISO: ptr("PJM"), Location: ptr("West Hub"), Block: ptr("ON"),
		PriceType: schemas.PriceTypeMid, TenorType: schemas.TenorMonthly, TenorLabel: "2027-01",
		Mid: ptr(61.25), UnitsRaw: "USD/MWh",
	}
	Complete(o)
	return o
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(o *schemas.CurveObservation)
		want   Reason
	}{
		{"valid", func(*schemas.CurveObservation) {}, ""},
		{"no units", func(o *schemas.CurveObservation) { o.UnitsRaw = " " }, ReasonMissingUnits},
		{"no price", func(o *schemas.CurveObservation) { o.Mid = nil }, ReasonNoPrice},
		{"bid only", func(o *schemas.CurveObservation) { o.Mid, o.Bid = nil, ptr(1.0) }, ""},
		{"bad asset class", func(o *schemas.CurveObservation) { o.AssetClass = "coal" }, ReasonInvalidEnum},
		{"bad price type", func(o *schemas.CurveObservation) { o.PriceType = "OPEN" }, ReasonInvalidEnum},
		{"bad tenor type", func(o *schemas.CurveObservation) { o.TenorType = "WEEKLY" }, ReasonInvalidEnum},
		{"no tenor", func(o *schemas.CurveObservation) { o.TenorLabel = "" }, ReasonMissingField},
		{"no asof", func(o *schemas.CurveObservation) { o.AsofDate = time.Time{} }, ReasonMissingField},
		{"forged key", func(o *schemas.CurveObservation) { o.Location = ptr("East Hub") }, ReasonCurveKeyMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := valid()
			tc.mutate(o)
			err := Validate(o)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Reason != tc.want || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want reason %s", err, tc.want)
			}
		})
	}
}

func TestVersionHashTracksContentNotProvenance(t *testing.T) {
	t.Parallel()
	a, b := valid(), valid()
	b.SourceFile, b.IngestTS = ptr("other.csv"), time.Now()
	if VersionHash(a) != VersionHash(b) {
		t.Fatal("provenance changed the version hash")
	}
	b.Mid = ptr(61.26)
	if VersionHash(a) == VersionHash(b) {
		t.Fatal("a price change kept the version hash")
	}
}

func TestVersionHashIgnoresWhetherKeyIsSet(t *testing.T) {
	t.Parallel()
	a := valid()
	b := *a
	b.CurveKey = ""
	if VersionHash(a) != VersionHash(&b) {
		t.Fatal("the version hash depends on whether curve_key was filled in")
	}
}

// TestVersionHashIsStable pins the hash of two observations: producers
// and stored rows agree on it, so its text must never change.
func TestVersionHashIsStable(t *testing.T) {
	t.Parallel()
	month := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		o    schemas.CurveObservation
		want string
	}{
		{schemas.CurveObservation{AsofDate: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), AssetClass: "power",
			ISO: ptr("PJM"), Location: ptr("West Hub"), PriceType: "MID", TenorType: "MONTHLY", TenorLabel: "2027-01",
			ContractMonth: &month, Mid: ptr(50.25), Bid: ptr(1e21), Currency: ptr("USD"), PerUnit: ptr("MWh"),
			UnitsRaw: "$/MWh"}, "388e3fac02ab38f9a7b4fb07d9aa14338ab34b7c8b07388b1c3049aeaa6c7cf6"},
		{schemas.CurveObservation{CurveKey: "abc", AsofDate: time.Date(2026, 1, 5, 23, 0, 0, 0, time.FixedZone("EST", -5*3600)),
			PriceType: "SETTLE", TenorType: "CUSTOM", TenorLabel: "Bal-Jan", Value: ptr(-0.000001)},
			"fbe5905c5531ad78557befa4519f2d06f81b67f764e1c4027c86d3092b344cb9"},
	} {
		if got := VersionHash(&tc.o); got != tc.want {
			t.Errorf("VersionHash(%+v) = %s, want %s", tc.o, got, tc.want)
		}
	}
}

func BenchmarkComplete(b *testing.B) {
	o := valid()
	b.ReportAllocs()
	for b.Loop() {
		Complete(o)
	}
}

func TestIsKey(t *testing.T) {
	t.Parallel()
	key := Key(Identity{AssetClass: "power", ISO: "PJM"})
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{key, true}, {strings.ToUpper(key), false}, {key[1:], false}, {key + "0", false},
		{key[:63] + "g", false}, {"", false},
	} {
		if got := IsKey(tc.s); got != tc.want {
			t.Errorf("IsKey(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// TestValidateRemembersKeysNotVerdicts: a key found to match its identity
// lets the curve's next points through without hashing, but a point that
// names the same key with other identity fields is still refused, and the
// memory's bound does not forget how to check.
func TestValidateRemembersKeysNotVerdicts(t *testing.T) {
	t.Parallel()
	o := valid()
	o.Location = ptr("Remembered Hub")
	o.CurveKey = Key(IdentityOf(o))
	for range 3 {
		if err := Validate(o); err != nil {
			t.Fatalf("a matching key: %v", err)
		}
	}
	forged := *o
	forged.Location = ptr("Another Hub") // the remembered key, other fields
	if err := Validate(&forged); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a forged point after its curve's: %v", err)
	}
	// Whitespace and case are normalised: the same key, other spelling.
	spelled := *o
	spelled.Location = ptr("  remembered   HUB ")
	if err := Validate(&spelled); err != nil {
		t.Fatalf("the same identity spelled otherwise: %v", err)
	}
	for i := range maxVerified + 10 { // past the bound, it starts again
		p := valid()
		p.Location = ptr(fmt.Sprintf("Hub %d", i))
		p.CurveKey = Key(IdentityOf(p))
		if err := Validate(p); err != nil {
			t.Fatal(err)
		}
	}
	kept := 0
	verified.Range(func(any, any) bool { kept++; return true })
	if kept == 0 || kept > maxVerified {
		t.Errorf("the memory holds %d keys after %d curves, want 1..%d", kept, maxVerified+13, maxVerified)
	}
	if err := Validate(&forged); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a forged point after the memory was cleared: %v", err)
	}
	if err := Validate(o); err != nil {
		t.Fatalf("a matching key after the memory was cleared: %v", err)
	}
}
