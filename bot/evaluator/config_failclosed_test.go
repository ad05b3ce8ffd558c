package evaluator

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/rules"
)

// TestConfigLoadNotFoundIsAskedAgain: a 404 is never cached, so a file that
// appears (or a repository that becomes visible) counts at once, and a file
// that disappears is not served from the cache after its TTL.
func TestConfigLoadNotFoundIsAskedAgain(t *testing.T) {
	ctx := context.Background()
	f := newEvFixture(t)
	clock := time.Unix(1_700_000_000, 0)
	f.ev.configs.now = func() time.Time { return clock }
	gh := f.gh(t)
	load := func() *rules.Config {
		t.Helper()
		f.fake.ResetRequests()
		cfg, _, err := f.ev.configs.load(ctx, gh, evOwner, evRepo, "main")
		if err != nil {
			t.Fatalf("load = %v", err)
		}
		return cfg
	}
	contents := func() int { return f.requestsMatching("GET /repos/{owner}/{repo}/contents/{path}") }

	load()
	load()
	if n := contents(); n != 0 {
		t.Errorf("second load at once with both files absent made %d contents requests, want 0 (a 404 is remembered briefly)", n)
	}
	clock = clock.Add(missingTTL)
	load()
	if n := contents(); n != 2 {
		t.Errorf("load %v later made %d contents requests, want 2 (a 404 is asked again after missingTTL)", missingTTL, n)
	}
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
	clock = clock.Add(missingTTL)
	if got := load().Tiers[rules.TierFeature].Approvals; got != 3 {
		t.Errorf("feature approvals = %d %v after the file appeared, want 3 (absence not remembered longer)", got, missingTTL)
	}
	f.fake.DeleteFile(evOwner, evRepo, "main", evCfgPath)
	clock = clock.Add(configTTL)
	if got := load().Tiers[rules.TierFeature].Approvals; got != 1 {
		t.Errorf("feature approvals = %d after the file was deleted, want the default 1", got)
	}
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
	clock = clock.Add(missingTTL)
	if got := load().Tiers[rules.TierFeature].Approvals; got != 3 {
		t.Errorf("feature approvals = %d after the file came back, want 3 (the deleted copy's absence is not kept past missingTTL)", got)
	}
}

func TestConfigLoadMissingOrgConfig(t *testing.T) {
	const why = "the org config acme/.github:.github/tiergate.yml could not be found"
	for _, require := range []bool{false, true} {
		t.Run(map[bool]string{false: "warns", true: "fails when required"}[require], func(t *testing.T) {
			f := newEvFixture(t)
			f.ev.configs.requireOrg = require
			f.fake.AddInstallation(evInst, evOwner, evRepo) // cannot see acme/.github
			f.fake.SetFile(evOwner, ".github", "main", evCfgPath, []byte("version: 1\nrepo_overrides: tighten_only\n"))
			cfg, _, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
			var broken *configBrokenError
			switch {
			case require && (!errors.As(err, &broken) || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "TIERGATE_REQUIRE_ORG_CONFIG")):
				t.Errorf("load = (%v, %v), want a broken-config verdict naming the reason", cfg, err)
			case !require && err != nil:
				t.Errorf("load = %v, want a config with a warning", err)
			case !require && !strings.Contains(strings.Join(cfg.Warnings, "\n"), why):
				t.Errorf("Warnings = %q, want one saying %q", cfg.Warnings, why)
			}
		})
	}
	t.Run("present: no warning", func(t *testing.T) {
		f := newEvFixture(t)
		f.ev.configs.requireOrg = true
		f.fake.SetFile(evOwner, ".github", "main", evCfgPath, []byte("version: 1\n"))
		cfg, _, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
		if err != nil || len(cfg.Warnings) != 0 {
			t.Errorf("load = (%v, %v), want no warning", cfg, err)
		}
	})
}

// TestEvaluateConfigReadErrorThenSuccess: a 500 on the repository's config
// writes no verdict (the defaults would pass this pull request; the file
// does not), and the retry evaluates with the real file.
func TestEvaluateConfigReadErrorThenSuccess(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
	f.fake.FailNext("GET", "/repos/acme/widgets/contents/.github/tiergate.yml", 4, 500)
	err := f.ev.Evaluate(context.Background(), evJob(1), nil)
	if err == nil || !strings.Contains(err.Error(), "could not read the config acme/widgets:.github/tiergate.yml") {
		t.Fatalf("Evaluate with the config read failing = %v, want an error naming the file", err)
	}
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 0 {
		t.Fatalf("Evaluate wrote %+v after a failed config read, want nothing", runs)
	}
	f.evaluate(t, evJob(1))
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 || runs[0].Conclusion != "failure" || !strings.Contains(runs[0].Summary, "1 of 3 approvals") {
		t.Errorf("check runs = %+v, want one failure under the repo file (1 of 3 approvals)", runs)
	}
	if n := f.requestsMatching("PATCH /repos/{owner}/{repo}/check-runs/"); n != 0 {
		t.Errorf("%d check-run updates, want 0: only the verdict from the real file is ever written", n)
	}
}
