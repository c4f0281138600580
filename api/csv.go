package api

import "strings"

// MIMETextCSV is the media type of format=csv responses.
const MIMETextCSV = "text/csv; charset=utf-8"

// HeaderNextCursor carries the next page's cursor on CSV responses, which
// have no envelope to put it in.
const HeaderNextCursor = "X-Next-Cursor"

// appendCSVField appends one RFC 4180 field: quoted, with quotes doubled,
// when it contains a separator, a quote or a line break, or starts with a
// space (which some readers would trim).
func appendCSVField(b []byte, s string) []byte {
	if s == "" || (!strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t') {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}
