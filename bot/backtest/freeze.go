package backtest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tiergate/tiergate/bot/diskcache"
)

// Freezer tells a diskcache.Transport which answers cannot change: those
// about a pull request that was closed (its files, reviews and events up to
// the close, and the pull request itself), once given after the close.
// People's permissions and team memberships are kept for PeopleMaxAge:
// they only exist as they are now, and a person tuning a config reruns
// within minutes. All else (the listing, config files) is revalidated. It
// is safe for concurrent use.
type Freezer struct {
	mu     sync.Mutex
	closed map[string]time.Time // "owner/repo#n" lower-cased -> closed at
}

// PeopleMaxAge is how long a permission or team membership read from
// GitHub is taken as current, within a run and, with --cache, across runs.
const PeopleMaxAge = time.Hour

var people = diskcache.Rule{Kind: diskcache.Fresh, MaxAge: PeopleMaxAge}

// NewFreezer returns a Freezer that knows of no closed pull request yet.
func NewFreezer() *Freezer { return &Freezer{closed: map[string]time.Time{}} }

// closedAt records that a pull request of repo ("owner/name") closed at at.
func (f *Freezer) closedAt(repo string, number int, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed[strings.ToLower(repo)+"#"+strconv.Itoa(number)] = at
}

// Rule is the diskcache rule for req.
func (f *Freezer) Rule(req *http.Request) diskcache.Rule {
	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	// The API may live under a prefix (GitHub Enterprise: /api/v3).
	for i, s := range segs {
		rest := segs[i+1:]
		switch {
		case s == "repos" && len(rest) >= 3:
			return f.repoRule(rest)
		case s == "repos":
			return diskcache.Rule{}
		case s == "orgs" && len(rest) == 5 && rest[1] == "teams" && rest[3] == "memberships":
			return people
		}
	}
	return diskcache.Rule{}
}

// repoRule judges /repos/{owner}/{repo}/...; rest starts at {owner}.
func (f *Freezer) repoRule(rest []string) diskcache.Rule {
	repo, tail := rest[0]+"/"+rest[1], rest[2:]
	if len(tail) == 3 && tail[0] == "collaborators" && tail[2] == "permission" {
		return people
	}
	var number string
	switch {
	case tail[0] == "pulls" && (len(tail) == 2 || len(tail) == 3 && (tail[2] == "files" || tail[2] == "reviews")):
		number = tail[1]
	case tail[0] == "issues" && len(tail) == 3 && tail[2] == "events":
		number = tail[1]
	default:
		return diskcache.Rule{}
	}
	n, err := strconv.Atoi(number)
	if err != nil {
		return diskcache.Rule{}
	}
	f.mu.Lock()
	at, ok := f.closed[strings.ToLower(repo)+"#"+strconv.Itoa(n)]
	f.mu.Unlock()
	if !ok {
		return diskcache.Rule{}
	}
	return diskcache.Rule{Kind: diskcache.Frozen, After: at}
}
