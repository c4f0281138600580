package collectortest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// Shuffles is how many seeded shuffles EachShuffle tries.
const Shuffles = 25

// EachShuffle runs f once per seed 1..Shuffles, each in a subtest with a
// generator of its own: a failure names its seed and replays as it was.
func EachShuffle(t *testing.T, f func(t *testing.T, rng *rand.Rand)) {
	t.Helper()
	for seed := uint64(1); seed <= Shuffles; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			f(t, rand.New(rand.NewPCG(seed, 0x5eed)))
		})
	}
}

// ShuffleJSONKeys returns body with the keys of every JSON object in it,
// nested ones included, in an order drawn from rng. Values are unchanged,
// numbers as written: a provider may write its keys in any order, and
// what a parser makes of an answer must not depend on it.
func ShuffleJSONKeys(t testing.TB, body []byte, rng *rand.Rand) []byte {
	t.Helper()
	out, err := shuffleJSON(json.RawMessage(body), rng)
	if err != nil {
		t.Fatalf("shuffle JSON keys: %v", err)
	}
	return out
}

func shuffleJSON(raw json.RawMessage, rng *rand.Rand) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return raw, nil
	}
	switch raw[0] {
	case '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		var keys []string
		var values []json.RawMessage
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			keys, values = append(keys, tok.(string)), append(values, v)
		}
		var buf bytes.Buffer
		buf.WriteByte('{')
		for i, j := range rng.Perm(len(keys)) {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(keys[j])
			v, err := shuffleJSON(values[j], rng)
			if err != nil {
				return nil, err
			}
			buf.Write(k)
			buf.WriteByte(':')
			buf.Write(v)
		}
		buf.WriteByte('}')
		return buf.Bytes(), nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			v, err := shuffleJSON(it, rng)
			if err != nil {
				return nil, err
			}
			buf.Write(v)
		}
		buf.WriteByte(']')
		return buf.Bytes(), nil
	}
	return raw, nil
}

// ShuffleCSVColumns returns the CSV body with its columns, header
// included, in an order drawn from rng, the first keep columns left where
// they are (for a format that fixes them). Rows of another width than the
// header are left as they are.
func ShuffleCSVColumns(t testing.TB, body []byte, rng *rand.Rand, keep int) []byte {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("shuffle CSV columns: %d records, %v", len(records), err)
	}
	width := len(records[0])
	perm := make([]int, width)
	for i := range keep {
		perm[i] = i
	}
	for i, j := range rng.Perm(width - keep) {
		perm[keep+i] = keep + j
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = bytes.Contains(body, []byte("\r\n"))
	for _, rec := range records {
		if len(rec) == width {
			shuffled := make([]string, width)
			for i, j := range perm {
				shuffled[i] = rec[j]
			}
			rec = shuffled
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// SameElements reports whether got and want hold the same elements, in
// any order: for parsers whose output follows the order of the columns.
// Elements are compared by their JSON encoding.
func SameElements[T any](t testing.TB, got, want []T) bool {
	t.Helper()
	enc := func(xs []T) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			b, err := json.Marshal(x)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = string(b)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(enc(got), enc(want))
}

// SameWithShuffledKeys requires parse to make of every seeded shuffle of
// the JSON keys of body (ShuffleJSONKeys) the records it makes of body.
func SameWithShuffledKeys[T any](t *testing.T, body []byte, parse func([]byte) (T, error)) {
	t.Helper()
	sameWhenShuffled(t, body, parse, "keys", func(t *testing.T, rng *rand.Rand) []byte {
		return ShuffleJSONKeys(t, body, rng)
	})
}

// SameWithShuffledColumns requires parse to make of every seeded shuffle of
// the CSV columns of body but its first keep (ShuffleCSVColumns) the
// records it makes of body.
func SameWithShuffledColumns[T any](t *testing.T, body []byte, keep int, parse func([]byte) (T, error)) {
	t.Helper()
	sameWhenShuffled(t, body, parse, "columns", func(t *testing.T, rng *rand.Rand) []byte {
		return ShuffleCSVColumns(t, body, rng, keep)
	})
}

func sameWhenShuffled[T any](t *testing.T, body []byte, parse func([]byte) (T, error), what string, shuffle func(*testing.T, *rand.Rand) []byte) {
	t.Helper()
	want, err := parse(body)
	if err != nil {
		t.Fatal(err)
	}
	EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
		got, err := parse(shuffle(t, rng))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("records differ with shuffled %s (%v)", what, err)
		}
	})
}
