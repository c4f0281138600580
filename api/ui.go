package api

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/ui"
)

// uiAsset is one file of the workbench page (package ui), ready to serve:
// plain and gzipped, each with its strong ETag (they are two
// representations).
type uiAsset struct {
	contentType string
	plain, gzip uiRepresentation
}

type uiRepresentation struct {
	etag string
	body []byte
}

// newUIAssets prepares the page's files once, at start-up, so that serving
// one costs a map lookup.
func newUIAssets(cfg ui.Config) (map[string]*uiAsset, error) {
	files, err := ui.Files(cfg)
	if err != nil {
		return nil, err
	}
	assets := make(map[string]*uiAsset, len(files))
	for name, body := range files {
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // a valid level never fails
		if _, err := w.Write(body); err != nil {
			return nil, fmt.Errorf("ui %s: %w", name, err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("ui %s: %w", name, err)
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = echo.MIMEOctetStream
		}
		assets[name] = &uiAsset{contentType: ctype,
			plain: uiRepresentation{etag: etagOf(body), body: body},
			gzip:  uiRepresentation{etag: etagOf(body, []byte("gzip")), body: gz.Bytes()}}
	}
	return assets, nil
}

// uiFile serves GET /ui, the workbench page itself, and GET /ui/{file},
// its script and style sheet: gzipped when the client accepts it, 304 when
// it holds the current version. The page refers to its files relatively
// (ui/app.js), so that it also works behind a proxy that mounts the API
// under a path. It holds no data — every number on it comes from the API
// with the caller's identity — so it needs no authentication; it is
// revalidated on every load so that an upgrade shows at once.
func (s *Server) uiFile(c echo.Context) error {
	a, ok := s.uiAssets[cmp.Or(c.Param("file"), ui.IndexName)]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	rep := a.plain
	if acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)) {
		rep = a.gzip
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	h.Set("ETag", rep.etag)
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
	h.Set(echo.HeaderXContentTypeOptions, "nosniff")
	h.Set(echo.HeaderContentSecurityPolicy, ui.ContentSecurityPolicy)
	h.Set(echo.HeaderReferrerPolicy, "no-referrer")
	if etagMatches(c, rep.etag) {
		h.Del(echo.HeaderContentEncoding)
		return respondNotModified(c)
	}
	return c.Blob(http.StatusOK, a.contentType, rep.body)
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip, not
// refusing it with a zero quality.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		_, q, found := strings.Cut(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
