package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return BadRequest("the request body holds data after its JSON value")
	}
	return nil
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
		return InvalidParameter(field, fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type), typeErr.Value))
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

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
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
