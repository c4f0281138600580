package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/twmb/franz-go/pkg/sr"
)

// restore replays the persisted events, oldest first, into the empty srfake
// registry. A schema ID seen for the first time is seeded with its recorded
// subject, version and ID; a later use of the same ID (the same schema under
// another subject, or re-registered after a delete) is registered again, and
// srfake hands back the existing ID, as it did originally. Seeding moves
// srfake's ID counter past every restored ID, so new schemas never collide.
func (s *Server) restore(ctx context.Context, events []event) error {
	seen := make(map[int]bool)
	var schemas, configs, deletes int
	for _, e := range events {
		var err error
		switch e.key.KeyType {
		case keySchema:
			schemas++
			err = s.restoreSchema(e, seen)
		case keyConfig:
			configs++
			err = s.restoreConfig(ctx, e)
		case keyDeleteVersion, keyDeleteSubject:
			deletes++
			err = s.restoreDelete(ctx, e)
		default:
			s.logger.Warn("skipping unknown registry record", slog.String("keytype", e.key.KeyType), slog.Int64("offset", e.offset))
		}
		if err != nil {
			return fmt.Errorf("offset %d (%s %s): %w", e.offset, e.key.KeyType, e.key.Subject, err)
		}
	}
	s.logger.Info("schema registry restored",
		slog.Int("schemas", schemas), slog.Int("configs", configs), slog.Int("deletes", deletes))
	return nil
}

func (s *Server) restoreSchema(e event, seen map[int]bool) error {
	var v schemaValue
	if err := json.Unmarshal(e.value, &v); err != nil {
		return fmt.Errorf("decode schema record: %w", err)
	}
	if seen[v.ID] {
		id, version, err := s.reg.RegisterSchema(v.Subject, v.Schema)
		if err != nil {
			return fmt.Errorf("re-register %s version %d (id %d): %w", v.Subject, v.Version, v.ID, err)
		}
		if id != v.ID || version != v.Version {
			s.logger.Warn("restored schema under a different id or version",
				slog.String("subject", v.Subject),
				slog.Int("recorded_id", v.ID), slog.Int("recorded_version", v.Version),
				slog.Int("id", id), slog.Int("version", version))
		}
		return nil
	}
	if err := seed(s.reg.SeedSchema, v.Subject, v.Version, v.ID, v.Schema); err != nil {
		return err
	}
	seen[v.ID] = true
	return nil
}

// seed calls srfake's SeedSchema, which panics on a duplicate or invalid
// schema, and turns the panic into an error so a damaged topic fails
// start-up with a message instead of a crash.
func seed(fn func(string, int, int, sr.Schema), subject string, version, id int, schema sr.Schema) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("seed %s version %d (id %d): %v", subject, version, id, r)
		}
	}()
	fn(subject, version, id, schema)
	return nil
}

func (s *Server) restoreConfig(ctx context.Context, e event) error {
	var v configValue
	if err := json.Unmarshal(e.value, &v); err != nil {
		return fmt.Errorf("decode config record: %w", err)
	}
	resp, err := s.call(ctx, http.MethodPut, configPath(e.key.Subject), map[string]string{"compatibility": v.CompatibilityLevel})
	if err != nil {
		return err
	}
	if !resp.ok() {
		return fmt.Errorf("restore config: HTTP %d: %s", resp.status, resp.body.String())
	}
	return nil
}

// restoreDelete applies a delete. One whose target no longer exists (its
// version was overwritten by a later incarnation of a hard-deleted subject)
// is skipped.
func (s *Server) restoreDelete(ctx context.Context, e event) error {
	path := subjectPath(e.key.Subject)
	if e.key.KeyType == keyDeleteVersion {
		path = versionPath(e.key.Subject, e.key.Version)
	}
	if e.key.Permanent {
		path += "?permanent=true"
	}
	resp, err := s.call(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return err
	}
	switch {
	case resp.ok():
	case resp.status == http.StatusNotFound:
		s.logger.Debug("persisted delete has no target", slog.String("subject", e.key.Subject), slog.Int("version", e.key.Version))
	default:
		return fmt.Errorf("restore delete: HTTP %d: %s", resp.status, resp.body.String())
	}
	return nil
}
