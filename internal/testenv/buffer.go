package testenv

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer collects what concurrent writers write — a logger's lines, the
// output of processes — for a test to read.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

// String returns what was written.
func (b *Buffer) String() string { return string(b.Bytes()) }

// Lines returns what was written, split into lines without the last line
// end.
func (b *Buffer) Lines() []string { return strings.Split(strings.TrimSpace(b.String()), "\n") }
