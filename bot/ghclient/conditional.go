package ghclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/tiergate/tiergate/bot/internal/ttlcache"
)

// revalidated is what tiergate read from one GitHub listing, with the ETag
// GitHub gave it.
type revalidated[V any] struct {
	etag string
	val  V
	next int // the listing's next page, 0 on the last
}

// Cache keeps GitHub's answers with their ETags, only to revalidate them
// (see Get). It is safe for concurrent use.
type Cache[V any] struct {
	kept *ttlcache.Cache[string, revalidated[V]]
}

// NewCache builds a Cache of at most max answers, each kept for ttl after
// GitHub last confirmed it.
func NewCache[V any](ttl time.Duration, max int, now func() time.Time) *Cache[V] {
	return &Cache[V]{kept: ttlcache.New[string, revalidated[V]](ttl, max, now)}
}

// Get reads the resource at u (relative to the API base; a pull
// request or one page of a listing) and returns what parse makes of it.
// When an earlier answer is kept in cache, the request carries its ETag in
// If-None-Match; GitHub's 304 then confirms that the kept answer IS the
// resource's current state (and costs no rate limit). The cache only ever
// saves a response body: every call asks GitHub. A kept value is shared by
// every caller that reads it, so it must never be modified.
func Get[V any](ctx context.Context, gh *github.Client, cache *Cache[V], u string,
	parse func(json.RawMessage) (V, error)) (V, int, error) {
	var zero V
	req, err := gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return zero, 0, fmt.Errorf("build request: %w", err)
	}
	key := req.URL.String()
	kept, ok := cache.kept.Get(key)
	if ok {
		req.Header.Set("If-None-Match", kept.etag)
	}
	var raw json.RawMessage
	resp, err := gh.Do(ctx, req, &raw)
	if ok && resp != nil && resp.StatusCode == http.StatusNotModified {
		// go-github reports a 304 as an *ErrorResponse; here it is the
		// answer, confirmed now, so it is kept for another ttl.
		cache.kept.Put(key, kept)
		return kept.val, kept.next, nil
	}
	if err != nil {
		return zero, 0, err
	}
	v, err := parse(raw)
	if err != nil {
		return zero, 0, err
	}
	if etag := resp.Header.Get("ETag"); etag != "" {
		cache.kept.Put(key, revalidated[V]{etag: etag, val: v, next: resp.NextPage})
	}
	return v, resp.NextPage, nil
}

// List reads every page of the listing at u (relative to the API
// base, with a query and no page parameter), each page revalidated with its
// own ETag: a 304 (free) confirms that page, and a change on any page (an
// addition, a deletion shifting the pages) is seen, which trusting page 1's
// ETag for the pages after it would miss. It stops once it holds limit
// items (0: no limit). The returned slice is the caller's own.
func List[T any](ctx context.Context, gh *github.Client, cache *Cache[[]T], u string, limit int,
	parse func(json.RawMessage) ([]T, error)) ([]T, error) {
	var all []T
	err := Walk(1, func(page int) (int, error) {
		items, next, err := Get(ctx, gh, cache, fmt.Sprintf("%s&page=%d", u, page), parse)
		if err != nil {
			return 0, err
		}
		all = append(all, items...)
		if limit > 0 && len(all) >= limit {
			return 0, nil
		}
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// PageOf decodes one page of a listing and converts each item.
func PageOf[In, Out any](conv func(*In) Out) func(json.RawMessage) ([]Out, error) {
	return func(raw json.RawMessage) ([]Out, error) {
		var page []*In
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, err
		}
		out := make([]Out, 0, len(page))
		for _, it := range page {
			out = append(out, conv(it))
		}
		return out, nil
	}
}
