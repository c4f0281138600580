package api

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"sigs.k8s.io/yaml"
)

// openapiYAML is the API's OpenAPI 3 description. Every route in routes.go
// has an operation in it and vice versa (TestOpenAPIMatchesRoutes).
//
//go:embed openapi.yaml
var openapiYAML []byte

// openapiJSON converts openapi.yaml once, at start-up.
func openapiJSON() ([]byte, error) {
	b, err := yaml.YAMLToJSON(openapiYAML)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml: %w", err)
	}
	return b, nil
}

// openapi serves the OpenAPI document.
func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.openapiDoc)
}
