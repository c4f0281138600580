package schemas

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
)

// Register registers every record's schema under its subject and returns
// subject → schema ID. Registering a schema the subject already holds returns
// its existing ID, so Register is safe to run at every start-up. It tries
// every subject and reports all failures; the map holds the ones that worked.
func Register(ctx context.Context, c *sr.Client) (map[string]int, error) {
	ids := make(map[string]int, len(records))
	var problems []error
	for _, r := range records {
		id, err := c.RegisterSchema(ctx, r.Subject, sr.Schema{Schema: r.Schema, Type: sr.TypeAvro}, -1, -1)
		if err != nil {
			problems = append(problems, fmt.Errorf("register %s under %s: %w", r.Name, r.Subject, err))
			continue
		}
		ids[r.Subject] = id
	}
	return ids, errors.Join(problems...)
}
