// Package diskcache keeps GitHub's answers to GET requests, on disk or in
// memory, so that a command run again costs little or no rate limit. What
// may be served without asking GitHub is the caller's call, request by
// request (see Rule): an answer that cannot change anymore is served as
// kept; anything else is revalidated with If-None-Match, and GitHub's 304
// (which costs no rate limit) confirms the kept answer.
package diskcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Kind says how a kept answer may be used.
type Kind int

const (
	// Revalidate asks GitHub every time, with the kept answer's ETag.
	Revalidate Kind = iota
	// Frozen serves a kept answer without asking, if it was given after
	// Rule.After: the resource could not change since then.
	Frozen
	// Fresh serves a kept answer without asking while it is younger than
	// Rule.MaxAge, for facts that only exist as they are now (a
	// permission, a team membership) and that one sitting may take as
	// read once. A 404 counts as an answer here: GitHub sends it without
	// an ETag, so it could never be revalidated for free.
	Fresh
)

// Rule is how one request may use the cache.
type Rule struct {
	Kind   Kind
	After  time.Time     // Frozen: only answers given after this count
	MaxAge time.Duration // Fresh: how old an answer may be
}

// Stats count what the cache did in this run.
type Stats struct {
	Served      int64 // answered from the cache without asking GitHub
	Revalidated int64 // asked GitHub, which answered 304: kept answer used
	Fetched     int64 // asked GitHub, which answered in full
	WriteErrors int64 // answers that could not be written to disk
}

// Transport is an http.RoundTripper that keeps answers to GET requests.
// Build it with New. It is safe for concurrent use.
type Transport struct {
	next  http.RoundTripper
	dir   string // "" keeps answers in memory only
	scope string
	rule  func(*http.Request) Rule
	now   func() time.Time

	mu  sync.Mutex
	mem map[string]*entry

	served, revalidated, fetched, writeErrors atomic.Int64
}

// New builds a Transport over next. dir "" keeps answers in memory for
// this run only; otherwise dir is created if needed and must be writable.
// scope separates the answers of different identities sharing dir (the
// same URL may show more to one token than to another); pass a value
// derived from the identity, never a secret itself. rule decides per
// request (nil: always Revalidate).
func New(next http.RoundTripper, dir, scope string, rule func(*http.Request) Rule) (*Transport, error) {
	if rule == nil {
		rule = func(*http.Request) Rule { return Rule{} }
	}
	t := &Transport{next: next, scope: scope, rule: rule, mem: map[string]*entry{}, now: time.Now}
	if dir != "" {
		t.dir = filepath.Join(dir, "v1")
		if err := os.MkdirAll(t.dir, 0o700); err != nil {
			return nil, fmt.Errorf("cache directory: %w", err)
		}
		probe, err := os.CreateTemp(t.dir, ".probe-*")
		if err != nil {
			return nil, fmt.Errorf("cache directory is not writable: %w", err)
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return t, nil
}

// Stats says what the cache did so far.
func (t *Transport) Stats() Stats {
	return Stats{Served: t.served.Load(), Revalidated: t.revalidated.Load(), Fetched: t.fetched.Load(), WriteErrors: t.writeErrors.Load()}
}

// entry is one kept answer, a 200 or a 404, with the headers a client
// reads.
type entry struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
	// Date is GitHub's Date header: when GitHub gave the answer, on its
	// clock, which Rule.After is compared with.
	Date time.Time `json:"date"`
}

// keptHeaders are the response headers worth keeping: what go-github reads
// (pagination, content type) and what revalidation needs.
var keptHeaders = []string{"Content-Type", "ETag", "Last-Modified", "Link"}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return t.next.RoundTrip(req)
	}
	key := t.key(req)
	rule := t.rule(req)
	kept := t.lookup(key)
	if kept != nil {
		usable := false
		switch rule.Kind {
		case Frozen:
			usable = !kept.Date.Before(rule.After)
		case Fresh:
			usable = t.now().Sub(kept.Date) < rule.MaxAge
		}
		if usable {
			t.served.Add(1)
			return kept.response(req, req.Header.Get("If-None-Match")), nil
		}
	}
	out := req
	ownCondition := req.Header.Get("If-None-Match") != ""
	if kept != nil && kept.Header.Get("ETag") != "" && !ownCondition {
		out = req.Clone(req.Context())
		out.Header.Set("If-None-Match", kept.Header.Get("ETag"))
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusNotModified:
		t.revalidated.Add(1)
		if kept != nil && sameETag(req, kept) {
			// GitHub confirmed the kept answer now: a frozen or fresh
			// rule can trust it from here on.
			confirmed := *kept
			confirmed.Date = dateOf(resp, t.now())
			t.store(key, &confirmed)
		}
		if ownCondition || kept == nil {
			return resp, nil // the caller's own condition: its answer stands
		}
		drain(resp)
		return kept.response(req, ""), nil
	case http.StatusOK, http.StatusNotFound:
		t.fetched.Add(1)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read answer to %s: %w", req.URL.Path, err)
		}
		e := &entry{Status: resp.StatusCode, Header: http.Header{}, Body: body, Date: dateOf(resp, t.now())}
		for _, h := range keptHeaders {
			if v := resp.Header.Get(h); v != "" {
				e.Header.Set(h, v)
			}
		}
		t.store(key, e)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	t.fetched.Add(1)
	return resp, nil
}

// dateOf is when GitHub answered, by its Date header (its clock, which
// Rule.After is compared with), else now.
func dateOf(resp *http.Response, now time.Time) time.Time {
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		return d
	}
	return now
}

// response is the kept answer as an http.Response. X-From-Cache tells
// go-github not to take the kept rate-limit figures as current. A caller
// that sent the kept ETag in If-None-Match gets a 304, as from GitHub.
func (e *entry) response(req *http.Request, condition string) *http.Response {
	h := e.Header.Clone()
	h.Set("X-From-Cache", "1")
	if e.Status == http.StatusOK && condition != "" && condition == e.Header.Get("ETag") {
		return &http.Response{Status: "304 Not Modified", StatusCode: http.StatusNotModified, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: http.NoBody, Request: req}
	}
	status := e.Status
	if status == 0 {
		status = http.StatusOK
	}
	return &http.Response{Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(e.Body)), ContentLength: int64(len(e.Body)), Request: req}
}

// sameETag says the 304 to req confirmed kept: req carried kept's ETag, or
// no condition of its own (then the transport sent kept's).
func sameETag(req *http.Request, kept *entry) bool {
	c := req.Header.Get("If-None-Match")
	return c == "" || c == kept.Header.Get("ETag")
}

// key names a request: its identity scope, URL and Accept header (GitHub
// answers differently per media type).
func (t *Transport) key(req *http.Request) string {
	sum := sha256.Sum256([]byte(t.scope + "\n" + req.URL.String() + "\n" + req.Header.Get("Accept")))
	return hex.EncodeToString(sum[:])
}

func (t *Transport) lookup(key string) *entry {
	t.mu.Lock()
	e := t.mem[key]
	t.mu.Unlock()
	if e != nil || t.dir == "" {
		return e
	}
	data, err := os.ReadFile(t.path(key))
	if err != nil {
		return nil
	}
	e = new(entry)
	if json.Unmarshal(data, e) != nil {
		return nil // a damaged file is a miss; the next answer replaces it
	}
	t.mu.Lock()
	t.mem[key] = e
	t.mu.Unlock()
	return e
}

func (t *Transport) store(key string, e *entry) {
	t.mu.Lock()
	t.mem[key] = e
	t.mu.Unlock()
	if t.dir == "" {
		return
	}
	if err := writeFile(t.path(key), e); err != nil {
		t.writeErrors.Add(1)
	}
}

func (t *Transport) path(key string) string {
	return filepath.Join(t.dir, key[:2], key[2:]+".json")
}

// writeFile writes e atomically: a run killed midway leaves the old answer
// or the new one, never half of one.
func writeFile(path string, e *entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}
