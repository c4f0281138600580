package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// uuidPattern matches the textual form of a UUID, any case.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// pathUUID returns the path parameter name of c as a lower-case UUID. Every
// resource id of the API is a UUID, so anything else is a 400 naming the
// parameter rather than a lookup that cannot succeed.
func pathUUID(name, v string) (string, error) {
	if !uuidPattern.MatchString(v) {
		return "", InvalidParameter(name, fmt.Sprintf("must be a UUID, not %q", truncate(v, 64)))
	}
	return strings.ToLower(v), nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// maxEchoLen bounds what a problem echoes of a client's input that no
// other limit bounds (a path, a body member), so that an error is never
// larger than a page of text.
const maxEchoLen = 200

// truncate shortens s to at most n bytes, not splitting a character, for
// quoting in a problem detail.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
