package bot_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot"
)

// TestE2EAPIURLPasswordNeverShown: the README promises that a password
// inside TIERGATE_GITHUB_API_URL is redacted wherever a URL is logged, and
// that secrets never appear in error messages. go-github's errors quote the
// request URL, which is built from the API URL with its userinfo. Here one
// GitHub endpoint answers 404 on every attempt, so the evaluation's error
// is logged and finally written into the failing check run's summary,
// which every reader of the repository can see.
func TestE2EAPIURLPasswordNeverShown(t *testing.T) {
	const password = "hunter2-api-url-password"
	h := newHarnessWithSchedule(t, strictConfig, shortSchedule, func(s *bot.Settings) {
		s.APIURL = strings.Replace(s.APIURL, "http://", "http://tiergate:"+password+"@", 1)
	})
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.gh.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 1000, http.StatusNotFound)
	if code := h.deliver("pull_request", prEvent(t, "opened", headSHA)); code != http.StatusAccepted {
		t.Fatalf("opened answered %d", code)
	}
	h.waitFor("the 'could not evaluate' check run", func() bool {
		for _, cr := range h.gh.CheckRuns(owner, repo) {
			if cr.Title == "tiergate could not evaluate" {
				return true
			}
		}
		return false
	})
	for _, cr := range h.gh.CheckRuns(owner, repo) {
		if strings.Contains(cr.Summary, password) {
			t.Errorf("the check run on GitHub shows the API URL's password:\n%s", cr.Summary)
		}
	}
	if logs := h.logs.String(); strings.Contains(logs, password) {
		n := strings.Count(logs, password)
		i := strings.Index(logs, password)
		t.Errorf("the logs quote the API URL's password %d times, e.g. …%s…", n, logs[max(0, i-200):min(len(logs), i+60)])
	}
}
