package fred

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/aurum-energy/aurum/producers/collector"
)

// seriesMeta is the part of a series endpoint answer the source uses.
type seriesMeta struct {
	ID               string `json:"id"`
	Title            string `json:"title"`
	ObservationStart string `json:"observation_start"`
	ObservationEnd   string `json:"observation_end"`
	Frequency        string `json:"frequency"`
	Units            string `json:"units"`
	Notes            string `json:"notes"`
	LastUpdated      string `json:"last_updated"`
}

// observations is a series/observations answer.
type observations struct {
	Count        *int          `json:"count"`
	Offset       int           `json:"offset"`
	Limit        int           `json:"limit"`
	Observations []observation `json:"observations"`
}

type observation struct {
	RealtimeStart string `json:"realtime_start"`
	Date          string `json:"date"`
	Value         string `json:"value"`
}

// apiError is FRED's error body, sent with a 4xx status (and, defensively,
// looked for in any answer).
type apiError struct {
	Code    int    `json:"error_code"`
	Message string `json:"error_message"`
}

// fetchSeries asks the series endpoint for id's metadata.
func fetchSeries(ctx context.Context, c collector.Getter, id string) (*seriesMeta, error) {
	body, err := c.Get(ctx, "series", url.Values{"series_id": {id}, "file_type": {"json"}})
	if err != nil {
		return nil, fmt.Errorf("fred series %s: %w", id, err)
	}
	var resp struct {
		apiError
		Seriess []seriesMeta `json:"seriess"`
	}
	if err := decode(body, &resp, &resp.apiError); err != nil {
		return nil, fmt.Errorf("%w: fred series %s: %v", collector.ErrMalformed, id, err)
	}
	for i := range resp.Seriess {
		if resp.Seriess[i].ID == id {
			return &resp.Seriess[i], nil
		}
	}
	return nil, fmt.Errorf("%w: fred series %s: not in the answer (%d series)", collector.ErrMalformed, id, len(resp.Seriess))
}

// fetchObservations asks for one page of id's observations, oldest first.
func fetchObservations(ctx context.Context, c collector.Getter, id, start, end string, offset, limit int) (*observations, error) {
	q := url.Values{
		"series_id":  {id},
		"file_type":  {"json"},
		"sort_order": {"asc"},
		"offset":     {strconv.Itoa(offset)},
		"limit":      {strconv.Itoa(limit)},
	}
	if start != "" {
		q.Set("observation_start", start)
	}
	if end != "" {
		q.Set("observation_end", end)
	}
	body, err := c.Get(ctx, "series/observations", q)
	if err != nil {
		return nil, fmt.Errorf("fred series/observations %s offset %d: %w", id, offset, err)
	}
	var resp struct {
		apiError
		observations
	}
	if err := decode(body, &resp, &resp.apiError); err != nil {
		return nil, fmt.Errorf("%w: fred series/observations %s offset %d: %v", collector.ErrMalformed, id, offset, err)
	}
	if resp.Count == nil || resp.Observations == nil {
		return nil, fmt.Errorf("%w: fred series/observations %s offset %d: no count or observations", collector.ErrMalformed, id, offset)
	}
	return &resp.observations, nil
}

// decode reads body into v, failing on invalid JSON and on FRED's error
// body (e, embedded in v), whose message it quotes.
func decode(body []byte, v any, e *apiError) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("invalid JSON (%d bytes): %v", len(body), err)
	}
	if e.Message != "" || e.Code != 0 {
		return fmt.Errorf("FRED error %d: %s", e.Code, e.Message)
	}
	return nil
}
