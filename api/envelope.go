package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Meta is the "meta" member of every successful JSON response.
type Meta struct {
	RequestID string `json:"request_id"`
	// Count is the number of rows in data; set for lists only.
	Count *int `json:"count,omitempty"`
	// NextCursor fetches the next page; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Envelope wraps every successful JSON response: {"meta": {...}, "data": ...}.
type Envelope[T any] struct {
	Meta Meta `json:"meta"`
	Data T    `json:"data"`
}

// RespondList sends 200 with rows as data (an empty list, never null), their
// count, and nextCursor when there is another page.
func RespondList[T any](c echo.Context, rows []T, nextCursor string) error {
	if rows == nil {
		rows = []T{}
	}
	n := len(rows)
	return c.JSON(http.StatusOK, Envelope[[]T]{
		Meta: Meta{RequestID: requestID(c), Count: &n, NextCursor: nextCursor},
		Data: rows,
	})
}

// RespondOne sends one resource with the given status (200, 201, 202).
func RespondOne[T any](c echo.Context, status int, v T) error {
	return c.JSON(status, Envelope[T]{Meta: Meta{RequestID: requestID(c)}, Data: v})
}
