package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestEnvelope(t *testing.T) {
	t.Parallel()
	e := echo.New()
	for _, tc := range []struct {
		name string
		h    func(echo.Context) error
		want string
	}{
		{"empty list", func(c echo.Context) error { return RespondList[int](c, nil, "") },
			`{"meta":{"request_id":"rid","count":0},"data":[]}`},
		{"page", func(c echo.Context) error { return RespondList(c, []string{"a", "b"}, "next") },
			`{"meta":{"request_id":"rid","count":2,"next_cursor":"next"},"data":["a","b"]}`},
		{"one", func(c echo.Context) error { return RespondOne(c, http.StatusCreated, map[string]string{"id": "s1"}) },
			`{"meta":{"request_id":"rid"},"data":{"id":"s1"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			c.Set(echoKeyRequestID, "rid")
			if err := tc.h(c); err != nil {
				t.Fatal(err)
			}
			if got := rec.Body.String(); got != tc.want+"\n" {
				t.Fatalf("body = %s, want %s", got, tc.want)
			}
		})
	}
}
