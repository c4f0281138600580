package collectortest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestShuffleJSONKeys(t *testing.T) {
	t.Parallel()
	body := []byte(`{"response":{"total":"2","data":[{"period":"2024-01","seriesId":"A","value":1.50,"unit":"b/d"},{"period":"2024-02","seriesId":"B","value":null}]},"apiVersion":"2.1.8"}`)
	var want any
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	reordered := 0
	EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
		got := ShuffleJSONKeys(t, body, rng)
		var v any
		if err := json.Unmarshal(got, &v); err != nil || !reflect.DeepEqual(v, want) {
			t.Fatalf("shuffled %s is another document (%v)", got, err)
		}
		if !bytes.Contains(got, []byte(`1.50`)) {
			t.Errorf("number rewritten: %s", got)
		}
		if !bytes.Equal(got, body) {
			reordered++
		}
	})
	if reordered < Shuffles/2 {
		t.Errorf("only %d of %d shuffles changed the key order", reordered, Shuffles)
	}
}

func TestShuffleCSVColumns(t *testing.T) {
	t.Parallel()
	body := []byte("Node,Type,a,b,c\nX,Hub,1,2,3\nY,Hub,4,5,6\n")
	moved := 0
	EachShuffle(t, func(t *testing.T, rng *rand.Rand) {
		got, err := csv.NewReader(bytes.NewReader(ShuffleCSVColumns(t, body, rng, 2))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got[0][0] != "Node" || got[0][1] != "Type" {
			t.Fatalf("kept columns moved: %v", got[0])
		}
		for i, h := range got[0] {
			want := map[string][3]string{"Node": {"Node", "X", "Y"}, "Type": {"Type", "Hub", "Hub"}, "a": {"a", "1", "4"}, "b": {"b", "2", "5"}, "c": {"c", "3", "6"}}[h]
			if got[1][i] != want[1] || got[2][i] != want[2] {
				t.Fatalf("column %s lost its cells: %v", h, got)
			}
		}
		if got[0][2] != "a" || got[0][3] != "b" {
			moved++
		}
	})
	if moved == 0 {
		t.Error("no shuffle moved a column")
	}
}
