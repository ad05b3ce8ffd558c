package githubtest

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/google/go-github/v60/github"
)

func (c *comment) json() *github.IssueComment {
	return &github.IssueComment{
		ID:        github.Int64(c.ID),
		Body:      github.String(c.Body),
		User:      user(c.User, c.bot),
		CreatedAt: &github.Timestamp{Time: c.createdAt},
		UpdatedAt: &github.Timestamp{Time: c.updatedAt},
	}
}

// issueExists reports whether number is a pull request or already has
// comments (the fake models issues only through their comments).
func (rp *repo) issueExists(number int) bool {
	if rp.pulls[number] != nil {
		return true
	}
	for _, c := range rp.comments {
		if c.issue == number {
			return true
		}
	}
	return false
}

func (s *Server) issueOf(w http.ResponseWriter, r *http.Request) (*repo, int) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return nil, 0
	}
	n, _ := strconv.Atoi(r.PathValue("issue_number"))
	if !rp.issueExists(n) {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, 0
	}
	return rp, n
}

// handleComments lists an issue's comments, oldest first, with an ETag per
// page; a matching If-None-Match gets 304.
func (s *Server) handleComments(w http.ResponseWriter, r *http.Request) {
	rp, n := s.issueOf(w, r)
	if rp == nil {
		return
	}
	out := []*github.IssueComment{}
	for _, c := range rp.comments {
		if c.issue == n {
			out = append(out, c.json())
		}
	}
	s.writeJSONConditional(w, r, page(w, r, out))
}

type commentBody struct {
	Body string `json:"body"`
}

func (s *Server) handleCreateComment(w http.ResponseWriter, r *http.Request) {
	rp, n := s.issueOf(w, r)
	if rp == nil {
		return
	}
	var b commentBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	c := s.addComment(rp, n, s.AppSlug+"[bot]", true, b.Body)
	writeJSON(w, http.StatusCreated, c.json())
}

func (s *Server) handleUpdateComment(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("comment_id"), 10, 64)
	for _, c := range rp.comments {
		if c.ID != id {
			continue
		}
		var b commentBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			writeError(w, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
		c.Body = b.Body
		c.updatedAt = s.now()
		writeJSON(w, http.StatusOK, c.json())
		return
	}
	writeError(w, http.StatusNotFound, "Not Found")
}
