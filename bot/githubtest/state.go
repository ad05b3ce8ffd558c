package githubtest

import (
	"crypto/sha1"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"
)

func key(owner, name string) string { return strings.ToLower(owner + "/" + name) }

// AddInstallation records an installation of the App on account, with
// access to the named repositories of that account. Repositories must be
// added with AddRepo as well.
func (s *Server) AddInstallation(id int64, account string, repos ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := &installation{id: id, account: account}
	for _, r := range repos {
		inst.repos = append(inst.repos, key(account, r))
	}
	s.installations[id] = inst
}

// AddRepo records a public repository with the given default branch.
func (s *Server) AddRepo(owner, name, defaultBranch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.repos[key(owner, name)] = &repo{
		id: 1000 + s.nextID, owner: owner, name: name, defaultBranch: defaultBranch,
		files: map[string]map[string][]byte{}, pulls: map[int]*pull{}, roles: map[string]string{},
		compares: map[string]compareAnswer{},
	}
}

// SetPrivate marks a repository private or public.
func (s *Server) SetPrivate(owner, name string, private bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(owner, name).private = private
}

// SetFile stores content at path on ref (a branch name or commit SHA), as
// served by GET /repos/{owner}/{repo}/contents/{path}?ref=. Requests
// without ref read the default branch.
func (s *Server) SetFile(owner, name, ref, path string, content []byte) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(owner, name)
	if r.files[ref] == nil {
		r.files[ref] = map[string][]byte{}
	}
	r.files[ref][path] = slices.Clone(content)
}

// DeleteFile removes path from ref.
func (s *Server) DeleteFile(owner, name, ref, path string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mustRepo(owner, name).files[ref], path)
}

// AddPullRequest records a pull request, replacing one with the same number.
func (s *Server) AddPullRequest(owner, name string, pr PullRequest) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(owner, name)
	if pr.State == "" {
		pr.State = "open"
	}
	if pr.Title == "" {
		pr.Title = fmt.Sprintf("Pull request #%d", pr.Number)
	}
	if pr.HeadRef == "" {
		pr.HeadRef = fmt.Sprintf("feature-%d", pr.Number)
	}
	if pr.BaseRef == "" {
		pr.BaseRef = r.defaultBranch
	}
	if pr.BaseSHA == "" {
		pr.BaseSHA = blobSHA([]byte("base " + pr.BaseRef))
	}
	if !pr.MergedAt.IsZero() {
		pr.State = "closed"
		if pr.ClosedAt.IsZero() {
			pr.ClosedAt = pr.MergedAt
		}
	}
	pr.Labels = slices.Clone(pr.Labels)
	r.pulls[pr.Number] = &pull{pr: pr}
}

// SetHead moves a pull request's head to sha (a push to its branch).
func (s *Server) SetHead(owner, name string, number int, sha string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustPull(owner, name, number).pr.HeadSHA = sha
}

// SetBase moves the base commit a pull request targets (base.sha), as
// GitHub does when the author updates the branch or rebases onto a newer
// base.
func (s *Server) SetBase(owner, name string, number int, sha string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustPull(owner, name, number).pr.BaseSHA = sha
}

// SetState sets a pull request's state ("open" or "closed") and draft flag.
func (s *Server) SetState(owner, name string, number int, state string, draft bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustPull(owner, name, number)
	p.pr.State, p.pr.Draft = state, draft
}

// SetChangedFiles replaces a pull request's changed files. The files
// endpoint serves at most the first 3000, like GitHub.
func (s *Server) SetChangedFiles(owner, name string, number int, files []File) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustPull(owner, name, number).files = slices.Clone(files)
}

// AddReview records a submitted review and returns its ID.
func (s *Server) AddReview(owner, name string, number int, rv Review) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustPull(owner, name, number)
	s.nextID++
	at := rv.SubmittedAt
	if at.IsZero() {
		at = s.now()
	}
	p.reviews = append(p.reviews, &github.PullRequestReview{
		ID:          github.Int64(s.nextID),
		User:        user(rv.User, rv.Bot),
		Body:        github.String(rv.Body),
		State:       github.String(rv.State),
		CommitID:    github.String(rv.CommitID),
		SubmittedAt: &github.Timestamp{Time: at},
	})
	return s.nextID
}

// DismissReview sets a review's state to DISMISSED.
func (s *Server) DismissReview(owner, name string, number int, id int64) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rv := range s.mustPull(owner, name, number).reviews {
		if rv.GetID() == id {
			rv.State = github.String("DISMISSED")
			return
		}
	}
	s.t.Fatalf("githubtest: DismissReview: no review %d on %s/%s#%d", id, owner, name, number)
}

// AddLabel puts label on a pull request and records a "labeled" issue
// event by actor at the fake's clock. An actor whose login ends in "[bot]"
// is reported as a bot account.
func (s *Server) AddLabel(owner, name string, number int, label, actor string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustPull(owner, name, number)
	if !slices.Contains(p.pr.Labels, label) {
		p.pr.Labels = append(p.pr.Labels, label)
	}
	s.addEvent(p, "labeled", label, actor)
}

// RemoveLabel takes label off a pull request and records an "unlabeled"
// issue event by actor.
func (s *Server) RemoveLabel(owner, name string, number int, label, actor string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustPull(owner, name, number)
	p.pr.Labels = slices.DeleteFunc(p.pr.Labels, func(l string) bool { return l == label })
	s.addEvent(p, "unlabeled", label, actor)
}

func (s *Server) addEvent(p *pull, event, label, actor string) {
	s.nextID++
	p.events = append(p.events, &github.IssueEvent{
		ID:        github.Int64(s.nextID),
		Actor:     user(actor, strings.HasSuffix(actor, "[bot]")),
		Event:     github.String(event),
		Label:     &github.Label{Name: github.String(label)},
		CreatedAt: &github.Timestamp{Time: s.now()},
	})
}

// SetPermission gives user a role on a repository: admin, maintain, write,
// triage, read or none. The permission endpoint reports it as GitHub does:
// permission is the legacy base role (maintain → write, triage → read) and
// role_name the role itself. Users never given a role get 404, which is
// what GitHub documents besides 200; GitHub answers 200 "none" for an
// existing user who is no collaborator, so seed "none" to model that.
func (s *Server) SetPermission(owner, name, user, role string) {
	s.t.Helper()
	switch role {
	case "admin", "maintain", "write", "triage", "read", "none":
	default:
		s.t.Fatalf("githubtest: SetPermission: unknown role %q", role)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(owner, name).roles[strings.ToLower(user)] = role
}

// AddTeamMember makes user an active member of org's team slug.
func (s *Server) AddTeamMember(org, team, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(org, team)
	if s.teams[k] == nil {
		s.teams[k] = map[string]string{}
	}
	s.teams[k][strings.ToLower(user)] = user
}

// RemoveTeamMember ends user's membership of org's team slug.
func (s *Server) RemoveTeamMember(org, team, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.teams[key(org, team)], strings.ToLower(user))
}

// AddComment records a comment by a user (a person, or a bot when the
// login ends in "[bot]") on an issue or pull request, and returns its ID.
func (s *Server) AddComment(owner, name string, number int, login, body string) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(owner, name)
	return s.addComment(r, number, login, strings.HasSuffix(login, "[bot]"), body).ID
}

func (s *Server) addComment(r *repo, number int, login string, bot bool, body string) *comment {
	s.nextID++
	now := s.now()
	c := &comment{Comment: Comment{ID: s.nextID, User: login, Body: body}, issue: number, bot: bot, createdAt: now, updatedAt: now}
	r.comments = append(r.comments, c)
	return c
}

func (s *Server) mustRepo(owner, name string) *repo {
	s.t.Helper()
	r := s.repos[key(owner, name)]
	if r == nil {
		s.t.Fatalf("githubtest: repository %s/%s not added (call AddRepo first)", owner, name)
	}
	return r
}

func (s *Server) mustPull(owner, name string, number int) *pull {
	s.t.Helper()
	p := s.mustRepo(owner, name).pulls[number]
	if p == nil {
		s.t.Fatalf("githubtest: pull request %s/%s#%d not added", owner, name, number)
	}
	return p
}

func user(login string, bot bool) *github.User {
	typ := "User"
	if bot {
		typ = "Bot"
	}
	return &github.User{Login: github.String(login), Type: github.String(typ), ID: github.Int64(userID(login))}
}

// userID derives a stable numeric ID from a login.
func userID(login string) int64 {
	sum := sha1.Sum([]byte(strings.ToLower(login)))
	return int64(sum[0])<<24 | int64(sum[1])<<16 | int64(sum[2])<<8 | int64(sum[3]) + 1
}
