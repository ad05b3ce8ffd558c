package bot

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// commentMarker is the hidden first line by which tiergate finds its own
// comment on a pull request.
const commentMarker = "<!-- tiergate -->"

type prKey struct {
	owner, repo string
	number      int
}

// commentState is what we know of tiergate's comment on one pull request.
type commentState struct {
	id   int64  // 0: there is no comment
	hash string // of the body last seen or written
}

// stickyComments keeps at most one tiergate comment per pull request, edited
// in place and written only when its text changes.
type stickyComments struct {
	known *ttlCache[prKey, commentState]
}

func newStickyComments(now func() time.Time) *stickyComments {
	return &stickyComments{known: newTTLCache[prKey, commentState](reportTTL, now)}
}

func commentBody(markdown string) string {
	return truncateOutput(commentMarker + "\n" + markdown)
}

func hashText(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum)
}

// upsert makes the pull request's tiergate comment read markdown. When no
// comment exists yet it is created only if create is set (a failure or an
// override worth telling the author about); an existing one always follows
// the verdict, including back to passing.
func (c *stickyComments) upsert(ctx context.Context, gh *github.Client, owner, repo string, number int, markdown string, create bool) error {
	k := prKey{owner: strings.ToLower(owner), repo: strings.ToLower(repo), number: number}
	body := commentBody(markdown)
	want := hashText(body)
	st, ok := c.known.get(k)
	if !ok {
		var err error
		if st, err = c.find(ctx, gh, owner, repo, number); err != nil {
			return err
		}
		c.known.put(k, st)
	}
	if st.id != 0 {
		if st.hash == want {
			return nil
		}
		_, _, err := gh.Issues.EditComment(ctx, owner, repo, st.id, &github.IssueComment{Body: github.String(body)})
		switch {
		case err == nil:
			c.known.put(k, commentState{id: st.id, hash: want})
			return nil
		case !isNotFound(err):
			return fmt.Errorf("edit tiergate comment %d on %s/%s#%d: %w", st.id, owner, repo, number, err)
		}
		// Someone deleted it: treat as absent.
		c.known.put(k, commentState{})
	}
	if !create {
		return nil
	}
	created, _, err := gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		return fmt.Errorf("comment on %s/%s#%d: %w", owner, repo, number, err)
	}
	c.known.put(k, commentState{id: created.GetID(), hash: want})
	return nil
}

// find looks for tiergate's comment: the first one written by a bot that
// carries the marker. Other bots' comments quoting the marker are unlikely,
// and humans' are ignored.
func (c *stickyComments) find(ctx context.Context, gh *github.Client, owner, repo string, number int) (commentState, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	for {
		page, resp, err := gh.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return commentState{}, fmt.Errorf("list comments on %s/%s#%d: %w", owner, repo, number, err)
		}
		for _, cm := range page {
			if cm.GetUser().GetType() == "Bot" && strings.Contains(cm.GetBody(), commentMarker) {
				return commentState{id: cm.GetID(), hash: hashText(cm.GetBody())}, nil
			}
		}
		if resp.NextPage == 0 {
			return commentState{}, nil
		}
		opts.Page = resp.NextPage
	}
}
