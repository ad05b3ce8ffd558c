package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// revalidated is what tiergate read from one GitHub listing, with the ETag
// GitHub gave it.
type revalidated[V any] struct {
	etag string
	val  V
	next int // the listing's next page, 0 on the last
}

// getRevalidated reads the listing at u (relative to the API base) and
// returns what parse makes of it. When an earlier answer is kept in cache,
// the request carries its ETag in If-None-Match; GitHub's 304 then confirms
// that the kept answer IS the listing's current state (and costs no rate
// limit). The cache only ever saves a response body: every call asks
// GitHub.
func getRevalidated[V any](ctx context.Context, gh *github.Client, cache *ttlCache[string, revalidated[V]], u string,
	parse func(json.RawMessage) (V, error)) (V, int, error) {
	var zero V
	req, err := gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return zero, 0, fmt.Errorf("build request: %w", err)
	}
	key := req.URL.String()
	kept, ok := cache.get(key)
	if ok {
		req.Header.Set("If-None-Match", kept.etag)
	}
	var raw json.RawMessage
	resp, err := gh.Do(ctx, req, &raw)
	if ok && resp != nil && resp.StatusCode == http.StatusNotModified {
		// go-github reports a 304 as an *ErrorResponse; here it is the answer.
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
		cache.put(key, revalidated[V]{etag: etag, val: v, next: resp.NextPage})
	}
	return v, resp.NextPage, nil
}
