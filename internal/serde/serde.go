// Package serde encodes and decodes Aurum record values in the Confluent wire
// format: magic byte 0, the 4-byte big-endian registry schema ID, then the
// Avro binary body. Any Confluent-compatible client can read what it writes,
// and it reads what they write, resolving each writer schema to the reader
// schema of today's code (package schemas) so older and newer records decode
// into the same Go types.
package serde

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/schemas"
)

// Errors callers branch on. A record whose decoding fails with either can
// never be decoded by this code and belongs on a dead-letter topic.
var (
	// ErrMalformed: the value lacks the magic byte or the 5-byte header, or
	// its body is not a valid Avro encoding under its writer schema.
	ErrMalformed = errors.New("malformed record")
	// ErrUnknownSchema: the header names a schema ID the registry does not
	// know, or a schema that cannot be resolved to the topic's reader schema.
	ErrUnknownSchema = errors.New("unknown writer schema")
)

const (
	magic      = 0
	headerSize = 5
	// maxElements bounds array and map lengths so a corrupt length prefix
	// fails as ErrMalformed instead of allocating gigabytes.
	maxElements = 1 << 20
)

// Serde encodes and decodes the values of every topic in schemas.Records.
// It is safe for concurrent use.
type Serde struct {
	client *sr.Client
	logger *slog.Logger
	api    avro.API
	topics map[string]*topic // read-only after New

	// fetchMu serialises registry look-ups of writer IDs not seen yet, so a
	// burst of records with a new ID fetches it once.
	fetchMu sync.Mutex
	writers sync.Map // uint32 schema ID → avro.Schema

	readers sync.Pool // *avro.Reader
	writerP sync.Pool // *avro.Writer
}

// topic is what Serde knows about one topic's value.
type topic struct {
	rec    schemas.Record
	reader avro.Schema // today's schema
	id     uint32      // registry ID of reader
	header [headerSize]byte
	ptr    reflect.Type // *rec.Type

	resolved sync.Map // writer ID → avro.Schema resolving writer to reader
}

// New looks up (registering when missing) the schema of every record in
// schemas.Records under its subject, learning the IDs Encode writes.
func New(ctx context.Context, c *sr.Client, logger *slog.Logger) (*Serde, error) {
	if c == nil {
		return nil, errors.New("serde: nil schema registry client")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Serde{
		client: c,
		logger: logger,
		api: avro.Config{
			// Plain element counts: some decoders mishandle block sizes.
			DisableBlockSizeHeader: true,
			MaxSliceAllocSize:      maxElements,
		}.Freeze(),
		topics: make(map[string]*topic),
	}
	s.readers.New = func() any { return avro.NewReader(nil, 0, avro.WithReaderConfig(s.api)) }
	s.writerP.New = func() any { return avro.NewWriter(nil, 512, avro.WithWriterConfig(s.api)) }

	for _, rec := range schemas.Records() {
		reader, err := avro.ParseWithCache(rec.Schema, "", &avro.SchemaCache{})
		if err != nil {
			return nil, fmt.Errorf("serde: parse %s: %w", rec.Name, err)
		}
		id, err := lookupOrRegister(ctx, c, rec)
		if err != nil {
			return nil, fmt.Errorf("serde: %s: %w", rec.Subject, err)
		}
		t := &topic{rec: rec, reader: reader, id: uint32(id), ptr: reflect.PointerTo(rec.Type)}
		t.header[0] = magic
		binary.BigEndian.PutUint32(t.header[1:], t.id)
		// Records written with today's schema need no resolution.
		t.resolved.Store(t.id, reader)
		s.writers.Store(t.id, reader)
		s.topics[rec.Topic] = t
		logger.Debug("schema ready", slog.String("subject", rec.Subject), slog.Int("schema_id", id))
	}
	return s, nil
}

// lookupOrRegister returns the ID of rec's schema under its subject. Looking
// up first lets read-only registry credentials work once the schema exists.
func lookupOrRegister(ctx context.Context, c *sr.Client, rec schemas.Record) (int, error) {
	schema := sr.Schema{Schema: rec.Schema, Type: sr.TypeAvro}
	ss, err := c.LookupSchema(ctx, rec.Subject, schema)
	if err == nil {
		return ss.ID, nil
	}
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 404 {
		return 0, fmt.Errorf("look up schema: %w", err)
	}
	id, err := c.RegisterSchema(ctx, rec.Subject, schema, -1, -1)
	if err != nil {
		return 0, fmt.Errorf("register schema: %w", err)
	}
	return id, nil
}

// SchemaID returns the registry ID Encode writes for topic's values.
func (s *Serde) SchemaID(topic string) (int, bool) {
	t, ok := s.topics[topic]
	if !ok {
		return 0, false
	}
	return int(t.id), true
}

func (s *Serde) topic(name string) (*topic, error) {
	t, ok := s.topics[name]
	if !ok {
		return nil, fmt.Errorf("serde: topic %q carries no Aurum record", name)
	}
	return t, nil
}
