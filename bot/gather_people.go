package bot

import (
	"context"
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

// peopleTTL bounds how long a permission or team membership is trusted. A
// revoked permission can count for at most this long.
const peopleTTL = 10 * time.Minute

// ttlCache is a small map whose entries expire.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v  V
	at time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, now: now, m: map[K]ttlEntry[V]{}}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || c.now().Sub(e.at) >= c.ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	// Sweep expired entries now and then so the map cannot grow without bound.
	if len(c.m) > 4096 {
		for k, e := range c.m {
			if now.Sub(e.at) >= c.ttl {
				delete(c.m, k)
			}
		}
	}
	c.m[k] = ttlEntry[V]{v: v, at: now}
}

// people looks up repository permissions and team memberships, with caches.
type people struct {
	perms *ttlCache[permKey, rules.Permission]
	teams *ttlCache[teamKey, bool]
}

type permKey struct{ owner, repo, user string }
type teamKey struct{ org, slug, user string }

func newPeople(now func() time.Time) *people {
	return &people{
		perms: newTTLCache[permKey, rules.Permission](peopleTTL, now),
		teams: newTTLCache[teamKey, bool](peopleTTL, now),
	}
}

// permission is user's permission on owner/repo. A user GitHub does not know
// as a collaborator has none.
func (p *people) permission(ctx context.Context, gh *github.Client, owner, repo, user string) (rules.Permission, error) {
	k := permKey{strings.ToLower(owner), strings.ToLower(repo), strings.ToLower(user)}
	if perm, ok := p.perms.get(k); ok {
		return perm, nil
	}
	// go-github v60 drops role_name, which is the only field that tells
	// maintain and triage apart, so the answer is decoded here.
	req, err := gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/collaborators/%s/permission",
		url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(user)), nil)
	if err != nil {
		return rules.PermissionNone, fmt.Errorf("build permission request: %w", err)
	}
	var lvl struct {
		Permission string `json:"permission"`
		RoleName   string `json:"role_name"`
	}
	resp, err := gh.Do(ctx, req, &lvl)
	var perm rules.Permission
	switch {
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
	p.perms.put(k, perm)
	return perm, nil
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
	if member, ok := p.teams.get(k); ok {
		return member, nil
	}
	m, resp, err := gh.Teams.GetTeamMembershipBySlug(ctx, org, slug, user)
	var member bool
	switch {
	case resp != nil && resp.StatusCode == http.StatusNotFound:
		member = false
	case resp != nil && resp.StatusCode == http.StatusForbidden && !isRateLimit(err):
		return false, fmt.Errorf("read membership of %s/%s: %w", org, slug, errTeamForbidden)
	case err != nil:
		return false, fmt.Errorf("read %s's membership of %s/%s: %w", user, org, slug, err)
	default:
		member = m.GetState() == "active"
	}
	p.teams.put(k, member)
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
