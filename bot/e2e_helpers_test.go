package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/testlog"
)

// The state GitHub's example pull_request payloads describe.
const (
	owner     = "Codertocat"
	repo      = "Hello-World"
	prNumber  = 2
	headSHA   = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	headRef   = "changes"
	baseRef   = "master"
	author    = "Codertocat"
	installID = 1
	secret    = "e2e webhook secret"
	cfgPath   = ".github/tiergate.yml"
)

// strictConfig is the repo config on the base branch in most cases: the
// defaults plus a payments critical path owned by a team.
const strictConfig = `version: 1
critical_paths:
  - name: payments
    paths: ["payments/**"]
    min_tier: platform
    approvals: 2
    teams: ["payments-owners"]
`

// harness is the real server on loopback, talking to the fake GitHub.
type harness struct {
	t        *testing.T
	gh       *githubtest.Server
	srv      *bot.Server
	url      string
	delivery atomic.Int64
	logs     *testlog.Buffer
}

// newHarness seeds the fake with the example payloads' repository and pull
// request (head files given by the caller), the base-branch config, and
// reviewers of every permission level, then starts the server.
func newHarness(t *testing.T, repoConfig string, tweaks ...func(*bot.Settings)) *harness {
	t.Helper()
	return newHarnessWithSchedule(t, repoConfig, bot.RetrySchedule{}, tweaks...)
}

// newHarnessWithSchedule is newHarness with the queue's retry schedule
// shortened (zero fields: the production defaults).
func newHarnessWithSchedule(t *testing.T, repoConfig string, sched bot.RetrySchedule, tweaks ...func(*bot.Settings)) *harness {
	t.Helper()
	gh := githubtest.New(t)
	gh.AddRepo(owner, repo, baseRef)
	gh.AddRepo(owner, ".github", "main")
	gh.AddInstallation(installID, owner, repo, ".github")
	gh.AddPullRequest(owner, repo, githubtest.PullRequest{
		Number: prNumber, Author: author, HeadSHA: headSHA, HeadRef: headRef, BaseRef: baseRef,
	})
	if repoConfig != "" {
		gh.SetFile(owner, repo, baseRef, cfgPath, []byte(repoConfig))
	}
	for user, role := range map[string]string{
		"alice": "write", "bob": "write", "carol": "maintain", "tina": "triage", "rita": "read", author: "admin",
	} {
		gh.SetPermission(owner, repo, user, role)
	}
	gh.AddTeamMember(owner, "payments-owners", "carol")

	logs := &testlog.Buffer{}
	settings := bot.Settings{
		Listen:          "127.0.0.1:0",
		AppID:           gh.AppID,
		PrivateKey:      gh.PrivateKeyPEM,
		WebhookSecret:   []byte(secret),
		APIURL:          gh.URL(),
		Workers:         4,
		LogLevel:        "debug",
		LogFormat:       "json",
		ShutdownTimeout: 5 * time.Second,
		Debounce:        20 * time.Millisecond,
		Retry:           ghclient.RetryPolicy{MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxWait: 5 * time.Second},
	}
	for _, tweak := range tweaks {
		tweak(&settings)
	}
	srv, err := bot.NewWithRetrySchedule(context.Background(), settings, zerolog.New(logs).With().Timestamp().Logger(), sched)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	h := &harness{t: t, gh: gh, srv: srv, url: "http://" + ln.Addr().String(), logs: logs}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v, want nil on clean shutdown", err)
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	return h
}

// payload loads one of GitHub's example payloads and applies edits to its
// decoded JSON, so each test states only what differs from the example.
func payload(t *testing.T, event, file string, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(githubtest.LoadWebhook(t, event, file), &m); err != nil {
		t.Fatalf("example payload %s/%s: %v", event, file, err)
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// obj walks nested JSON objects by key.
func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// prEvent is a pull_request event with the given action and head SHA.
func prEvent(t *testing.T, action, sha string) []byte {
	return payload(t, "pull_request", "opened.payload.json", func(m map[string]any) {
		m["action"] = action
		obj(m, "pull_request", "head")["sha"] = sha
	})
}

// configPush is a push to the base branch that modifies the config file.
func configPush(t *testing.T) []byte {
	return payload(t, "push", "with-installation.payload.json", func(m map[string]any) {
		m["ref"] = "refs/heads/" + baseRef
		m["deleted"], m["created"] = false, false
		obj(m, "repository")["default_branch"] = baseRef
		obj(m, "repository")["name"] = repo
		m["commits"] = []any{map[string]any{"id": "3333333333333333333333333333333333333333", "added": []any{}, "removed": []any{}, "modified": []any{cfgPath}}}
	})
}

// deliver posts a signed webhook with a fresh delivery ID and returns the
// status code.
func (h *harness) deliver(event string, body []byte) int {
	return h.deliverID(event, fmt.Sprintf("e2e-%d", h.delivery.Add(1)), body)
}

func (h *harness) deliverID(event, id string, body []byte) int {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.url+"/webhook", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", githubtest.Sign([]byte(secret), body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("deliver %s: %v", event, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// settle waits until the server has no queued or running work.
func (h *harness) settle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.srv.WaitIdle(ctx); err != nil {
		h.t.Fatalf("WaitIdle: %v\nlogs:\n%s", err, h.logs.String())
	}
}

// run delivers a pull_request event for the current head and waits for it.
func (h *harness) run(action, sha string) {
	h.t.Helper()
	if code := h.deliver("pull_request", prEvent(h.t, action, sha)); code != http.StatusAccepted {
		h.t.Fatalf("pull_request.%s answered %d, want 202", action, code)
	}
	h.settle()
}

// check returns the only check run on sha; every head must have exactly one.
func (h *harness) check(sha string) githubtest.CheckRun {
	h.t.Helper()
	var found []githubtest.CheckRun
	for _, cr := range h.gh.CheckRuns(owner, repo) {
		if cr.HeadSHA == sha && cr.Name == bot.DefaultCheckName {
			found = append(found, cr)
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("%d check runs on %s, want exactly 1: %+v\nlogs:\n%s", len(found), sha, found, h.logs.String())
	}
	if found[0].Status != "completed" {
		h.t.Fatalf("check run on %s is %s, want completed", sha, found[0].Status)
	}
	return found[0]
}

func (h *harness) wantCheck(sha, conclusion, titlePrefix string, summaryHas ...string) githubtest.CheckRun {
	h.t.Helper()
	cr := h.check(sha)
	if cr.Conclusion != conclusion || !strings.HasPrefix(cr.Title, titlePrefix) {
		h.t.Errorf("check run = %s %q, want %s %q…\n%s", cr.Conclusion, cr.Title, conclusion, titlePrefix, cr.Summary)
	}
	for _, s := range summaryHas {
		if !strings.Contains(cr.Summary, s) {
			h.t.Errorf("check run summary lacks %q:\n%s", s, cr.Summary)
		}
	}
	return cr
}

// comments returns the bot's comments (those carrying the marker).
func (h *harness) comments() []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range h.gh.Comments(owner, repo, prNumber) {
		if strings.Contains(c.Body, "<!-- tiergate -->") {
			out = append(out, c)
		}
	}
	return out
}

// count is how many requests matched method and a path suffix.
func (h *harness) count(method, pathSuffix string) int {
	n := 0
	for _, r := range h.gh.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

func files(paths ...string) []githubtest.File {
	var out []githubtest.File
	for _, p := range paths {
		out = append(out, githubtest.File{Filename: p, Status: "modified", Additions: 5, Deletions: 1})
	}
	return out
}

func approval(user, sha string) githubtest.Review {
	return githubtest.Review{User: user, State: "APPROVED", CommitID: sha}
}
