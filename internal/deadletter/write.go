package deadletter

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// previewBytes is how much of a binary value a preview shows.
const previewBytes = 32

// view is how a dead letter's key and value are shown to a person.
type view struct {
	key string
	// row is a value that is JSON: a quarantined file row.
	row json.RawMessage
	// text is any other value that is printable text.
	text string
	// hex previews a binary value; schemaID is its registry schema ID
	// when it is in the Confluent wire format, else -1.
	hex      string
	schemaID int
	size     int
}

func viewOf(l Letter) view {
	v := view{schemaID: -1, size: len(l.Record.Value)}
	if k, ok := printable(l.Record.Key); ok {
		v.key = k
	} else {
		v.key = "0x" + hex.EncodeToString(l.Record.Key)
	}
	val := l.Record.Value
	switch text, ok := printable(val); {
	case ok && json.Valid(val):
		v.row = val
	case ok:
		v.text = text
	default:
		if len(val) >= 5 && val[0] == 0 {
			v.schemaID = int(binary.BigEndian.Uint32(val[1:5]))
		}
		v.hex = hex.EncodeToString(val[:min(len(val), previewBytes)])
		if len(val) > previewBytes {
			v.hex += "…"
		}
	}
	return v
}

// printable returns b as a string when it is UTF-8 text without control
// characters other than white space.
func printable(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	s := string(b)
	for _, r := range s {
		if !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return "", false
		}
	}
	return s, true
}

// WriteText writes l as `aurum dlq inspect` prints it: a line saying when,
// where and why, then the value indented — the raw row of a quarantined
// file row, or a hex preview of the original bytes:
//
//	2026-11-24T12:00:00.000Z 0/3 load/missing_units key=4be1… from=aurum.curve.observation.v1 detail="units_raw is empty"
//	    row {"line":3,"file":"eod.csv","row":{…}}
func WriteText(w io.Writer, l Letter) error {
	v := viewOf(l)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d/%d %s/%s key=%s from=%s", l.Time.Format("2006-01-02T15:04:05.000Z"),
		l.At.Partition, l.At.Offset, l.Stage, l.Reason, quoteIfNeeded(v.key), l.Source)
	if l.Detail != "" {
		fmt.Fprintf(&b, " detail=%q", l.Detail)
	}
	if l.ReplayOf != "" {
		fmt.Fprintf(&b, " replay_of=%s", l.ReplayOf)
	}
	switch {
	case v.row != nil:
		fmt.Fprintf(&b, "\n    row %s", v.row)
	case v.hex != "" && v.schemaID >= 0:
		fmt.Fprintf(&b, "\n    value %d bytes, schema id %d: %s", v.size, v.schemaID, v.hex)
	case v.hex != "":
		fmt.Fprintf(&b, "\n    value %d bytes: %s", v.size, v.hex)
	default:
		fmt.Fprintf(&b, "\n    value %q", v.text)
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsFunc(s, unicode.IsSpace) || strings.ContainsAny(s, `"=`) {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// jsonLetter is a line of `aurum dlq inspect --json`.
type jsonLetter struct {
	Partition       int32           `json:"partition"`
	Offset          int64           `json:"offset"`
	Time            time.Time       `json:"time"`
	Stage           string          `json:"stage"`
	Reason          string          `json:"reason"`
	Detail          string          `json:"detail"`
	Topic           string          `json:"topic"`
	SourcePartition *int32          `json:"source_partition"`
	SourceOffset    *int64          `json:"source_offset"`
	ReplayOf        *string         `json:"replay_of"`
	Key             string          `json:"key"`
	Row             json.RawMessage `json:"row,omitempty"`
	Value           *string         `json:"value,omitempty"`
	ValueHex        *string         `json:"value_hex,omitempty"`
	ValueBytes      int             `json:"value_bytes"`
	SchemaID        *int            `json:"schema_id,omitempty"`
}

// WriteJSON writes l as one JSON object on a line of its own, as
// `aurum dlq inspect --json` prints it: the fields of WriteText, the value
// as "row" (a quarantined file row), "value" (other text) or "value_hex"
// (a preview of binary bytes, with "schema_id" in the Confluent wire format).
func WriteJSON(w io.Writer, l Letter) error {
	v := viewOf(l)
	j := jsonLetter{
		Partition: l.At.Partition, Offset: l.At.Offset, Time: l.Time, Stage: l.Stage,
		Reason: l.Reason, Detail: l.Detail, Topic: l.Source.Topic, Key: v.key,
		Row: v.row, ValueBytes: v.size,
	}
	if l.Source.Offset >= 0 {
		j.SourcePartition, j.SourceOffset = &l.Source.Partition, &l.Source.Offset
	}
	if l.ReplayOf != "" {
		j.ReplayOf = &l.ReplayOf
	}
	switch {
	case v.row != nil:
	case v.hex != "":
		j.ValueHex = &v.hex
		if v.schemaID >= 0 {
			j.SchemaID = &v.schemaID
		}
	default:
		j.Value = &v.text
	}
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode dead letter %s: %w", l.At, err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
