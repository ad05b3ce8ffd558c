package bot_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// TestE2EConfigPushSurvivesAnOutage, PostgreSQL mode: the base branch's
// config is tightened (experiment → feature, which needs tests) and the
// push delivery is accepted (202, committed) while GitHub is down for
// longer than the fast retries. The fan-out that lists the open pull
// requests keeps being retried at the slow interval, like an evaluation,
// so once GitHub is back the pull request is evaluated with the new config.
// (Found by the second hostile review: the fan-out was given up after 4
// attempts and the green of the old config stood.)
func TestE2EConfigPushSurvivesAnOutage(t *testing.T) {
	dbURL := pgtest.URL(t)
	h := newHarnessWithSchedule(t, "version: 1\ndefault_tier: experiment\n", shortSchedule, func(s *bot.Settings) {
		s.DatabaseURL = dbURL
		s.SweepInterval = -1
	})
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.run("opened", headSHA)
	h.wantCheck(headSHA, "success", "experiment ·")

	h.gh.SetFile(owner, repo, baseRef, cfgPath, []byte("version: 1\ndefault_tier: feature\n"))
	push := configPush(t)
	h.gh.SetOutage(true)
	if code := h.deliver("push", push); code != http.StatusAccepted {
		t.Fatalf("push answered %d, want 202", code)
	}
	h.waitFor("the fan-out past its fast retries", func() bool {
		return strings.Contains(h.logs.String(), "failed 5 times; retrying every")
	})
	if strings.Contains(h.logs.String(), "gave up on task") {
		t.Fatalf("the fan-out was given up during the outage")
	}
	h.gh.SetOutage(false)
	h.settle()
	h.wantCheck(headSHA, "failure", "feature ·")
}
