package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/internal/scenario"
)

// scenarioRow is a scenario resource (docs/CONTRACTS.md#scenarios).
type scenarioRow struct{ runs.ScenarioRow }

func (r *scenarioRow) scan(rows pgx.Rows) error {
	var err error
	r.ScenarioRow, err = runs.ScanScenario(rows)
	return err
}

func (r *scenarioRow) cells(w *cellWriter) {
	w.str("id", r.ID)
	w.str("name", r.Name)
	w.str("description", r.Description)
	w.rawJSON("curve_filter", []byte(r.CurveFilter))
	w.rawJSON("drivers", []byte(r.Drivers))
	w.rawJSON("parameters", []byte(r.Parameters))
	w.strList("tags", r.Tags)
	w.integer("version", int64(r.Version))
	w.instant("created_at", r.CreatedAt)
	w.instant("updated_at", r.UpdatedAt)
}

// key is the keyset position of the row: newest first.
func (r *scenarioRow) key() []string { return []string{keyTime(r.CreatedAt), r.ID} }

// scenarioBody is the body of POST /v1/scenarios.
type scenarioBody struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description"`
	CurveFilter map[string]json.RawMessage `json:"curve_filter"`
	Drivers     []driverBody               `json:"drivers"`
	Parameters  map[string]string          `json:"parameters"`
	Tags        []string                   `json:"tags"`
}

// driverBody is one driver of a scenario as the API reads and writes it.
type driverBody struct {
	DriverType string          `json:"driver_type"`
	Payload    json.RawMessage `json:"payload"`
}

// definition is the scenario model's view of the body. A curve filter's
// value may be one string or a list of them; anything else is a 400 naming
// the dimension.
func (b *scenarioBody) definition() (scenario.Definition, error) {
	def := scenario.Definition{
		Name:        b.Name,
		Description: b.Description,
		Parameters:  b.Parameters,
		Tags:        b.Tags,
	}
	if b.CurveFilter != nil {
		def.CurveFilter = make(map[string][]string, len(b.CurveFilter))
		for k, raw := range b.CurveFilter {
			var one string
			if err := json.Unmarshal(raw, &one); err == nil {
				def.CurveFilter[k] = []string{one}
				continue
			}
			var many []string
			if err := json.Unmarshal(raw, &many); err != nil {
				return def, InvalidParameter("curve_filter."+k, "must be a string or a list of strings")
			}
			def.CurveFilter[k] = many
		}
	}
	for _, d := range b.Drivers {
		def.Drivers = append(def.Drivers, scenario.Driver{Type: d.DriverType, Payload: d.Payload})
	}
	return def, nil
}

// invalidScenario turns the validation errors of a definition into a 400
// naming every offending field.
func invalidScenario(err error) error {
	var list scenario.ValidationErrors
	if !errors.As(err, &list) {
		var one *scenario.ValidationError
		if !errors.As(err, &one) {
			return fmt.Errorf("validate scenario: %w", err)
		}
		list = scenario.ValidationErrors{one}
	}
	if len(list) == 0 {
		return fmt.Errorf("validate scenario: %w", err)
	}
	params := make([]InvalidParam, len(list))
	details := make([]string, len(list))
	for i, e := range list {
		params[i] = InvalidParam{Name: e.Field, Reason: e.Reason}
		details[i] = fmt.Sprintf("field %q %s", e.Field, e.Reason)
	}
	p := NewProblem(http.StatusBadRequest, "invalid-parameter", strings.Join(details, "; "))
	p.Title = "Invalid parameter"
	p.Extensions = map[string]any{"invalid_params": params}
	return p
}

// createScenario is POST /v1/scenarios: validate the definition and store
// it for the caller's tenant; 201 with the scenario.
func (s *Server) createScenario(c echo.Context) error {
	p, _, err := s.tenantCall(c, "")
	if err != nil {
		return err
	}
	var body scenarioBody
	if err := decodeBody(c, &body, false); err != nil {
		return err
	}
	def, err := body.definition()
	if err != nil {
		return err
	}
	if err := def.Validate(); err != nil {
		return invalidScenario(err)
	}
	filter, drivers, params, tags, err := definitionColumns(def)
	if err != nil {
		return err
	}
	r, err := s.runs.CreateScenario(c.Request().Context(), p.Tenant, runs.NewScenario{
		Name: strings.TrimSpace(def.Name), Description: def.Description,
		CurveFilter: filter, Drivers: drivers, Parameters: params, Tags: tags,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/scenarios/"+r.ID)
	return respondRow(c, http.StatusCreated, &scenarioRow{r})
}

// definitionColumns returns the JSON and array columns of a valid
// definition: the curve filter normalised as GET /v1/curves spells it,
// absent members empty.
func definitionColumns(def scenario.Definition) (filter, drivers, params string, tags []string, err error) {
	if def.Drivers == nil {
		def.Drivers = []scenario.Driver{}
	}
	if def.Parameters == nil {
		def.Parameters = map[string]string{}
	}
	tags = def.Tags
	if tags == nil {
		tags = []string{}
	}
	parts := make([]string, 3)
	for i, v := range []any{scenario.NormalizeFilter(def.CurveFilter), def.Drivers, def.Parameters} {
		j, err := json.Marshal(v)
		if err != nil {
			return "", "", "", nil, fmt.Errorf("encode scenario: %w", err)
		}
		parts[i] = string(j)
	}
	return parts[0], parts[1], parts[2], tags, nil
}

// getScenario is GET /v1/scenarios/{id}.
func (s *Server) getScenario(c echo.Context) error {
	p, id, err := s.tenantCall(c, "id")
	if err != nil {
		return err
	}
	r, err := s.runs.GetScenario(c.Request().Context(), p.Tenant, id)
	if err != nil {
		return scenarioProblem(id, err)
	}
	return respondRow(c, http.StatusOK, &scenarioRow{r})
}

// scenarioProblem is the answer to err of the repository about scenario
// id: a 404 when it has no such scenario.
func scenarioProblem(id string, err error) error {
	if errors.Is(err, runs.ErrScenarioGone) {
		return NotFound(fmt.Sprintf("no scenario %s", id))
	}
	return err
}

// deleteScenario is DELETE /v1/scenarios/{id}: a soft delete, so the
// scenario's runs and outputs keep their history; 204.
func (s *Server) deleteScenario(c echo.Context) error {
	p, id, err := s.tenantCall(c, "id")
	if err != nil {
		return err
	}
	if err := s.runs.DeleteScenario(c.Request().Context(), p.Tenant, id); err != nil {
		return scenarioProblem(id, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// scenariosList is GET /v1/scenarios: the tenant's scenarios, newest first.
var scenariosList = &listEndpoint{path: "/v1/scenarios", tenant: true, params: pageParams, keyLen: 2}

// listScenarios is GET /v1/scenarios.
func (s *Server) listScenarios(c echo.Context) error {
	p, _, err := s.tenantCall(c, "")
	if err != nil {
		return err
	}
	q, err := s.parseQuery(c, scenariosList)
	if err != nil {
		return err
	}
	page, err := timeKeyPage(q)
	if err != nil {
		return err
	}
	t := newTable(q.format, &scenarioRow{})
	var next []string
	err = s.runs.Scenarios(c.Request().Context(), p.Tenant, page, func(rows pgx.Rows) (err error) {
		next, err = collect(rows, t, q.limit, &scenarioRow{})
		return err
	})
	if err != nil {
		return err
	}
	return s.respondTable(c, scenariosList, q, t, next, 0)
}
