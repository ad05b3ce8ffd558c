package evaluator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/internal/ttlcache"
	"github.com/tiergate/tiergate/rules"
)

// peopleTTL bounds how long a permission or team membership and its ETag
// are kept for revalidation. It never lets an answer stand unasked: every
// evaluation revalidates (see people).
const peopleTTL = 10 * time.Minute

// maxPeople bounds each of the permission and membership caches; an entry
// is a few dozen bytes.
const maxPeople = 16384

// people looks up repository permissions and team memberships. No answer
// older than the evaluation decides a gate: each lookup asks GitHub, with
// If-None-Match when an earlier answer's ETag is known, so an unchanged
// answer costs a 304 that does not count against the rate limit. The caches
// only keep those answers and ETags.
type people struct {
	perms *ttlcache.Cache[permKey, etagged[rules.Permission]]
	teams *ttlcache.Cache[teamKey, etagged[bool]]
}

// etagged is an answer with the ETag GitHub sent for it.
type etagged[V any] struct {
	v    V
	etag string
}

type permKey struct{ owner, repo, user string }
type teamKey struct{ org, slug, user string }

func newPeople(now func() time.Time) *people {
	return &people{
		perms: ttlcache.New[permKey, etagged[rules.Permission]](peopleTTL, maxPeople, now),
		teams: ttlcache.New[teamKey, etagged[bool]](peopleTTL, maxPeople, now),
	}
}

// permission is user's permission on owner/repo. A user GitHub does not know
// as a collaborator has none.
func (p *people) permission(ctx context.Context, gh *github.Client, owner, repo, user string) (rules.Permission, error) {
	k := permKey{strings.ToLower(owner), strings.ToLower(repo), strings.ToLower(user)}
	cached, haveCached := p.perms.Get(k)
	// go-github v60 drops role_name, which is the only field that tells
	// maintain and triage apart, so the answer is decoded here.
	req, err := gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/collaborators/%s/permission",
		url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(user)), nil)
	if err != nil {
		return rules.PermissionNone, fmt.Errorf("build permission request: %w", err)
	}
	if haveCached && cached.etag != "" {
		req.Header.Set("If-None-Match", cached.etag)
	}
	var lvl struct {
		Permission string `json:"permission"`
		RoleName   string `json:"role_name"`
	}
	resp, err := gh.Do(ctx, req, &lvl)
	var perm rules.Permission
	switch {
	case notModified(resp, haveCached && cached.etag != ""):
		// go-github reports a 304 as an error; it is the unchanged answer.
		p.perms.Put(k, cached)
		return cached.v, nil
	case resp != nil && resp.StatusCode == http.StatusNotFound:
		perm = rules.PermissionNone
	case err != nil:
		return rules.PermissionNone, fmt.Errorf("read %s's permission on %s/%s: %w", user, owner, repo, err)
	default:
		var ok bool
		if perm, ok = rules.ParsePermission(lvl.RoleName); !ok {
			perm, _ = rules.ParsePermission(lvl.Permission)
		}
	}
	p.perms.Put(k, etagged[rules.Permission]{v: perm, etag: etagOf(resp)})
	return perm, nil
}

// notModified reports whether resp is a 304 to a conditional request that
// was actually made (sent is true only when If-None-Match was set).
func notModified(resp *github.Response, sent bool) bool {
	return sent && resp != nil && resp.StatusCode == http.StatusNotModified
}

// etagOf is resp's ETag, "" for a 404 (which GitHub sends without one).
func etagOf(resp *github.Response) string {
	if resp == nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	return resp.Header.Get("ETag")
}

// errTeamForbidden says GitHub refused to show a team's members, which for
// a GitHub App means it lacks the members:read permission.
var errTeamForbidden = errors.New("forbidden")

// isMember reports whether user is an active member of org's team slug. A 404
// means not a member (GitHub answers the same for a team that does not
// exist, which then simply has no members: the gate fails closed). A 403
// returns errTeamForbidden.
func (p *people) isMember(ctx context.Context, gh *github.Client, org, slug, user string) (bool, error) {
	k := teamKey{strings.ToLower(org), strings.ToLower(slug), strings.ToLower(user)}
	cached, haveCached := p.teams.Get(k)
	// Built by hand, not with Teams.GetTeamMembershipBySlug, to revalidate.
	req, err := gh.NewRequest(http.MethodGet, fmt.Sprintf("orgs/%s/teams/%s/memberships/%s",
		url.PathEscape(org), url.PathEscape(slug), url.PathEscape(user)), nil)
	if err != nil {
		return false, fmt.Errorf("build membership request: %w", err)
	}
	if haveCached && cached.etag != "" {
		req.Header.Set("If-None-Match", cached.etag)
	}
	m := new(github.Membership)
	resp, err := gh.Do(ctx, req, m)
	var member bool
	switch {
	case notModified(resp, haveCached && cached.etag != ""):
		p.teams.Put(k, cached)
		return cached.v, nil
	case resp != nil && resp.StatusCode == http.StatusNotFound:
		member = false
	case resp != nil && resp.StatusCode == http.StatusForbidden && !isRateLimit(err):
		return false, fmt.Errorf("read membership of %s/%s: %w", org, slug, errTeamForbidden)
	case err != nil:
		return false, fmt.Errorf("read %s's membership of %s/%s: %w", user, org, slug, err)
	default:
		member = m.GetState() == "active"
	}
	p.teams.Put(k, etagged[bool]{v: member, etag: etagOf(resp)})
	return member, nil
}

func isRateLimit(err error) bool {
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	return errors.As(err, &rl) || errors.As(err, &ab)
}

// splitTeam reads a config team reference: "slug", "org/slug" or "@org/slug".
// A bare slug belongs to the repository's owner.
func splitTeam(ref, owner string) (org, slug string) {
	ref = strings.TrimPrefix(ref, "@")
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		return ref[:i], ref[i+1:]
	}
	return owner, ref
}
