package serde

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/hamba/avro/v2"
)

// Encode returns v in the wire format of topic, under the ID of today's
// schema. v is the topic's record type (schemas.CurveObservation for
// aurum.curve.observation.v1, ...) or a pointer to it.
func (s *Serde) Encode(topic string, v any) ([]byte, error) {
	return s.AppendEncode(nil, topic, v)
}

// AppendEncode appends the encoding of v to b, like Encode; passing a reused
// buffer saves an allocation per record on hot paths.
func (s *Serde) AppendEncode(b []byte, topic string, v any) ([]byte, error) {
	t, err := s.topic(topic)
	if err != nil {
		return b, err
	}
	if typ := reflect.TypeOf(v); typ != t.rec.Type && typ != t.ptr {
		return b, fmt.Errorf("serde: encode %T for %s: want %s", v, topic, t.rec.Type)
	}
	w := s.writerP.Get().(*avro.Writer)
	w.Reset(nil)
	w.WriteVal(t.reader, v)
	if w.Error != nil {
		err := w.Error
		w.Error = nil
		s.writerP.Put(w)
		return b, fmt.Errorf("serde: encode %s: %w", t.rec.Name, err)
	}
	body := w.Buffer()
	b = slices.Grow(b, headerSize+len(body))
	b = append(b, t.header[:]...)
	b = append(b, body...)
	s.writerP.Put(w)
	return b, nil
}
