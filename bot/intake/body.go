package intake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// DefaultBodyBudget bounds the bytes of webhook bodies held in memory at
// once, before and while they are verified. A request that would exceed it
// is answered 503, which GitHub records as a failed delivery that can be
// redelivered; forged or oversized requests therefore cannot exhaust
// memory, whatever their number. bot applies it.
const DefaultBodyBudget = 64 << 20

// bodyChunk is how much of a body is reserved and read at a time.
const bodyChunk = 1 << 20

var (
	errLengthRequired = errors.New("no Content-Length")
	errBadSignature   = errors.New("signature does not match")
	errBodyTooLarge   = errors.New("body over 25 MiB")
	errBodyBudget     = errors.New("too many webhook bytes in flight")
	errBodyTruncated  = errors.New("body shorter than its Content-Length")
)

// bodyBudget is a counting semaphore over bytes, with a pool of the chunks
// bodies are read into: reusing them keeps rejected bodies from piling up
// as garbage between collections, so resident memory follows the budget.
type bodyBudget struct {
	mu     sync.Mutex
	limit  int64
	used   int64
	chunks sync.Pool // of *[]byte, bodyChunk long
}

func (b *bodyBudget) chunk() *[]byte {
	if c, ok := b.chunks.Get().(*[]byte); ok {
		return c
	}
	c := make([]byte, bodyChunk)
	return &c
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

// readVerified reads r's body within the budget and checks its HMAC-SHA256
// signature against secret. Bytes are reserved as they arrive, a chunk at a
// time, so a client that declares a large body and then stalls holds only
// what it sent; the signature is computed over the chunks as they come, and
// only a body that verifies is joined into one slice. The body returned may
// share the pooled chunks: it is valid until release. A body must declare
// its length (GitHub always does): without it there is no bound to check
// before reading. The caller must call release once it no longer holds the
// body.
func (b *bodyBudget) readVerified(r *http.Request, maxBytes int64, sig string, secret []byte) (body []byte, release func(), err error) {
	var held int64
	var bufs []*[]byte
	release = func() {
		for _, c := range bufs {
			b.chunks.Put(c)
		}
		b.release(held)
	}
	switch {
	case r.ContentLength < 0:
		return nil, release, errLengthRequired
	case r.ContentLength > maxBytes:
		return nil, release, errBodyTooLarge
	}
	want, ok := strings.CutPrefix(sig, "sha256=")
	wantMAC, hexErr := hex.DecodeString(want)
	if !ok || hexErr != nil {
		return nil, release, errBadSignature
	}
	mac := hmac.New(sha256.New, secret)
	var chunks [][]byte
	for left := r.ContentLength; left > 0; {
		n := min(left, bodyChunk)
		if !b.acquire(n) {
			return nil, release, errBodyBudget
		}
		held += n
		buf := b.chunk()
		bufs = append(bufs, buf)
		chunk := (*buf)[:n]
		if _, err := io.ReadFull(r.Body, chunk); err != nil {
			return nil, release, fmt.Errorf("%w: %v", errBodyTruncated, err)
		}
		mac.Write(chunk)
		chunks = append(chunks, chunk)
		left -= n
	}
	if !hmac.Equal(mac.Sum(nil), wantMAC) {
		return nil, release, errBadSignature
	}
	if len(chunks) == 1 {
		return chunks[0], release, nil
	}
	return bytes.Join(chunks, nil), release, nil
}
