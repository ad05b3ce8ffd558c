package intake

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// DefaultBodyBudget bounds the bytes of webhook bodies held in memory at
// once, before and while they are verified. A request that would exceed it
// is answered 503, which GitHub records as a failed delivery that can be
// redelivered; forged or oversized requests therefore cannot exhaust
// memory, whatever their number. bot applies it.
const DefaultBodyBudget = 64 << 20

// bodyChunk is how much of a body without a Content-Length is reserved and
// read at a time.
const bodyChunk = 1 << 20

var (
	errBodyTooLarge  = errors.New("body over 25 MiB")
	errBodyBudget    = errors.New("too many webhook bytes in flight")
	errBodyTruncated = errors.New("body shorter than its Content-Length")
)

// bodyBudget is a counting semaphore over bytes.
type bodyBudget struct {
	mu    sync.Mutex
	limit int64
	used  int64
}

func (b *bodyBudget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	return true
}

func (b *bodyBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
}

// readBody reads r's body within the budget: a declared length is reserved
// whole and read into a buffer of exactly that size (no doubling); a body
// of unknown length is reserved and read a chunk at a time. The caller
// must call release once it no longer holds the body.
func (b *bodyBudget) readBody(r *http.Request, maxBytes int64) (body []byte, release func(), err error) {
	var held int64
	release = func() { b.release(held) }
	if r.ContentLength > maxBytes {
		return nil, release, errBodyTooLarge
	}
	if r.ContentLength >= 0 {
		if !b.acquire(r.ContentLength) {
			return nil, release, errBodyBudget
		}
		held = r.ContentLength
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, release, fmt.Errorf("%w: %v", errBodyTruncated, err)
		}
		return body, release, nil
	}
	for {
		if int64(len(body)) > maxBytes {
			return nil, release, errBodyTooLarge
		}
		if int64(len(body)) == held {
			if !b.acquire(bodyChunk) {
				return nil, release, errBodyBudget
			}
			held += bodyChunk
			grown := make([]byte, len(body), held)
			copy(grown, body)
			body = grown
		}
		n, err := r.Body.Read(body[len(body):held])
		body = body[:len(body)+n]
		if errors.Is(err, io.EOF) {
			if int64(len(body)) > maxBytes {
				return nil, release, errBodyTooLarge
			}
			return body, release, nil
		}
		if err != nil {
			return nil, release, err
		}
	}
}
