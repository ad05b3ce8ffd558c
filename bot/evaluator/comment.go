package evaluator

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/queue"
)

// commentMarker is the hidden first line by which tiergate finds its own
// comment on a pull request.
const commentMarker = "<!-- tiergate -->"

// commentState is tiergate's comment on a pull request as GitHub holds it.
type commentState struct {
	id   int64  // 0: there is no comment
	hash string // of its body
}

// stickyComments keeps at most one tiergate comment per pull request,
// edited in place and written only when GitHub's copy differs.
type stickyComments struct {
	// pages keeps the last answer of each comment-listing page, only to
	// revalidate it with If-None-Match.
	pages *ghclient.Cache[commentState]
}

func newStickyComments(now func() time.Time) *stickyComments {
	return &stickyComments{pages: ghclient.NewCache[commentState](listingTTL, maxPages, now)}
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
// the verdict, including back to passing. What exists is read from GitHub
// each time; guard is called just before each write.
func (c *stickyComments) upsert(ctx context.Context, gh *github.Client, owner, repo string, number int, markdown string, create bool, guard queue.Guard) error {
	// A write that waits (a retry, a rate limit) asks the guard again
	// before it is resent.
	ctx = ghclient.WithWriteCheck(ctx, guard.Check)
	body := commentBody(markdown)
	cur, err := c.find(ctx, gh, owner, repo, number)
	if err != nil {
		return err
	}
	if cur.id != 0 {
		if cur.hash == hashText(body) {
			return nil
		}
		if err := guard.Check(ctx); err != nil {
			return err
		}
		_, _, err := gh.Issues.EditComment(ctx, owner, repo, cur.id, &github.IssueComment{Body: github.String(body)})
		switch {
		case err == nil:
			return nil
		case !isNotFound(err):
			return fmt.Errorf("edit tiergate comment %d on %s/%s#%d: %w", cur.id, owner, repo, number, err)
		}
		// Deleted since it was listed: treat as absent.
	}
	if !create {
		return nil
	}
	if err := guard.Check(ctx); err != nil {
		return err
	}
	if _, _, err := gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(body)}); err != nil {
		return fmt.Errorf("comment on %s/%s#%d: %w", owner, repo, number, err)
	}
	return nil
}

// find looks for tiergate's comment: the first one written by a bot that
// starts with the marker. Humans' comments are ignored, and a comment that
// merely quotes the marker (another bot echoing a file name) is not ours.
//
// Every page up to the one holding the comment is revalidated with its own
// ETag: a 304 (free) confirms that page, so a long conversation costs no
// more rate limit than a short one while nothing changes, and a change on
// any page (an edit, a deletion shifting the pages) is seen. Trusting page
// 1's ETag for the pages after it would miss such changes.
func (c *stickyComments) find(ctx context.Context, gh *github.Client, owner, repo string, number int) (commentState, error) {
	var found commentState
	err := ghclient.Walk(1, func(page int) (int, error) {
		u := fmt.Sprintf("repos/%s/%s/issues/%d/comments?per_page=%d&page=%d", url.PathEscape(owner), url.PathEscape(repo), number, ghclient.PerPage, page)
		st, next, err := ghclient.Get(ctx, gh, c.pages, u, parseCommentPage)
		if err != nil {
			return 0, err
		}
		if st.id != 0 {
			found = st
			return 0, nil
		}
		return next, nil
	})
	if err != nil {
		return commentState{}, fmt.Errorf("list comments on %s/%s#%d: %w", owner, repo, number, err)
	}
	return found, nil
}

// parseCommentPage finds tiergate's comment on one page of a listing.
func parseCommentPage(raw json.RawMessage) (commentState, error) {
	var page []*github.IssueComment
	if err := json.Unmarshal(raw, &page); err != nil {
		return commentState{}, err
	}
	for _, cm := range page {
		if cm.GetUser().GetType() == "Bot" && strings.HasPrefix(cm.GetBody(), commentMarker) {
			return commentState{id: cm.GetID(), hash: hashText(cm.GetBody())}, nil
		}
	}
	return commentState{}, nil
}
