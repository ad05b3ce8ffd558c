package githubtest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// maxFiles is how many changed files GitHub's files endpoint serves at most.
const maxFiles = 3000

// pullOf finds the request's pull request (by pull_number or issue_number)
// or answers 404; s.mu is held.
func (s *Server) pullOf(w http.ResponseWriter, r *http.Request) (*repo, *pull) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return nil, nil
	}
	num := r.PathValue("pull_number")
	if num == "" {
		num = r.PathValue("issue_number")
	}
	n, _ := strconv.Atoi(num)
	p := rp.pulls[n]
	if p == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, nil
	}
	return rp, p
}

func (rp *repo) pullJSON(p *pull) *github.PullRequest {
	pr := p.pr
	var labels []*github.Label
	for _, l := range pr.Labels {
		labels = append(labels, &github.Label{Name: github.String(l)})
	}
	var adds, dels int
	for _, f := range p.files {
		adds += f.Additions
		dels += f.Deletions
	}
	repoJSON := rp.json()
	return &github.PullRequest{
		ID:           github.Int64(rp.id*100000 + int64(pr.Number)),
		Number:       github.Int(pr.Number),
		State:        github.String(pr.State),
		Title:        github.String(pr.Title),
		Body:         github.String(pr.Body),
		Draft:        github.Bool(pr.Draft),
		User:         user(pr.Author, strings.HasSuffix(pr.Author, "[bot]")),
		Labels:       labels,
		Head:         &github.PullRequestBranch{Ref: github.String(pr.HeadRef), SHA: github.String(pr.HeadSHA), Repo: repoJSON, Label: github.String(rp.owner + ":" + pr.HeadRef)},
		Base:         &github.PullRequestBranch{Ref: github.String(pr.BaseRef), SHA: github.String(pr.BaseSHA), Repo: repoJSON, Label: github.String(rp.owner + ":" + pr.BaseRef)},
		ChangedFiles: github.Int(len(p.files)),
		Additions:    github.Int(adds),
		Deletions:    github.Int(dels),
		Merged:       github.Bool(!pr.MergedAt.IsZero()),
		CreatedAt:    timestamp(pr.CreatedAt),
		UpdatedAt:    timestamp(pr.UpdatedAt),
		ClosedAt:     timestamp(pr.ClosedAt),
		MergedAt:     timestamp(pr.MergedAt),
	}
}

// timestamp is t as GitHub serves it, or nothing (null) when t is zero.
func timestamp(t time.Time) *github.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &github.Timestamp{Time: t.UTC().Truncate(time.Second)}
}

func (rp *repo) sortedPulls() []*pull {
	out := make([]*pull, 0, len(rp.pulls))
	for _, p := range rp.pulls {
		out = append(out, p)
	}
	// GitHub lists newest first by default.
	slices.SortFunc(out, func(a, b *pull) int { return cmp.Compare(b.pr.Number, a.pr.Number) })
	return out
}

func (s *Server) handlePulls(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	pulls := rp.sortedPulls()
	// Numbers grow with creation time, so sort=created (the default) is by
	// number. sort=updated orders by UpdatedAt, newest first, ties by
	// number. As documented, direction defaults to desc for created (or no
	// sort) and to asc otherwise.
	sort := cmp.Or(q.Get("sort"), "created")
	if sort == "updated" {
		slices.SortStableFunc(pulls, func(a, b *pull) int { return b.pr.UpdatedAt.Compare(a.pr.UpdatedAt) })
	}
	if dir := q.Get("direction"); dir == "asc" || (dir == "" && sort != "created") {
		slices.Reverse(pulls)
	}
	var out []*github.PullRequest
	for _, p := range pulls {
		switch {
		case state != "all" && p.pr.State != state:
		case q.Get("head") != "" && !strings.EqualFold(q.Get("head"), rp.owner+":"+p.pr.HeadRef):
		case q.Get("base") != "" && q.Get("base") != p.pr.BaseRef:
		default:
			out = append(out, rp.pullJSON(p))
		}
	}
	// Listings carry an ETag per page, as on GitHub, so a client can
	// revalidate one for free.
	s.writeJSONConditional(w, r, page(w, r, out))
}

// handlePull answers with an ETag over the pull request, so it changes with
// its labels, head and base; a matching If-None-Match gets 304.
func (s *Server) handlePull(w http.ResponseWriter, r *http.Request) {
	if rp, p := s.pullOf(w, r); p != nil {
		s.writeJSONConditional(w, r, rp.pullJSON(p))
	}
}

// handleCommitPulls lists the pull requests whose head is the commit, with
// an ETag, answering 304 to a matching If-None-Match.
func (s *Server) handleCommitPulls(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	out := []*github.PullRequest{}
	for _, p := range rp.sortedPulls() {
		if p.pr.HeadSHA == r.PathValue("commit_sha") {
			out = append(out, rp.pullJSON(p))
		}
	}
	s.writeJSONConditional(w, r, page(w, r, out))
}

// handleFiles, handleReviews and handleEvents list with an ETag per page;
// a matching If-None-Match gets 304.
func (s *Server) handleFiles(w http.ResponseWriter, r *http.Request) {
	_, p := s.pullOf(w, r)
	if p == nil {
		return
	}
	files := p.files[:min(len(p.files), maxFiles)]
	out := make([]*github.CommitFile, 0, len(files))
	for _, f := range files {
		cf := &github.CommitFile{
			SHA:       github.String(blobSHA([]byte(f.Filename))),
			Filename:  github.String(f.Filename),
			Status:    github.String(cmp.Or(f.Status, "modified")),
			Additions: github.Int(f.Additions),
			Deletions: github.Int(f.Deletions),
			Changes:   github.Int(f.Additions + f.Deletions),
		}
		if f.PreviousFilename != "" {
			cf.PreviousFilename = github.String(f.PreviousFilename)
		}
		out = append(out, cf)
	}
	s.writeJSONConditional(w, r, page(w, r, out))
}

func (s *Server) handleReviews(w http.ResponseWriter, r *http.Request) {
	if _, p := s.pullOf(w, r); p != nil {
		s.writeJSONConditional(w, r, page(w, r, p.reviews))
	}
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	if _, p := s.pullOf(w, r); p != nil {
		s.writeJSONConditional(w, r, page(w, r, p.events))
	}
}

func (s *Server) handleLabels(w http.ResponseWriter, r *http.Request) {
	if rp, p := s.pullOf(w, r); p != nil {
		writeJSON(w, http.StatusOK, page(w, r, rp.pullJSON(p).Labels))
	}
}

// handleTimeline merges label events and reviews in time order, as the
// timeline does ("labeled", "unlabeled", "reviewed").
func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	_, p := s.pullOf(w, r)
	if p == nil {
		return
	}
	out := []*github.Timeline{}
	for _, e := range p.events {
		out = append(out, &github.Timeline{ID: e.ID, Event: e.Event, Actor: e.Actor, Label: e.Label, CreatedAt: e.CreatedAt})
	}
	for _, rv := range p.reviews {
		out = append(out, &github.Timeline{
			ID: rv.ID, Event: github.String("reviewed"), User: rv.User, Body: rv.Body,
			State: github.String(strings.ToLower(rv.GetState())), CommitID: rv.CommitID, SubmittedAt: rv.SubmittedAt,
		})
	}
	at := func(t *github.Timeline) int64 {
		if t.SubmittedAt != nil {
			return t.SubmittedAt.Unix()
		}
		return t.GetCreatedAt().Unix()
	}
	slices.SortStableFunc(out, func(a, b *github.Timeline) int {
		return cmp.Or(cmp.Compare(at(a), at(b)), cmp.Compare(a.GetID(), b.GetID()))
	})
	writeJSON(w, http.StatusOK, page(w, r, out))
}
