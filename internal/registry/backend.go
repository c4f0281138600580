package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/avrocompat"
)

// This file talks to srfake's REST handler in-process. Going through its
// HTTP surface rather than its Go methods gives us the same validation and
// the same Confluent error bodies a client would get.

// backendResponse is a buffered response from the srfake handler.
type backendResponse struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *backendResponse) Header() http.Header         { return r.header }
func (r *backendResponse) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *backendResponse) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *backendResponse) ok() bool { return r.status >= 200 && r.status < 300 }

// decode unmarshals a successful response body into v.
func (r *backendResponse) decode(v any) error {
	if err := json.Unmarshal(r.body.Bytes(), v); err != nil {
		return fmt.Errorf("decode registry response %q: %w", r.body.String(), err)
	}
	return nil
}

// copyTo relays the response to a client unchanged.
func (r *backendResponse) copyTo(w http.ResponseWriter) {
	for k, vs := range r.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

// call runs one request against srfake. body, if not nil, is sent as JSON.
func (s *Server) call(ctx context.Context, method, path string, body any) (*backendResponse, error) {
	var rd bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		rd.Reset(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://registry"+path, &rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", contentType)
	resp := &backendResponse{header: make(http.Header)}
	s.backend.ServeHTTP(resp, req)
	if resp.status == 0 {
		resp.status = http.StatusOK
	}
	return resp, nil
}

func subjectPath(subject string) string { return "/subjects/" + url.PathEscape(subject) }

func versionPath(subject string, version int) string {
	return subjectPath(subject) + "/versions/" + strconv.Itoa(version)
}

func configPath(subject string) string {
	if subject == "" {
		return "/config"
	}
	return "/config/" + url.PathEscape(subject)
}

// liveVersions returns the non-deleted schemas of subject, oldest first; none
// if the subject does not exist or is deleted.
func (s *Server) liveVersions(ctx context.Context, subject string) ([]sr.SubjectSchema, error) {
	resp, err := s.call(ctx, http.MethodGet, subjectPath(subject)+"/versions", nil)
	if err != nil {
		return nil, err
	}
	if resp.status == http.StatusNotFound {
		return nil, nil
	}
	var versions []int
	if !resp.ok() {
		return nil, fmt.Errorf("list versions of %s: HTTP %d: %s", subject, resp.status, resp.body.String())
	}
	if err := resp.decode(&versions); err != nil {
		return nil, err
	}
	out := make([]sr.SubjectSchema, 0, len(versions))
	for _, v := range versions { // sorted ascending by srfake
		if ss, ok := s.reg.GetSchema(subject, v); ok {
			out = append(out, ss)
		}
	}
	return out, nil
}

// compatLevel returns the level in force for subject: its own config, else
// the global one.
func (s *Server) compatLevel(ctx context.Context, subject string) (avrocompat.Level, error) {
	resp, err := s.call(ctx, http.MethodGet, configPath(subject), nil)
	if err != nil {
		return "", err
	}
	if !resp.ok() {
		return "", fmt.Errorf("get config of %s: HTTP %d: %s", subject, resp.status, resp.body.String())
	}
	var cfg struct {
		Level string `json:"compatibilityLevel"`
	}
	if err := resp.decode(&cfg); err != nil {
		return "", err
	}
	return avrocompat.ParseLevel(cfg.Level)
}
