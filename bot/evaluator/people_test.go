package evaluator

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tiergate/tiergate/rules"
)

// TestPeopleRevalidateEveryTime: a permission or membership is asked again
// on every lookup, conditionally; an unchanged answer is a 304 (no rate
// limit, no retry, no error) and a changed one counts at once, well within
// the cache's lifetime.
func TestPeopleRevalidateEveryTime(t *testing.T) {
	ctx := context.Background()
	f := newEvFixture(t)
	gh := f.gh(t)
	f.fake.SetPermission(evOwner, evRepo, "maggie", "maintain")
	f.fake.AddTeamMember(evOwner, "payments-owners", "maggie")
	statuses := func(template string) []int {
		var out []int
		for _, r := range f.fake.Requests() {
			if r.Template == template {
				out = append(out, r.Status)
			}
		}
		return out
	}
	const permTmpl = "/repos/{owner}/{repo}/collaborators/{username}/permission"
	const teamTmpl = "/orgs/{org}/teams/{team_slug}/memberships/{username}"

	steps := []struct {
		name       string
		change     func()
		wantPerm   rules.Permission
		wantMember bool
		wantStatus int
	}{
		{"first lookup", func() {}, rules.PermissionMaintain, true, 200},
		{"unchanged: 304", func() {}, rules.PermissionMaintain, true, 304},
		{"demoted and removed: counts at once", func() {
			f.fake.SetPermission(evOwner, evRepo, "maggie", "read")
			f.fake.RemoveTeamMember(evOwner, "payments-owners", "maggie")
		}, rules.PermissionRead, false, 0},
	}
	for _, st := range steps {
		st.change()
		f.fake.ResetRequests()
		perm, err := f.ev.people.permission(ctx, gh, evOwner, evRepo, "maggie")
		if err != nil || perm != st.wantPerm {
			t.Errorf("%s: permission = %s, %v; want %s", st.name, perm, err, st.wantPerm)
		}
		member, err := f.ev.people.isMember(ctx, gh, evOwner, "payments-owners", "maggie")
		if err != nil || member != st.wantMember {
			t.Errorf("%s: isMember = %v, %v; want %v", st.name, member, err, st.wantMember)
		}
		got := append(statuses(permTmpl), statuses(teamTmpl)...)
		if len(got) != 2 || (st.wantStatus != 0 && (got[0] != st.wantStatus || got[1] != st.wantStatus)) {
			t.Errorf("%s: statuses (permission, membership) = %v, want one request each answered %d", st.name, got, st.wantStatus)
		}
	}
	if n := testutil.ToFloat64(f.gm.Retries.WithLabelValues("5xx")); n != 0 {
		t.Errorf("GitHubRetries{5xx} = %v, want 0: a 304 is not retried", n)
	}
}
