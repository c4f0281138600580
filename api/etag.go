package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// etagOf returns a strong entity tag over parts. The API derives it from
// what determines a response — the data version, the endpoint and the
// normalised query — or, for answers that depend on no dataset, from the
// encoded data itself; request-specific members (request_id) are not part
// of it.
func etagOf(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// etagMatches reports whether the request's If-None-Match names etag (or
// is "*"): the client's copy is current and the answer is 304.
func etagMatches(c echo.Context, etag string) bool {
	inm := c.Request().Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for tag := range strings.SplitSeq(inm, ",") {
		tag = strings.TrimSpace(tag)
		// If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// setValidators sets ETag and Cache-Control on a successful answer (200 or
// 304) that the caller may reuse for maxAge without revalidating. They are
// set only once the answer is known to succeed, so errors never carry them.
func setValidators(c echo.Context, etag string, maxAge time.Duration) {
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set(echo.HeaderCacheControl, "private, max-age="+strconv.Itoa(int(maxAge/time.Second)))
}

// respondNotModified answers 304 with no body.
func respondNotModified(c echo.Context) error {
	return c.NoContent(http.StatusNotModified)
}
