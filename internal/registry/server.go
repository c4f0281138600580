package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/twmb/franz-go/pkg/sr"
)

// maxBodyBytes bounds a request body; a schema is a few kilobytes.
const maxBodyBytes = 1 << 20

// routes takes over the endpoints that change state or check compatibility
// and hands every other request (reads, lookups, modes) to srfake.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /subjects/{subject}/versions", s.handleRegister)
	mux.HandleFunc("DELETE /subjects/{subject}", s.handleDeleteSubject)
	mux.HandleFunc("DELETE /subjects/{subject}/versions/{version}", s.handleDeleteVersion)
	mux.HandleFunc("PUT /config", s.handlePutConfig)
	mux.HandleFunc("PUT /config/{subject}", s.handlePutConfig)
	mux.HandleFunc("DELETE /config/{subject}", s.handleDeleteConfig)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions", s.handleCompatibility)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", s.handleCompatibility)
	mux.HandleFunc("/contexts/", s.handleContexts)
	mux.Handle("/", s.backend)
	return mux
}

// registerRequest is the body of POST /subjects/{subject}/versions. ID and
// Version are only accepted by a registry in IMPORT mode, which this one
// does not offer.
type registerRequest struct {
	sr.Schema
	Subject string `json:"subject"`
	ID      int    `json:"id"`
	Version int    `json:"version"`
}

func decodeRegister(w http.ResponseWriter, r *http.Request) (registerRequest, *apiError) {
	var req registerRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		return req, &apiError{http.StatusUnprocessableEntity, codeInvalidSchema, "Invalid request body: " + err.Error()}
	}
	return req, nil
}

func decodeSchema(w http.ResponseWriter, r *http.Request) (sr.Schema, *apiError) {
	req, apiErr := decodeRegister(w, r)
	return req.Schema, apiErr
}

// handleRegister is POST /subjects/{subject}/versions: an identical live
// schema returns its ID; otherwise the schema must be compatible, srfake
// assigns the ID and version, and the registration is persisted before the
// client hears of it. A failed write undoes the registration.
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	req, apiErr := decodeRegister(w, r)
	if apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	if req.ID > 0 || req.Version > 0 {
		writeError(w, apiError{http.StatusUnprocessableEntity, codeNotPermitted,
			fmt.Sprintf("Overwrite new schema with id %d and version %d is not permitted: the embedded registry has no IMPORT mode", req.ID, req.Version)})
		return
	}
	if apiErr := validate(req.Schema); apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	// The write must not be abandoned half-way because the client left.
	ctx := context.WithoutCancel(r.Context())

	s.mu.Lock()
	defer s.mu.Unlock()

	if existing, err := s.call(ctx, http.MethodPost, subjectPath(subject), req.Schema); err == nil && existing.ok() {
		var found struct {
			ID int `json:"id"`
		}
		if err := existing.decode(&found); err == nil {
			writeJSON(w, http.StatusOK, map[string]int{"id": found.ID})
			return
		}
	}
	if apiErr := s.checkRegistration(ctx, subject, req.Schema); apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	resp, ok := s.apply(ctx, w, http.MethodPost, subjectPath(subject)+"/versions", req.Schema)
	if !ok {
		return
	}
	var created struct {
		ID int `json:"id"`
	}
	if err := resp.decode(&created); err != nil {
		writeError(w, internalError(err))
		return
	}
	version, err := s.versionOf(ctx, subject, created.ID)
	if err != nil {
		writeError(w, internalError(err))
		return
	}
	value := schemaValue{Subject: subject, Version: version, ID: created.ID, Schema: req.Schema}
	if err := s.store.write(ctx, recordKey{KeyType: keySchema, Subject: subject, Version: version}, value); err != nil {
		s.undoRegistration(ctx, subject, version)
		writeError(w, storeError(err))
		return
	}
	s.logger.Info("schema registered",
		slog.String("subject", subject), slog.Int("version", version), slog.Int("id", created.ID))
	writeJSON(w, http.StatusOK, map[string]int{"id": created.ID})
}

// versionOf finds the live version of subject that carries schema id.
func (s *Server) versionOf(ctx context.Context, subject string, id int) (int, error) {
	live, err := s.liveVersions(ctx, subject)
	if err != nil {
		return 0, err
	}
	for i := len(live) - 1; i >= 0; i-- {
		if live[i].ID == id {
			return live[i].Version, nil
		}
	}
	return 0, fmt.Errorf("registered schema id %d not found under %s", id, subject)
}

// undoRegistration hard-deletes a version whose persistence failed. srfake
// keeps its ID reserved, so the ID is not handed out again either.
func (s *Server) undoRegistration(ctx context.Context, subject string, version int) {
	resp, err := s.call(ctx, http.MethodDelete, versionPath(subject, version)+"?permanent=true", nil)
	if err == nil && !resp.ok() {
		err = fmt.Errorf("HTTP %d: %s", resp.status, resp.body.String())
	}
	if err != nil {
		s.logger.Error("undo unpersisted registration", slog.String("subject", subject),
			slog.Int("version", version), slog.Any("error", err))
	}
}

// handlePutConfig is PUT /config and PUT /config/{subject}. The level is
// validated and persisted, then applied.
func (s *Server) handlePutConfig(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject") // "" for the global config
	var body struct {
		Compatibility string `json:"compatibility"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&body); err != nil {
		writeError(w, apiError{http.StatusUnprocessableEntity, codeInvalidCompat, "Invalid request body: " + err.Error()})
		return
	}
	level, apiErr := normalizeLevel(body.Compatibility)
	if apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	ctx := context.WithoutCancel(r.Context())

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.write(ctx, recordKey{KeyType: keyConfig, Subject: subject}, configValue{CompatibilityLevel: level}); err != nil {
		writeError(w, storeError(err))
		return
	}
	s.relay(ctx, w, http.MethodPut, configPath(subject), map[string]string{"compatibility": level})
	s.logger.Info("compatibility set", slog.String("subject", subject), slog.String("level", level))
}

// handleDeleteConfig is DELETE /config/{subject}: the subject falls back to
// the global level.
func (s *Server) handleDeleteConfig(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	ctx := context.WithoutCancel(r.Context())

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.write(ctx, recordKey{KeyType: keyConfig, Subject: subject}, nil); err != nil {
		writeError(w, storeError(err))
		return
	}
	s.relay(ctx, w, http.MethodDelete, configPath(subject), nil)
}

// handleDeleteSubject is DELETE /subjects/{subject}[?permanent=true].
// srfake decides whether the delete is allowed; a delete it performed is
// persisted before the response.
func (s *Server) handleDeleteSubject(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	permanent := r.URL.Query().Get("permanent") == "true"
	path := subjectPath(subject)
	if permanent {
		path += "?permanent=true"
	}
	ctx := context.WithoutCancel(r.Context())

	s.mu.Lock()
	defer s.mu.Unlock()
	resp, ok := s.apply(ctx, w, http.MethodDelete, path, nil)
	if !ok {
		return
	}
	key := recordKey{KeyType: keyDeleteSubject, Subject: subject, Permanent: permanent}
	err := s.store.write(ctx, key, deleteValue{Subject: subject, Permanent: permanent})
	if err == nil && permanent {
		// srfake drops a hard-deleted subject's config with it.
		err = s.store.write(ctx, recordKey{KeyType: keyConfig, Subject: subject}, nil)
	}
	if err != nil {
		s.logger.Error("subject deleted but not persisted; it returns after a restart",
			slog.String("subject", subject), slog.Any("error", err))
		writeError(w, storeError(err))
		return
	}
	s.logger.Info("subject deleted", slog.String("subject", subject), slog.Bool("permanent", permanent))
	resp.copyTo(w)
}

// handleDeleteVersion is DELETE /subjects/{subject}/versions/{version}
// [?permanent=true], version being a number, "latest" or -1.
func (s *Server) handleDeleteVersion(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	permanent := r.URL.Query().Get("permanent") == "true"
	ctx := context.WithoutCancel(r.Context())

	s.mu.Lock()
	defer s.mu.Unlock()
	version, apiErr := s.resolveVersion(ctx, subject, r.PathValue("version"))
	if apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	path := versionPath(subject, version)
	if permanent {
		path += "?permanent=true"
	}
	resp, ok := s.apply(ctx, w, http.MethodDelete, path, nil)
	if !ok {
		return
	}
	key := recordKey{KeyType: keyDeleteVersion, Subject: subject, Version: version, Permanent: permanent}
	if err := s.store.write(ctx, key, deleteValue{Subject: subject, Version: version, Permanent: permanent}); err != nil {
		s.logger.Error("version deleted but not persisted; it returns after a restart",
			slog.String("subject", subject), slog.Int("version", version), slog.Any("error", err))
		writeError(w, storeError(err))
		return
	}
	s.logger.Info("schema version deleted", slog.String("subject", subject),
		slog.Int("version", version), slog.Bool("permanent", permanent))
	resp.copyTo(w)
}

// resolveVersion turns "latest" and -1 into the latest live version number.
func (s *Server) resolveVersion(ctx context.Context, subject, version string) (int, *apiError) {
	if version != "latest" && version != "-1" {
		n, err := strconv.Atoi(version)
		if err != nil || n < 1 {
			return 0, &apiError{http.StatusUnprocessableEntity, codeInvalidVersion,
				fmt.Sprintf("The specified version '%s' is not a valid version id.", version)}
		}
		return n, nil
	}
	live, err := s.liveVersions(ctx, subject)
	if err != nil {
		e := internalError(err)
		return 0, &e
	}
	if len(live) == 0 {
		return 0, &apiError{http.StatusNotFound, codeSubjectNotFound, fmt.Sprintf("Subject '%s' not found.", subject)}
	}
	return live[len(live)-1].Version, nil
}

// apply makes a request to srfake that the handler persists once it
// succeeds. When it fails or srfake refuses it, apply answers the client
// (an internal error, or srfake's response) and ok is false.
func (s *Server) apply(ctx context.Context, w http.ResponseWriter, method, path string, body any) (resp *backendResponse, ok bool) {
	resp, err := s.call(ctx, method, path, body)
	if err != nil {
		writeError(w, internalError(err))
		return nil, false
	}
	if !resp.ok() {
		resp.copyTo(w)
		return nil, false
	}
	return resp, true
}

// relay applies a request to srfake and passes its response to the client.
func (s *Server) relay(ctx context.Context, w http.ResponseWriter, method, path string, body any) {
	resp, err := s.call(ctx, method, path, body)
	if err != nil {
		writeError(w, internalError(err))
		return
	}
	if !resp.ok() {
		s.logger.Error("persisted change refused by registry", slog.String("method", method),
			slog.String("path", path), slog.Int("status", resp.status), slog.String("body", resp.body.String()))
	}
	resp.copyTo(w)
}

// handleContexts serves reads under /contexts/ and refuses writes, which
// would bypass compatibility checks and persistence.
func (s *Server) handleContexts(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.backend.ServeHTTP(w, r)
		return
	}
	writeError(w, apiError{http.StatusMethodNotAllowed, codeMethodNotSupported,
		"schema contexts are read-only in the embedded registry"})
}
