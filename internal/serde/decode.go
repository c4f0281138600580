package serde

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

var (
	anyPtr = reflect.TypeFor[*any]()
	mapPtr = reflect.TypeFor[*map[string]any]()
)

// Decode decodes a wire-format value b of topic into v, a pointer to the
// topic's record type (or *any / *map[string]any for generic tools). Data
// written with any registered version of the schema decodes, with fields the
// writer lacked set to their defaults. Failures caused by the bytes wrap
// ErrMalformed or ErrUnknownSchema; other errors (registry unreachable, ctx
// cancelled, wrong v) are worth retrying or fixing, not dead-lettering.
//
// The writer schema of an ID is fetched from the registry once; after that
// decoding takes no lock and allocates only what v's fields need.
func (s *Serde) Decode(ctx context.Context, topic string, b []byte, v any) error {
	t, err := s.topic(topic)
	if err != nil {
		return err
	}
	if typ := reflect.TypeOf(v); typ != t.ptr && typ != anyPtr && typ != mapPtr {
		return fmt.Errorf("serde: decode %s into %T: want %s", topic, v, t.ptr)
	}
	if len(b) < headerSize {
		return fmt.Errorf("%w: %d bytes, shorter than the 5-byte header", ErrMalformed, len(b))
	}
	if b[0] != magic {
		return fmt.Errorf("%w: magic byte is %#x, want 0", ErrMalformed, b[0])
	}
	id := binary.BigEndian.Uint32(b[1:headerSize])
	schema, err := s.readerFor(ctx, t, id)
	if err != nil {
		return err
	}

	r := s.readers.Get().(*avro.Reader)
	r.Reset(b[headerSize:])
	if d, ok := v.(bodyDecoder); ok && id == t.id {
		d.DecodeAvro(r)
	} else {
		r.ReadVal(schema, v)
	}
	err = r.Error
	if err == nil {
		// A valid body is consumed exactly; leftovers mean the bytes were
		// not written with this schema.
		r.Peek()
		if r.Error == nil {
			err = errors.New("trailing bytes after the record")
		}
	}
	r.Error = nil
	r.Reset(nil)
	s.readers.Put(r)
	if err != nil {
		return fmt.Errorf("%w: %s value with schema ID %d: %v", ErrMalformed, t.rec.Name, id, err)
	}
	return nil
}

// bodyDecoder is a record type that reads its own body when it was written
// with today's schema (schemas.CurveObservation): faster than the general
// decoder, which resolves any writer schema by reflection.
type bodyDecoder interface {
	DecodeAvro(r *avro.Reader)
}

// readerFor returns the schema that decodes data written with writer ID id
// into t's reader schema.
func (s *Serde) readerFor(ctx context.Context, t *topic, id uint32) (avro.Schema, error) {
	if sch, ok := t.resolved.Load(id); ok {
		return sch.(avro.Schema), nil
	}
	writer, err := s.writerSchema(ctx, id)
	if err != nil {
		return nil, err
	}
	resolved, err := avro.NewSchemaCompatibility().Resolve(t.reader, writer)
	if err != nil {
		return nil, fmt.Errorf("%w: schema ID %d cannot be read as %s: %v", ErrUnknownSchema, id, t.rec.Name, err)
	}
	sch, _ := t.resolved.LoadOrStore(id, resolved)
	return sch.(avro.Schema), nil
}

// writerSchema returns the parsed schema registered under id, fetching it
// from the registry the first time.
func (s *Serde) writerSchema(ctx context.Context, id uint32) (avro.Schema, error) {
	if sch, ok := s.writers.Load(id); ok {
		return sch.(avro.Schema), nil
	}
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	if sch, ok := s.writers.Load(id); ok {
		return sch.(avro.Schema), nil
	}
	got, err := s.client.SchemaByID(ctx, int(id))
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == 404 {
			return nil, fmt.Errorf("%w: schema ID %d is not in the registry: %v", ErrUnknownSchema, id, err)
		}
		return nil, fmt.Errorf("serde: fetch schema ID %d: %w", id, err)
	}
	if got.Type != sr.TypeAvro || len(got.References) > 0 {
		return nil, fmt.Errorf("%w: schema ID %d is a %s schema with %d references, want a self-contained Avro schema",
			ErrUnknownSchema, id, got.Type, len(got.References))
	}
	sch, err := avro.ParseWithCache(got.Schema, "", &avro.SchemaCache{})
	if err != nil {
		return nil, fmt.Errorf("%w: schema ID %d does not parse: %v", ErrUnknownSchema, id, err)
	}
	s.writers.Store(id, sch)
	s.logger.Info("learned writer schema", slog.Int("schema_id", int(id)))
	return sch, nil
}
