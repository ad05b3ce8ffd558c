package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/rules"
)

// configTTL is how long a cached config file is trusted without asking
// GitHub. Push webhooks invalidate it sooner; the TTL only bounds how long a
// lost webhook can pin a stale file. Revalidation is a conditional request,
// and a 304 costs no rate limit.
const configTTL = 10 * time.Minute

// missingTTL is how long a 404 for a config file is remembered (see file).
const missingTTL = time.Minute

// maxConfigBytes is the contents API's limit for inline content.
const maxConfigBytes = 1 << 20

// configKey names one config file version: the org file is keyed with
// ref "" (the default branch).
type configKey struct {
	owner, repo, ref string
}

// configEntry is one cached config file, present or absent.
type configEntry struct {
	checked time.Time
	etag    string
	sha     string
	missing bool        // 404; remembered for missingTTL only (see file)
	file    *rules.File // parsed; nil when missing or broken
	broken  error       // rules.ConfigErrors when the file does not parse
}

// configLoader reads the org file from <owner>/<orgRepo> at its default
// branch and the repo file from the pull request's base branch, never its
// head, so that a pull request cannot weaken its own gates.
type configLoader struct {
	orgRepo string
	path    string
	ttl     time.Duration
	now     func() time.Time
	// requireOrg turns a missing org file from a warning into a failing
	// verdict (TIERGATE_REQUIRE_ORG_CONFIG).
	requireOrg bool

	mu      sync.Mutex
	entries map[configKey]*configEntry
}

func newConfigLoader(orgRepo, path string) *configLoader {
	return &configLoader{orgRepo: orgRepo, path: path, ttl: configTTL, now: time.Now, entries: map[configKey]*configEntry{}}
}

// configBrokenError says a config file exists but cannot be used. It is a
// verdict (a failing check naming file:line:col), not a reason to retry.
type configBrokenError struct{ err error }

func (e *configBrokenError) Error() string { return e.err.Error() }
func (e *configBrokenError) Unwrap() error { return e.err }

// load returns the effective config for a pull request into baseRef, and
// the blob SHAs of the files it was built from. A broken file yields
// *configBrokenError (with the source read so far); any API failure is
// returned as is so the job is retried; defaults are used only when neither
// file exists.
//
// A missing org file is not silently the same as an empty one: GitHub
// answers 404 both when the org config repository has no file and when a
// selected-repositories installation cannot see that repository, so every
// verdict carries a warning saying so, or fails when requireOrg is set.
func (l *configLoader) load(ctx context.Context, gh *github.Client, owner, repo, baseRef string) (*rules.Config, configSource, error) {
	var src configSource
	orgKey := configKey{owner: owner, repo: l.orgRepo}
	org, orgSHA, err := l.file(ctx, gh, orgKey)
	src.orgSHA = orgSHA
	if err != nil {
		return nil, src, err
	}
	if org == nil && l.requireOrg {
		return nil, src, &configBrokenError{err: fmt.Errorf(
			"the org config %s could not be found, and this server requires it (TIERGATE_REQUIRE_ORG_CONFIG): GitHub answers 404 both when it does not exist and when the App's installation cannot see %s/%s; give the installation access to that repository and make sure the file exists on its default branch",
			l.fileName(orgKey), owner, l.orgRepo)}
	}
	var repoFile *rules.File
	if repo != l.orgRepo {
		repoFile, src.repoSHA, err = l.file(ctx, gh, configKey{owner: owner, repo: repo, ref: baseRef})
		if err != nil {
			return nil, src, err
		}
	}
	cfg, err := rules.Resolve(org, repoFile)
	if err != nil {
		return nil, src, &configBrokenError{err: err}
	}
	if org == nil {
		// cfg is built afresh by Resolve, so it is ours to add to.
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
			"the org config %s could not be found, so no org-wide rules apply: GitHub answers 404 both when it does not exist and when the App's installation cannot see %s/%s",
			l.fileName(orgKey), owner, l.orgRepo))
	}
	return cfg, src, nil
}

// invalidate drops every cached version of owner/repo's file. The org file
// is cached under the org config repo's name, so this drops it too when repo
// is that repository.
func (l *configLoader) invalidate(owner, repo string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.entries {
		if strings.EqualFold(k.owner, owner) && strings.EqualFold(k.repo, repo) {
			delete(l.entries, k)
		}
	}
}

// file returns the parsed file at k and its blob SHA, nil and "" when
// GitHub answers 404, or an error when it cannot be read (the evaluation is
// then retried; defaults are never assumed for a file that may exist).
//
// A 404 is remembered for missingTTL only, not configTTL: GitHub sends it
// without an ETag, so a remembered absence cannot be revalidated, and GitHub
// also answers 404 for a repository the installation briefly cannot see.
// The short memory keeps a burst of evaluations from asking again each
// time; a push of the file drops it at once; and a verdict computed from an
// absence that was wrong carries that absence in its fingerprint, so the
// sweep re-evaluates it.
func (l *configLoader) file(ctx context.Context, gh *github.Client, k configKey) (*rules.File, string, error) {
	l.mu.Lock()
	cached := l.entries[k]
	l.mu.Unlock()
	ttl := l.ttl
	if cached != nil && cached.missing {
		ttl = min(ttl, missingTTL)
	}
	if cached != nil && l.now().Sub(cached.checked) < ttl {
		return cached.result()
	}
	e, err := l.fetch(ctx, gh, k, cached)
	if err != nil {
		return nil, "", err
	}
	l.mu.Lock()
	l.entries[k] = e
	l.mu.Unlock()
	return e.result()
}

func (e *configEntry) result() (*rules.File, string, error) {
	if e.broken != nil {
		return nil, e.sha, &configBrokenError{err: e.broken}
	}
	return e.file, e.sha, nil
}

// fetch reads the file, revalidating a stale cached copy with If-None-Match.
func (l *configLoader) fetch(ctx context.Context, gh *github.Client, k configKey, cached *configEntry) (*configEntry, error) {
	u := fmt.Sprintf("repos/%s/%s/contents/%s", url.PathEscape(k.owner), url.PathEscape(k.repo), escapePath(l.path))
	if k.ref != "" {
		u += "?ref=" + url.QueryEscape(k.ref)
	}
	req, err := gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build config request: %w", err)
	}
	if cached != nil && cached.etag != "" {
		req.Header.Set("If-None-Match", cached.etag)
	}
	var raw json.RawMessage
	resp, err := gh.Do(ctx, req, &raw)
	now := l.now()
	switch {
	case resp != nil && resp.StatusCode == http.StatusNotModified && cached != nil:
		e := *cached
		e.checked = now
		return &e, nil
	case resp != nil && resp.StatusCode == http.StatusNotFound:
		return &configEntry{checked: now, missing: true}, nil
	case err != nil:
		return nil, fmt.Errorf("could not read the config %s, so the pull request is not evaluated (defaults are never assumed for a file that may exist): %w", l.fileName(k), err)
	}
	e := &configEntry{checked: now, etag: resp.Header.Get("ETag")}
	name := l.fileName(k)
	data, sha, bad := decodeContent(raw)
	e.sha = sha
	if bad != "" {
		e.broken = rules.ConfigErrors{{File: name, Message: bad, Hint: "keep the config a regular YAML file under 1 MiB"}}
		return e, nil
	}
	f, err := rules.Parse(name, data)
	if err != nil {
		var ce rules.ConfigErrors
		if !errors.As(err, &ce) {
			err = rules.ConfigErrors{{File: name, Message: err.Error()}}
		}
		e.broken = err
		return e, nil
	}
	e.file = f
	return e, nil
}

// fileName names a config file in messages, e.g. "acme/widgets:.github/tiergate.yml".
func (l *configLoader) fileName(k configKey) string {
	return fmt.Sprintf("%s/%s:%s", k.owner, k.repo, l.path)
}

// decodeContent extracts a file from a contents API answer, or says in
// plain words why it is not a usable file.
func decodeContent(raw json.RawMessage) (data []byte, sha string, problem string) {
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "[") {
		return nil, "", "is a directory, not a file"
	}
	var c github.RepositoryContent
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, "", fmt.Sprintf("unexpected answer from the contents API: %v", err)
	}
	sha = c.GetSHA()
	if c.GetType() != "" && c.GetType() != "file" {
		return nil, sha, fmt.Sprintf("is a %s, not a file", c.GetType())
	}
	if c.GetSize() > maxConfigBytes || (c.GetEncoding() == "none" && c.GetSize() > 0) {
		return nil, sha, fmt.Sprintf("is %d bytes; config files must be at most 1 MiB", c.GetSize())
	}
	text, err := c.GetContent()
	if err != nil {
		return nil, sha, fmt.Sprintf("could not be decoded: %v", err)
	}
	data = []byte(text)
	return data, sha, ""
}

// escapePath escapes each segment of a repository path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
