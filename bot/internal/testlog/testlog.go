// Package testlog is a log sink for tests: it collects what a logger or a
// process writes, safely for concurrent writers, so a test can read it back.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a log sink safe for concurrent writers. The zero value is ready
// to use.
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

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
