package registry

import (
	"encoding/json"
	"net/http"
)

// contentType is the media type of every Confluent registry response.
const contentType = "application/vnd.schemaregistry.v1+json"

// Confluent error codes this package answers with itself; srfake's own
// errors are relayed as it wrote them.
const (
	codeIncompatible       = 409
	codeSubjectNotFound    = 40401
	codeVersionNotFound    = 40402
	codeInvalidSchema      = 42201
	codeInvalidVersion     = 42202
	codeInvalidCompat      = 42203
	codeNotPermitted       = 42205
	codeStoreError         = 50001
	codeMethodNotSupported = 405
)

// apiError is a Confluent error response.
type apiError struct {
	status int
	code   int
	msg    string
}

// writeJSON writes a Confluent JSON response.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError writes e as {"error_code", "message"}, the body every Confluent
// client (sr.ResponseError among them) decodes.
func writeError(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.status, map[string]any{"error_code": e.code, "message": e.msg})
}

func storeError(err error) apiError {
	return apiError{http.StatusInternalServerError, codeStoreError, "Error while persisting to the schema registry topic: " + err.Error()}
}

func internalError(err error) apiError {
	return apiError{http.StatusInternalServerError, codeStoreError, err.Error()}
}
