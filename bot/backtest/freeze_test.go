package backtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/diskcache"
)

func TestFreezerRule(t *testing.T) {
	closed := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f := NewFreezer()
	f.closedAt("acme/widgets", 7, closed)
	frozen := diskcache.Rule{Kind: diskcache.Frozen, After: closed}
	tests := []struct {
		path string
		want diskcache.Rule
	}{
		{"/api/v3/repos/acme/widgets/pulls/7", frozen},
		{"/repos/acme/widgets/pulls/7/files", frozen},
		{"/repos/ACME/Widgets/pulls/7/reviews", frozen},
		{"/repos/acme/widgets/issues/7/events", frozen},
		{"/repos/acme/widgets/pulls/8/files", diskcache.Rule{}},    // not known closed
		{"/repos/acme/widgets/pulls/7/comments", diskcache.Rule{}}, // not read
		{"/repos/acme/widgets/pulls", diskcache.Rule{}},            // the listing
		{"/repos/acme/widgets/contents/.github/tiergate.yml", diskcache.Rule{}},
		{"/repos/acme/widgets", diskcache.Rule{}},
		{"/repos/acme/widgets/collaborators/bob/permission", people},
		{"/api/v3/orgs/acme/teams/owners/memberships/bob", people},
		{"/orgs/acme/teams/owners/members", diskcache.Rule{}},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, "http://ghe.example"+tt.path, nil)
		if got := f.Rule(req); got != tt.want {
			t.Errorf("Rule(%s) = %+v, want %+v", tt.path, got, tt.want)
		}
	}
}
