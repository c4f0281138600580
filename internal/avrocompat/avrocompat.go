// Package avrocompat decides whether an Avro schema may follow earlier
// versions of a subject under a Confluent compatibility level. The embedded
// schema registry and `aurum schemas check` share it, so a change refused by
// one is refused by the other.
package avrocompat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hamba/avro/v2"
)

// Level is a Confluent compatibility level such as BACKWARD or FULL_TRANSITIVE.
type Level string

// The compatibility levels of the Confluent schema registry.
const (
	None               Level = "NONE"
	Backward           Level = "BACKWARD"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	Forward            Level = "FORWARD"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	Full               Level = "FULL"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// ErrIncompatible is wrapped by every incompatibility Check reports.
var ErrIncompatible = errors.New("schema is incompatible")

// ParseLevel validates a level name, case-insensitively.
func ParseLevel(s string) (Level, error) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	switch l {
	case None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive:
		return l, nil
	}
	return "", fmt.Errorf("unknown compatibility level %q", s)
}

// Check reports whether candidate may be registered after previous (oldest
// first) under level. Non-transitive levels compare with the latest version
// only. Errors wrap ErrIncompatible and say which version and why.
func Check(level Level, candidate string, previous []string) error {
	if level == None || len(previous) == 0 {
		return nil
	}
	cand, err := avro.ParseWithCache(candidate, "", &avro.SchemaCache{})
	if err != nil {
		return fmt.Errorf("parse candidate schema: %w", err)
	}
	from := 0
	if !strings.HasSuffix(string(level), "_TRANSITIVE") {
		from = len(previous) - 1
	}
	backward := strings.HasPrefix(string(level), "BACKWARD") || strings.HasPrefix(string(level), "FULL")
	forward := strings.HasPrefix(string(level), "FORWARD") || strings.HasPrefix(string(level), "FULL")
	for i := len(previous) - 1; i >= from; i-- {
		prev, err := avro.ParseWithCache(previous[i], "", &avro.SchemaCache{})
		if err != nil {
			return fmt.Errorf("parse version %d: %w", i+1, err)
		}
		compat := avro.NewSchemaCompatibility()
		if backward {
			if err := compat.Compatible(cand, prev); err != nil {
				return fmt.Errorf("%w under %s: new schema cannot read data written with version %d: %v",
					ErrIncompatible, level, i+1, err)
			}
		}
		if forward {
			if err := compat.Compatible(prev, cand); err != nil {
				return fmt.Errorf("%w under %s: version %d cannot read data written with the new schema: %v",
					ErrIncompatible, level, i+1, err)
			}
		}
	}
	return nil
}
