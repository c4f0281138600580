package scenario

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// InputHash identifies a run's inputs (docs/CONTRACTS.md#scenarios): the hex SHA-256 of the
// canonical JSON object
//
//	{"asof_date":"YYYY-MM-DD","drivers":[{"driver_type":…,"payload":…},…],
//	 "parameters":{…},"scenario_id":…,"seed":…,"tenant":…,"version":…}
//
// with keys sorted at every level and no insignificant whitespace. Payloads
// are re-encoded canonically, so key order, whitespace and number spelling
// (1 vs 1.0 vs 1e0) do not change the hash; driver order does. asof counts
// by its calendar date as given. Nil and empty parameters hash alike. A
// payload that is not valid JSON (Validate rejects it) is hashed as its raw
// text.
func InputHash(tenant string, scenarioID string, version int, drivers []Driver, parameters map[string]string, asof time.Time, seed int64) string {
	ds := make([]map[string]any, len(drivers))
	for i, d := range drivers {
		ds[i] = map[string]any{"driver_type": d.Type, "payload": json.RawMessage(canonicalPayload(d.Payload))}
	}
	if parameters == nil {
		parameters = map[string]string{}
	}
	doc := map[string]any{
		"asof_date":   asof.Format(time.DateOnly),
		"drivers":     ds,
		"parameters":  parameters,
		"scenario_id": scenarioID,
		"seed":        seed,
		"tenant":      tenant,
		"version":     version,
	}
	sum := sha256.Sum256(canonicalJSON(doc))
	return hex.EncodeToString(sum[:])
}

// canonicalPayload re-encodes a JSON payload with sorted keys, no
// whitespace and numbers in Go's shortest float64 form; absent is null, and
// invalid JSON is encoded as a JSON string of its text.
func canonicalPayload(raw json.RawMessage) []byte {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("null")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return canonicalJSON(string(raw))
	}
	return canonicalJSON(v)
}

// canonicalJSON encodes v as encoding/json does (map keys sorted) without
// HTML escaping or the trailing newline.
func canonicalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Unreachable: v holds only strings, numbers, bools, nil, maps
		// with string keys, slices and valid RawMessages.
		return []byte("null")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
