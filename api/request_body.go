package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// maxBodyBytes bounds a JSON request body.
const maxBodyBytes = 1 << 20

// decodeBody decodes the JSON request body of c into v, which must be a
// pointer to a struct with json tags; see decodeBodyJSON.
func decodeBody(c echo.Context, v any, allowEmpty bool) error {
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeBodyJSON(raw, v, allowEmpty)
}

// readBody returns the request body of c, which must be JSON (by its
// Content-Type, when it has one) and at most maxBodyBytes long.
func readBody(c echo.Context) ([]byte, error) {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
			return nil, NewProblem(http.StatusUnsupportedMediaType, "bad-request",
				fmt.Sprintf("Content-Type %q is not supported: send application/json", ct))
		}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, maxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, NewProblem(http.StatusRequestEntityTooLarge, "bad-request",
				fmt.Sprintf("the request body exceeds %d bytes", maxBodyBytes))
		}
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return raw, nil
}

// decodeBodyJSON decodes raw into v. An unknown member, a value of the wrong
// type or trailing data is a 400 naming the field; an empty body leaves v
// as it is when allowEmpty, else it is a 400 too.
func decodeBodyJSON(raw []byte, v any, allowEmpty bool) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		if allowEmpty {
			return nil
		}
		return BadRequest("the request body is empty: send a JSON object")
	}
	// encoding/json would turn invalid UTF-8 into U+FFFD in strings but
	// keep it in a json.RawMessage, which the database then refuses.
	if !utf8.Valid(raw) {
		return BadRequest(fmt.Sprintf("the request body is not UTF-8 text (invalid byte at offset %d)", invalidUTF8At(raw)))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("the request body holds data after its JSON value")
	}
	// A NUL can only arrive escaped (a raw control character is a syntax
	// error), and no text column or jsonb value can hold one. Half a UTF-16
	// surrogate pair, escaped, encoding/json turns into U+FFFD: the text
	// would be stored changed.
	nul, lone := bytes.Contains(raw, []byte(`\u0000`)), loneSurrogate(raw)
	if nul || lone {
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return bodyProblem(err)
		}
		if name, ok := badMember("", doc, func(s string) bool {
			return nul && strings.IndexByte(s, 0) >= 0 || lone && strings.ContainsRune(s, utf8.RuneError)
		}); ok {
			return InvalidParameter(name, "must be "+textReason+" (escaped UTF-16 surrogates in pairs)")
		}
	}
	return nil
}

// loneSurrogate reports whether raw, JSON text, escapes half a UTF-16
// surrogate pair without the other half (\ud800 alone).
func loneSurrogate(raw []byte) bool {
	hex4 := func(b []byte) rune {
		v, err := strconv.ParseUint(string(b), 16, 16)
		if err != nil {
			return -1
		}
		return rune(v)
	}
	for i := 0; i+6 <= len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		switch r := hex4(raw[i+2 : i+6]); {
		case r >= 0xd800 && r < 0xdc00: // high: a low one must follow
			if i+12 > len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
				return true
			}
			if low := hex4(raw[i+8 : i+12]); low < 0xdc00 || low >= 0xe000 {
				return true
			}
			i += 11
		case r >= 0xdc00 && r < 0xe000:
			return true
		default:
			i += 5
		}
	}
	return false
}

// invalidUTF8At is the offset of the first byte of b that is not part of
// valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// badMember returns the name of the first member of v (a decoded JSON
// document at path) holding a string or a member name that is bad, spelt
// as the body's fields are named in problems (drivers[0].payload.fuel).
func badMember(path string, v any, bad func(string) bool) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, bad(v)
	case []any:
		for i, e := range v {
			if name, ok := badMember(fmt.Sprintf("%s[%d]", path, i), e, bad); ok {
				return name, true
			}
		}
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		for _, k := range keys {
			member := k
			if path != "" {
				member = path + "." + k
			}
			if bad(k) {
				return cmp.Or(path, "the request body"), true
			}
			if name, ok := badMember(member, v[k], bad); ok {
				return name, true
			}
		}
	}
	return "", false
}

// bodyProblem turns a JSON decoding error into a 400 naming the field.
func bodyProblem(err error) *Problem {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return BadRequest(fmt.Sprintf("the request body must be a JSON object, not %s", typeErr.Value))
		}
		return InvalidParameter(field, typeReason(field, typeErr))
	case errors.As(err, &syntaxErr):
		return BadRequest(fmt.Sprintf("the request body is not valid JSON (at byte %d): %v", syntaxErr.Offset, syntaxErr))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("the request body is truncated JSON")
	}
	// encoding/json reports an unknown member as `json: unknown field "x"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return InvalidParameter(strings.Trim(name, `"`), "is not a field of this request")
	}
	return BadRequest(fmt.Sprintf("the request body cannot be read: %v", err))
}

// typeReason says what a member must be and what it was instead: the
// decoder's own wording ("number 1.5") reads as if a number were wrong.
func typeReason(field string, e *json.UnmarshalTypeError) string {
	want := jsonKind(e.Type)
	integer := want == "an integer"
	if integer && strings.HasSuffix(field, "_seconds") {
		want = "an integer number of seconds"
	}
	num, isNum := strings.CutPrefix(e.Value, "number ")
	if !isNum {
		return fmt.Sprintf("must be %s, not %s", want, jsonValueKind(e.Value))
	}
	if f, err := strconv.ParseFloat(num, 64); integer && err == nil && f == math.Trunc(f) {
		return fmt.Sprintf("must be %s, and %s is out of range", want, truncate(num, 32))
	}
	return fmt.Sprintf("must be %s, not %s", want, truncate(num, 32))
}

// jsonValueKind names the kind of JSON value encoding/json reports in an
// UnmarshalTypeError.
func jsonValueKind(v string) string {
	switch v {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "number":
		return "a number"
	}
	return v
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}
