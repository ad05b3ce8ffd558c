package evaluator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/internal/ttlcache"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/rules"
)

// MaxPreviewPulls bounds the open pull requests one config-change preview
// judges; the preview says when more exist.
const MaxPreviewPulls = 200

// MaxPreviewRepos bounds the repositories whose open pull requests one
// org-file preview lists (one request each, more for a repository with
// over a hundred open): the preview says when more exist.
const MaxPreviewRepos = 100

// GateProposedConfig is the gate a config pull request fails when the file
// it proposes is broken, so that it cannot be merged by mistake.
const GateProposedConfig = "proposed_config"

// previewTTL bounds how long a computed preview is reused for the same
// proposed file; maxPreviews bounds how many are kept.
const (
	previewTTL  = time.Hour
	maxPreviews = 256
)

// previews keeps computed previews, keyed by the proposed file's blob and
// the config it would replace, so a config pull request evaluated again
// (an approval, a label) reuses its preview while the file is unchanged.
// It saves work only: each replica computes a preview at most once an
// hour, and a preview never decides a verdict but its own PR's
// proposed_config gate, which depends on the blob alone.
type previews struct {
	kept *ttlcache.Cache[string, *preview]
}

func newPreviews(now func() time.Time) *previews {
	return &previews{kept: ttlcache.New[string, *preview](previewTTL, maxPreviews, now)}
}

// preview is what a proposed config file would do.
type preview struct {
	file    string        // the changed file, e.g. "acme/.github:.github/tiergate.yml"
	org     bool          // the org file
	broken  error         // the proposed file's errors (rules.ConfigErrors)
	layered bool          // broken only combined with the layers below it
	gone    bool          // the pull request deletes the file
	impact  *impact       // nil when broken
	failed  rules.Message // why the impact could not be computed
}

// impact is how the open pull requests' verdicts would change.
type impact struct {
	judged    int
	more      bool // more open pull requests than MaxPreviewPulls
	unchanged int
	flips     []flip
	// hidden counts the changes in repositories more private than the
	// config repository: shown as counts, never titles or numbers.
	hidden     int
	unreadable int // open pull requests that could not be read
	// pending counts the pull requests whose verdict, now or with the
	// proposed file, waits for CI: not compared, so never a flip.
	pending int
	// unlisted counts the repositories whose open pull requests could not
	// be listed; unlistedNames names those no more private than the config
	// repository (never the error, which may name others).
	unlisted      int
	unlistedNames []string
	// repos is how many repositories the file governs, listed how many
	// were listed (fewer when more than MaxPreviewRepos).
	repos, listed int
}

// flip is an open pull request whose verdict would change.
type flip struct {
	repo     string
	number   int
	title    string
	was, now outcome
}

// outcome is a verdict in brief: its tier and whether its gates pass.
type outcome struct {
	tier    rules.Tier // TierNone: unknown
	pass    bool
	pending bool // a required check has not completed: neither pass nor fail
}

func (o outcome) String() string {
	verdict := "fail"
	switch {
	case o.pending:
		verdict = "pending"
	case o.pass:
		verdict = "pass"
	}
	if o.tier == rules.TierNone {
		return verdict
	}
	return o.tier.String() + " · " + verdict
}

// configPreview computes (or reuses) the preview for a pull request that
// changes a tiergate config file, marks res failing when the proposed file
// is broken, and returns the preview as Markdown ("" when the pull request
// changes no config file). Only a rate limit is returned as an error, so
// the job waits for it; any other failure is said in the preview, and the
// pull request's own verdict is still written.
func (e *Evaluator) configPreview(ctx context.Context, gh *github.Client, job queue.Job, pr *github.PullRequest, files []rules.ChangedFile, res *rules.Result) (string, error) {
	if !changesConfig(files, e.opts.ConfigPath) {
		return "", nil
	}
	org := strings.EqualFold(job.Repo, e.opts.OrgConfigRepo)
	head := pr.GetHead().GetSHA()
	k := configKey{owner: job.Owner, repo: job.Repo, ref: head}
	name := e.configs.fileName(k)
	// The proposed file is read from the head, for this preview only.
	proposed, blob, err := e.configs.file(ctx, gh, k)
	var broken *configBrokenError
	switch {
	case errors.As(err, &broken):
	case err != nil:
		if _, limited := ghclient.RetryAt(err, time.Now()); limited {
			return "", err
		}
		return previewMarkdown(&preview{file: name, org: org, failed: rules.Messagef("the proposed file could not be read: %s", err.Error())}), nil
	}
	// A file that parses alone may still not combine with the layers
	// below it; once merged, every pull request it governs would fail. A
	// repository file is combined with the current org file, the org file
	// with the built-in defaults (each repository's file is combined with
	// it when its pull requests are judged).
	var below *rules.File
	belowSHA := ""
	if !org && proposed != nil {
		below, belowSHA, err = e.configs.file(ctx, gh, configKey{owner: job.Owner, repo: e.configs.orgRepo})
		switch {
		case isBroken(err):
			below = nil // the current org file is broken: judge the file against the defaults
		case err != nil:
			if _, limited := ghclient.RetryAt(err, time.Now()); limited {
				return "", err
			}
			return previewMarkdown(&preview{file: name, org: org, failed: rules.Messagef("the org config could not be read to combine the proposed file with it")}), nil
		}
	}
	cacheKey := strings.ToLower(fmt.Sprintf("%s/%s\x00%s\x00%t\x00%s", job.Owner, job.Repo, blob, proposed == nil && broken == nil, belowSHA))
	p, ok := e.previews.kept.Get(cacheKey)
	if !ok {
		p = &preview{file: name, org: org, gone: proposed == nil && broken == nil}
		var layerErr error
		if proposed != nil {
			if org {
				_, layerErr = rules.Resolve(proposed, nil)
			} else {
				_, layerErr = rules.Resolve(below, proposed)
			}
		}
		switch {
		case broken != nil:
			p.broken = broken.err
		case layerErr != nil:
			p.broken, p.layered = layerErr, true
		default:
			p.impact, err = e.impactOf(ctx, gh, job, pr.GetNumber(), proposed)
			if err != nil {
				if _, limited := ghclient.RetryAt(err, time.Now()); limited {
					return "", err
				}
				zerolog.Ctx(ctx).Warn().Err(err).Msg("config preview: impact not computed")
				p.failed = rules.Messagef("the impact on open pull requests could not be computed: %s", err.Error())
			}
		}
		if p.failed.IsZero() && (p.impact == nil || p.impact.unlisted == 0) {
			e.previews.kept.Put(cacheKey, p)
		}
	}
	if p.broken != nil {
		res.Gates = append(res.Gates, rules.Gate{
			Name:   GateProposedConfig,
			Status: rules.StatusFail,
			Reason: brokenReason(p),
		})
		res.Conclusion = rules.ConclusionFailure
	}
	return previewMarkdown(p), nil
}

// brokenReason is the proposed_config gate's reason.
func brokenReason(p *preview) rules.Message {
	if p.layered {
		return rules.Messagef("the proposed %s does not combine with the layers below it; see the config-change preview below", p.file)
	}
	return rules.Messagef("the proposed %s is broken; see the config-change preview below", p.file)
}

// changesConfig says whether a changed file is the config file.
func changesConfig(files []rules.ChangedFile, path string) bool {
	for _, f := range files {
		if f.Path == path || f.PreviousPath == path {
			return true
		}
	}
	return false
}

// candidate is an open pull request to judge.
type candidate struct {
	repo    *github.Repository
	pr      *github.PullRequest
	private bool // more private than the config repository
}

// impactOf judges the open pull requests the proposed file governs: the
// repository's own, or, for the org file, those of every repository of the
// installation, at most MaxPreviewPulls in all, most recently updated
// repositories' first as GitHub lists them.
func (e *Evaluator) impactOf(ctx context.Context, gh *github.Client, job queue.Job, self int, proposed *rules.File) (*impact, error) {
	cfgRepo, _, err := gh.Repositories.Get(ctx, job.Owner, job.Repo)
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", job.Owner, job.Repo, err)
	}
	org := strings.EqualFold(job.Repo, e.opts.OrgConfigRepo)
	repos := []*github.Repository{cfgRepo}
	if org {
		all, err := ghclient.All(func(lo github.ListOptions) ([]*github.Repository, *github.Response, error) {
			page, resp, err := gh.Apps.ListRepos(ctx, &lo)
			if err != nil {
				return nil, resp, err
			}
			return page.Repositories, resp, nil
		})
		if err != nil {
			return nil, fmt.Errorf("list the installation's repositories: %w", err)
		}
		repos = repos[:0]
		for _, r := range all {
			if strings.EqualFold(r.GetOwner().GetLogin(), job.Owner) {
				repos = append(repos, r)
			}
		}
	}
	out := &impact{repos: len(repos)}
	var todo []candidate
	for _, r := range repos {
		if len(todo) > MaxPreviewPulls || out.listed == MaxPreviewRepos {
			break
		}
		out.listed++
		prs, err := ghclient.All(func(lo github.ListOptions) ([]*github.PullRequest, *github.Response, error) {
			return gh.PullRequests.List(ctx, job.Owner, r.GetName(), &github.PullRequestListOptions{State: "open", ListOptions: lo})
		})
		if err != nil {
			if _, limited := ghclient.RetryAt(err, time.Now()); limited {
				return nil, err
			}
			// Counted, and named only when no more private than the
			// config repository; the error itself (a URL, another
			// repository's name) goes to the log, never the comment.
			zerolog.Ctx(ctx).Warn().Err(err).Msg("config preview: open pull requests not listed")
			out.unlisted++
			if !morePrivate(r, cfgRepo) {
				out.unlistedNames = append(out.unlistedNames, job.Owner+"/"+r.GetName())
			}
			continue
		}
		for _, pr := range prs {
			if strings.EqualFold(r.GetName(), job.Repo) && pr.GetNumber() == self {
				continue // the config pull request itself
			}
			todo = append(todo, candidate{repo: r, pr: pr, private: morePrivate(r, cfgRepo)})
		}
	}
	if len(todo) > MaxPreviewPulls {
		todo, out.more = todo[:MaxPreviewPulls], true
	}
	orgFile, _, err := e.configs.file(ctx, gh, configKey{owner: job.Owner, repo: e.configs.orgRepo})
	if err != nil && !org {
		return nil, err // a broken current org file: nothing to compare with
	}
	for _, c := range todo {
		was, now, err := e.judgeBoth(ctx, gh, job.Owner, c.repo.GetName(), c.pr, org, proposed, orgFile)
		if err != nil {
			if _, limited := ghclient.RetryAt(err, time.Now()); limited {
				return nil, err
			}
			out.unreadable++
			continue
		}
		out.judged++
		if was != now && (was.pending || now.pending) {
			out.pending++ // waits for CI: not a change anyone can act on yet
			continue
		}
		if was == now {
			out.unchanged++
			continue
		}
		if c.private {
			out.hidden++
			continue
		}
		out.flips = append(out.flips, flip{repo: job.Owner + "/" + c.repo.GetName(), number: c.pr.GetNumber(), title: c.pr.GetTitle(), was: was, now: now})
	}
	slices.SortFunc(out.flips, func(a, b flip) int {
		return cmp.Or(strings.Compare(a.repo, b.repo), cmp.Compare(a.number, b.number))
	})
	return out, nil
}

// judgeBoth returns an open pull request's current outcome (from its
// tiergate check run where one is complete, else judged with the current
// config) and its outcome under the proposed file.
func (e *Evaluator) judgeBoth(ctx context.Context, gh *github.Client, owner, repo string, pr *github.PullRequest, org bool, proposed, currentOrg *rules.File) (was, now outcome, err error) {
	base := pr.GetBase().GetRef()
	var repoFile *rules.File
	if !strings.EqualFold(repo, e.configs.orgRepo) {
		repoFile, _, err = e.configs.file(ctx, gh, configKey{owner: owner, repo: repo, ref: base})
		if err != nil && !(org && isBroken(err)) {
			return was, now, err
		}
	}
	orgFile := currentOrg
	if org {
		orgFile = proposed
	} else {
		repoFile = proposed
	}
	cfg, err := rules.Resolve(orgFile, repoFile)
	if err != nil {
		return was, now, err
	}
	snap, _, err := e.gatherer.gather(ctx, gh, cfg, owner, repo, pr)
	if err != nil {
		return was, now, err
	}
	// Required checks are read as an evaluation reads them: a checks gate
	// left pending for want of reading would compare as a pass.
	if _, err := e.fillChecks(ctx, gh, cfg, owner, repo, &snap); err != nil {
		return was, now, err
	}
	now = outcomeOf(rules.Evaluate(cfg, snap))

	cur, err := e.checks.current(ctx, gh, owner, repo, pr.GetHead().GetSHA())
	if err != nil {
		return was, now, err
	}
	if cur != nil && cur.status == "completed" {
		if o, ok := outcomeOfTitle(cur.title); ok {
			return o, now, nil
		}
	}
	// No verdict of ours on its head: judge it with the current config.
	curCfg, _, err := e.configs.load(ctx, gh, owner, repo, base)
	if err != nil {
		return was, now, err
	}
	snap, _, err = e.gatherer.gather(ctx, gh, curCfg, owner, repo, pr)
	if err != nil {
		return was, now, err
	}
	if _, err := e.fillChecks(ctx, gh, curCfg, owner, repo, &snap); err != nil {
		return was, now, err
	}
	return outcomeOf(rules.Evaluate(curCfg, snap)), now, nil
}

func isBroken(err error) bool {
	var b *configBrokenError
	return errors.As(err, &b)
}

// outcomeOf reads a verdict: its gates pass when none fails and the config
// is sound, whatever the mode (report mode concludes neutral either way);
// it is pending when none fails but a required check has not completed.
func outcomeOf(r rules.Result) outcome {
	o := outcome{tier: r.Tier, pass: len(r.Errors) == 0}
	for _, g := range r.Gates {
		switch g.Status {
		case rules.StatusFail:
			o.pass = false
		case rules.StatusPending:
			o.pending = true
		}
	}
	if !o.pass {
		o.pending = false
	}
	return o
}

// outcomeOfTitle reads a check run title written by rules.Result.Title:
// "<tier> · N of M gates failing|passing ...", or a failure title.
func outcomeOfTitle(title string) (outcome, bool) {
	tierName, rest, ok := strings.Cut(title, " · ")
	if !ok {
		return outcome{}, false
	}
	tier, ok := rules.ParseTier(tierName)
	if !ok {
		return outcome{}, false // a configuration error or a failure to evaluate
	}
	return outcome{tier: tier, pass: !strings.Contains(rest, "failing")}, true
}

// morePrivate says r is more private than cfg: private over internal or
// public, internal over public.
func morePrivate(r, cfg *github.Repository) bool {
	rank := func(r *github.Repository) int {
		switch v := r.GetVisibility(); {
		case v == "private" || (v == "" && r.GetPrivate()):
			return 2
		case v == "internal":
			return 1
		}
		return 0
	}
	return rank(r) > rank(cfg)
}

// previewMarkdown renders a preview. Titles, repository names and file
// names are values (rules.Message): nothing in them can mention, link or
// add a row.
func previewMarkdown(p *preview) string {
	var b strings.Builder
	b.WriteString("\n### Config change preview\n\n")
	what := "the repository's config"
	if p.org {
		what = "the org-wide config"
	}
	fmt.Fprintf(&b, "This pull request changes %s, %s. The preview uses the file as proposed on its head; checks keep using the merged config until it is merged.\n\n",
		what, rules.Messagef("%s", p.file).Markdown())
	switch {
	case p.broken != nil && p.layered:
		below := "the current org config"
		if p.org {
			below = "the built-in defaults"
		}
		fmt.Fprintf(&b, "❌ **The proposed file is broken**: it is valid alone but cannot be combined with %s, so every pull request it governs would fail once merged. This check fails until it is fixed:\n\n", below)
		writeConfigErrors(&b, p.broken)
		return b.String()
	case p.broken != nil:
		b.WriteString("❌ **The proposed file is broken**, so this check fails until it is fixed:\n\n")
		writeConfigErrors(&b, p.broken)
		return b.String()
	case p.gone:
		b.WriteString("The pull request deletes the file: the layers below it (the org file, or built-in defaults) would apply.\n\n")
	default:
		b.WriteString("✅ The proposed file is valid.\n\n")
	}
	if !p.failed.IsZero() {
		fmt.Fprintf(&b, "⚠️ %s\n", p.failed.Markdown())
		return b.String()
	}
	im := p.impact
	if im == nil {
		return b.String()
	}
	changed := len(im.flips) + im.hidden
	fmt.Fprintf(&b, "**Impact on open pull requests:** %d judged with the proposed config and compared with their current verdict: %d would change, %d unchanged.\n\n",
		im.judged, changed, im.unchanged)
	if len(im.flips) > 0 {
		b.WriteString("| Pull request | Title | Now | With this change |\n|---|---|---|---|\n")
		for _, f := range im.flips {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", rules.Messagef("%s", fmt.Sprintf("%s#%d", f.repo, f.number)).MarkdownCell(),
				rules.Messagef("%s", f.title).MarkdownCell(), f.was, f.now)
		}
		b.WriteString("\n")
	}
	if im.hidden > 0 {
		fmt.Fprintf(&b, "%d more would change in repositories more private than this one (counts only).\n\n", im.hidden)
	}
	if im.pending > 0 {
		fmt.Fprintf(&b, "Of those judged, %d wait for CI (a required check is pending now or with this change): their verdict depends on CI, so they are not compared.\n\n", im.pending)
	}
	if im.unreadable > 0 {
		fmt.Fprintf(&b, "Open pull requests that could not be read, not counted: %d.\n\n", im.unreadable)
	}
	if im.unlisted > 0 {
		fmt.Fprintf(&b, "The open pull requests of %d repositories could not be listed, not judged", im.unlisted)
		if len(im.unlistedNames) > 0 {
			fmt.Fprintf(&b, ": %s", rules.Messagef("%s", strings.Join(im.unlistedNames, ", ")).Markdown())
			if n := im.unlisted - len(im.unlistedNames); n > 0 {
				fmt.Fprintf(&b, " and %d more private than this one", n)
			}
		}
		b.WriteString(". The preview is computed again on the next evaluation.\n\n")
	}
	if im.listed < im.repos {
		fmt.Fprintf(&b, "Only %d of the %d repositories were checked for open pull requests: at most %d are listed per preview.\n\n", im.listed, im.repos, MaxPreviewRepos)
	}
	if im.more {
		fmt.Fprintf(&b, "More than %d pull requests are open: only the first %d were judged.\n\n", MaxPreviewPulls, MaxPreviewPulls)
	}
	return b.String()
}

// writeConfigErrors lists a broken file's errors, file:line:col each.
func writeConfigErrors(b *strings.Builder, err error) {
	var ce rules.ConfigErrors
	if errors.As(err, &ce) {
		for _, e := range ce {
			fmt.Fprintf(b, "- %s\n", rules.Messagef("%s", e.Error()).Markdown())
		}
		return
	}
	fmt.Fprintf(b, "- %s\n", rules.Messagef("%s", err.Error()).Markdown())
}
