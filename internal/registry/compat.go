package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/avrocompat"
)

// checkable reports whether the compatibility checker understands schema:
// AVRO without references (a referencing schema does not parse on its own).
func checkable(schema sr.Schema) bool {
	return schema.Type == sr.TypeAvro && len(schema.References) == 0
}

// validate rejects an AVRO schema that does not parse.
func validate(schema sr.Schema) *apiError {
	if !checkable(schema) {
		return nil
	}
	if _, err := avro.ParseWithCache(schema.Schema, "", &avro.SchemaCache{}); err != nil {
		return &apiError{http.StatusUnprocessableEntity, codeInvalidSchema, "Invalid schema: " + err.Error()}
	}
	return nil
}

// checkAgainst checks candidate against previous (oldest first) under level
// and returns the incompatibility, if any, as a Confluent detail message.
func checkAgainst(level avrocompat.Level, candidate sr.Schema, previous []sr.SubjectSchema) (incompatible string, err error) {
	if !checkable(candidate) {
		return "", nil
	}
	var texts []string
	for _, p := range previous {
		if checkable(p.Schema) {
			texts = append(texts, p.Schema.Schema)
		}
	}
	err = avrocompat.Check(level, candidate.Schema, texts)
	switch {
	case err == nil:
		return "", nil
	case errors.Is(err, avrocompat.ErrIncompatible):
		return fmt.Sprintf("{description:'%s'}, {compatibility:'%s'}", err, level), nil
	default:
		return "", err
	}
}

// checkRegistration enforces the subject's compatibility level on a new
// version. Callers hold s.mu.
func (s *Server) checkRegistration(ctx context.Context, subject string, candidate sr.Schema) *apiError {
	previous, err := s.liveVersions(ctx, subject)
	if err != nil {
		e := internalError(err)
		return &e
	}
	level, err := s.compatLevel(ctx, subject)
	if err != nil {
		e := internalError(err)
		return &e
	}
	incompatible, err := checkAgainst(level, candidate, previous)
	if err != nil {
		return &apiError{http.StatusUnprocessableEntity, codeInvalidSchema, "Invalid schema: " + err.Error()}
	}
	if incompatible != "" {
		return &apiError{http.StatusConflict, codeIncompatible, fmt.Sprintf(
			"Schema being registered is incompatible with an earlier schema for subject %q, details: [%s]",
			subject, incompatible)}
	}
	return nil
}

// handleCompatibility answers POST /compatibility/subjects/{subject}/versions[/{version}]:
// against one version ("latest", -1 or a number) or, without a version,
// against the versions the subject's level covers. The response always
// carries the details in "messages", as Confluent does with ?verbose=true.
func (s *Server) handleCompatibility(w http.ResponseWriter, r *http.Request) {
	subject := r.PathValue("subject")
	candidate, apiErr := decodeSchema(w, r)
	if apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	if apiErr := validate(candidate); apiErr != nil {
		writeError(w, *apiErr)
		return
	}
	previous, err := s.liveVersions(r.Context(), subject)
	if err != nil {
		writeError(w, internalError(err))
		return
	}
	if len(previous) == 0 {
		writeError(w, apiError{http.StatusNotFound, codeSubjectNotFound, fmt.Sprintf("Subject '%s' not found.", subject)})
		return
	}
	if v := r.PathValue("version"); v != "" {
		one, apiErr := pickVersion(v, previous)
		if apiErr != nil {
			writeError(w, *apiErr)
			return
		}
		previous = []sr.SubjectSchema{one}
	}
	level, err := s.compatLevel(r.Context(), subject)
	if err != nil {
		writeError(w, internalError(err))
		return
	}
	incompatible, err := checkAgainst(level, candidate, previous)
	if err != nil {
		writeError(w, apiError{http.StatusUnprocessableEntity, codeInvalidSchema, "Invalid schema: " + err.Error()})
		return
	}
	messages := []string{}
	if incompatible != "" {
		messages = append(messages, incompatible)
	}
	writeJSON(w, http.StatusOK, map[string]any{"is_compatible": incompatible == "", "messages": messages})
}

// pickVersion finds version ("latest", "-1" or a number) among live.
func pickVersion(version string, live []sr.SubjectSchema) (sr.SubjectSchema, *apiError) {
	if version == "latest" || version == "-1" {
		return live[len(live)-1], nil
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 {
		return sr.SubjectSchema{}, &apiError{http.StatusUnprocessableEntity, codeInvalidVersion,
			fmt.Sprintf("The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", version)}
	}
	for _, ss := range live {
		if ss.Version == n {
			return ss, nil
		}
	}
	return sr.SubjectSchema{}, &apiError{http.StatusNotFound, codeVersionNotFound,
		fmt.Sprintf("Version %d not found.", n)}
}

// normalizeLevel validates a compatibility level from a request body.
func normalizeLevel(s string) (string, *apiError) {
	level, err := avrocompat.ParseLevel(s)
	if err != nil {
		return "", &apiError{http.StatusUnprocessableEntity, codeInvalidCompat,
			fmt.Sprintf("Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive: %s", strings.TrimSpace(s))}
	}
	return string(level), nil
}
