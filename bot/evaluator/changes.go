package evaluator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/internal/ttlcache"
	"github.com/tiergate/tiergate/rules"
)

const (
	// maxDiffBytes bounds the diff read of one change; a larger one is
	// not compared (its approvals are stale, saying so).
	maxDiffBytes = 8 << 20
	// maxCompareFiles is how many files GitHub's compare shows at most: a
	// change that reaches it may be cut short, so it is not compared.
	maxCompareFiles = 300
	// maxChanges bounds the cache of changes. An entry keeps two digests,
	// a name and the two blob names of the index line per file: about 180
	// bytes a file, so typically a few KB, and at most about 110 MB for
	// 2,048 changes of 300 files.
	maxChanges = 2048
)

// changes reads a pull request's change at a commit from GitHub's compare
// API, in its diff form: base...commit, where base is the pull request's
// base.sha and GitHub computes the merge base of the two, so the diff is
// the pull request's own change at that commit. Its index lines, with
// blob names GitHub abbreviates, are read too: whether the two changes
// start from the same blob of a file decides whether where a hunk applies
// counts (rules.ComparePatches). The answer for a pair of commits never
// changes, so it is cached by the pair and asked once; that saves requests
// without deciding anything GitHub would now answer differently.
type changes struct {
	cache *ttlcache.Cache[changeKey, rules.Patch]
}

type changeKey struct{ owner, repo, base, commit string }

func newChanges(now func() time.Time) *changes {
	return &changes{cache: ttlcache.New[changeKey, rules.Patch](listingTTL, maxChanges, now)}
}

// patch is the change at commit of a pull request targeting base. A change
// GitHub cannot give (too large, unknown commit, a failed request) comes
// back with Unavailable saying why, so its approvals are stale (fail
// closed); only rate limits, a rejected token and the end of ctx are
// errors, which the evaluation's retries handle.
func (c *changes) patch(ctx context.Context, gh *github.Client, owner, repo, base, commit string) (rules.Patch, error) {
	if base == "" {
		return rules.Patch{Unavailable: rules.Messagef("GitHub did not say which base commit the pull request targets")}, nil
	}
	k := changeKey{strings.ToLower(owner), strings.ToLower(repo), base, commit}
	if p, ok := c.cache.Get(k); ok {
		return p, nil
	}
	req, err := gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/compare/%s...%s",
		url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(base), url.PathEscape(commit)), nil)
	if err != nil {
		return rules.Patch{}, fmt.Errorf("build compare request: %w", err)
	}
	req.Header.Set("Accept", "application/vnd.github.diff")
	resp, err := gh.BareDo(ctx, req)
	if err != nil {
		return c.failed(ctx, k, resp, err)
	}
	defer resp.Body.Close()
	diff, err := io.ReadAll(io.LimitReader(resp.Body, maxDiffBytes+1))
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return rules.Patch{}, fmt.Errorf("read the diff of %s/%s %s...%s: %w", owner, repo, base, commit, err)
		}
		return rules.Patch{Unavailable: rules.Messagef("GitHub's diff could not be read to the end")}, nil
	case len(diff) > maxDiffBytes:
		return c.keep(k, rules.Patch{Unavailable: rules.Messagef("the diff is larger than the %d MiB tiergate reads", maxDiffBytes>>20)}), nil
	}
	p, err := rules.ParsePatch(diff)
	switch {
	case err != nil:
		p = rules.Patch{Unavailable: rules.Messagef("GitHub's diff could not be read: %s", err.Error())}
	case len(p.Files) >= maxCompareFiles:
		p = rules.Patch{Unavailable: rules.Messagef("it changes %d files or more, more than GitHub's compare shows", maxCompareFiles)}
	}
	return c.keep(k, p), nil
}

// failed turns a failed compare into a change that cannot be compared, or
// an error the evaluation must retry.
func (c *changes) failed(ctx context.Context, k changeKey, resp *github.Response, err error) (rules.Patch, error) {
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	switch {
	case ctx.Err() != nil, isRateLimit(err), status == http.StatusUnauthorized:
		return rules.Patch{}, fmt.Errorf("compare %s/%s %s...%s: %w", k.owner, k.repo, k.base, k.commit, err)
	case status == http.StatusNotAcceptable, status == http.StatusUnprocessableEntity:
		// GitHub's answer for a diff too large to show; for this pair of
		// commits it will not change.
		return c.keep(k, rules.Patch{Unavailable: rules.Messagef("GitHub's compare does not show this diff (HTTP %d): it is too large", status)}), nil
	case status != 0:
		return rules.Patch{Unavailable: rules.Messagef("GitHub's compare answered HTTP %d", status)}, nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return rules.Patch{Unavailable: rules.Messagef("GitHub's compare could not be reached")}, nil
	}
	return rules.Patch{Unavailable: rules.Messagef("GitHub's compare failed")}, nil
}

func (c *changes) keep(k changeKey, p rules.Patch) rules.Patch {
	c.cache.Put(k, p)
	return p
}
