package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/backtest"
	"github.com/tiergate/tiergate/bot/diskcache"
	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/rules"
)

const backtestSynopsis = `tiergate backtest --repo OWNER/NAME [flags]

Judges a repository's pull requests with a config, as tiergate would have:
each merged one as it stood when it was merged (its final head, and the
reviews and labels up to the merge), and prints a summary, then one line per
pull request. Without --config and --org-config, the config is the one on
GitHub now (the repository's and the org's, from their default branches);
with either, a layer not given is read from GitHub, and each pull request is
also judged with the current config to show where the two disagree.

Credentials: GITHUB_TOKEN or GH_TOKEN (read access suffices), or the App's,
as tiergate serve reads them (TIERGATE_APP_ID and TIERGATE_PRIVATE_KEY_FILE
or TIERGATE_PRIVATE_KEY), for the App's installation on the repository.

Exit status: 0 when it ran, whatever the verdicts; 2 for a usage, auth or
config error.`

// backtestOptions are tiergate backtest's inputs and dependencies.
type backtestOptions struct {
	Repo      string // OWNER/NAME
	Config    string
	OrgConfig string
	Since     string
	Last      int
	State     string
	Format    string
	CacheDir  string
	APIURL    string
	Schema    bool

	Env    func(string) string
	Stdout io.Writer
	Stderr io.Writer
	// Seams for tests; nil takes the real thing.
	Transport http.RoundTripper
	Sleep     func(ctx context.Context, d time.Duration) error
	Now       func() time.Time
	Terminal  func(io.Writer) bool
}

func backtestCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	return backtestCmdWith(ctx, args, backtestOptions{Env: env, Stdout: stdout, Stderr: stderr})
}

// backtestCmdWith parses args into opts, whose dependencies are set, and runs.
func backtestCmdWith(ctx context.Context, args []string, opts backtestOptions) error {
	fs := newFlagSet("backtest")
	fs.StringVar(&opts.Repo, "repo", "", "the `OWNER/NAME` of the repository (required)")
	fs.StringVar(&opts.Config, "config", "", "judge with this repo config `file` instead of the repository's")
	fs.StringVar(&opts.OrgConfig, "org-config", "", "judge with this org config `file` instead of the org's")
	fs.StringVar(&opts.Since, "since", "", "pull requests merged (closed; open: updated) since this `date`, YYYY-MM-DD or RFC 3339 (default: 30 days ago)")
	fs.IntVar(&opts.Last, "last", 0, fmt.Sprintf("the `N` most recent pull requests, of any age, 1..%d (default: at most %d)", backtest.MaxLimit, backtest.DefaultLimit))
	fs.StringVar(&opts.State, "state", "merged", "`merged`, closed (merged or not) or open")
	fs.StringVar(&opts.Format, "format", "text", "output `format`: text, markdown, json or csv")
	fs.StringVar(&opts.CacheDir, "cache", "", "keep GitHub's answers in this `directory`, so that a second run costs no rate limit")
	fs.StringVar(&opts.APIURL, "github-api-url", "", "REST base `URL`; GitHub Enterprise Server: https://HOST/api/v3/ (default: TIERGATE_GITHUB_API_URL, else https://api.github.com/)")
	fs.BoolVar(&opts.Schema, "schema", false, "print the JSON Schema of --format json output and exit")
	pos, err := parseFlags(fs, backtestSynopsis, args, opts.Stdout)
	if err != nil && formatFromArgs(args) == "json" {
		opts.Format = "json"
	}
	if err == nil && len(pos) > 0 {
		err = usageErrorf("unexpected argument %q", pos[0])
	}
	if err == nil {
		err = runBacktest(ctx, opts)
	}
	return backtestError(ctx, opts, err)
}

// backtestError reports err in one line (a JSON error object too, with
// --format json) and turns it into exit status 2.
func backtestError(ctx context.Context, opts backtestOptions, err error) error {
	var status exitStatus
	if err == nil || errors.As(err, &status) {
		return err
	}
	kind, msg := rules.ErrorInternal, oneLine(err.Error())
	var (
		usage *usageError
		cfg   *configError
		ce    rules.ConfigErrors
	)
	switch {
	case ctx.Err() != nil:
		msg = "interrupted"
	case errors.As(err, &usage):
		kind = rules.ErrorUsage
		msg += " (run 'tiergate backtest --help' for usage)"
	case errors.As(err, &ce):
		kind, msg = rules.ErrorConfig, "invalid config: "+ce[0].Error()
		if len(ce) > 1 {
			msg += fmt.Sprintf(" (and %d more; run 'tiergate validate' on the file)", len(ce)-1)
		}
	case errors.As(err, &cfg):
		kind = rules.ErrorConfig
	case errors.Is(err, backtest.ErrAuth), errors.Is(err, errNoCredentials):
		kind = rules.ErrorGitHub
	}
	fmt.Fprintf(opts.Stderr, "tiergate backtest: %s\n", msg)
	if opts.Format == "json" {
		_, _ = opts.Stdout.Write(rules.JSONError(kind, msg))
	}
	return exitStatus(2)
}

var errNoCredentials = errors.New("no GitHub credentials: set GITHUB_TOKEN or GH_TOKEN (read access to the repository suffices), or TIERGATE_APP_ID with TIERGATE_PRIVATE_KEY_FILE or TIERGATE_PRIVATE_KEY for the App")

// backtestRetry is how hard the backtest asks GitHub: a rate limit is
// waited out whatever its length (GitHub's primary limit resets within the
// hour), since there is no queue to come back later.
var backtestRetry = ghclient.RetryPolicy{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxWait: 65 * time.Minute}

func runBacktest(ctx context.Context, opts backtestOptions) error {
	if opts.Schema {
		_, err := opts.Stdout.Write(backtest.Schema)
		return err
	}
	write, err := backtestRenderer(opts.Format)
	if err != nil {
		return err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	bo, err := backtestScope(opts, now())
	if err != nil {
		return err
	}
	if bo.Given, err = givenLayers(opts); err != nil {
		return err
	}
	// Where the config files live, as the App reads it.
	orgRepo, configPath, err := bot.ConfigLocation(opts.Env)
	if err != nil {
		return usageErrorf("%v", err)
	}
	apiURL := opts.APIURL
	name := "--github-api-url"
	if apiURL == "" {
		apiURL, name = opts.Env("TIERGATE_GITHUB_API_URL"), "TIERGATE_GITHUB_API_URL"
	}
	if apiURL, err = bot.ParseAPIURL(name, apiURL); err != nil {
		return usageErrorf("%v", err)
	}

	terminal := isTerminal
	if opts.Terminal != nil {
		terminal = opts.Terminal
	}
	progress := newBacktestProgress(opts.Stderr, terminal(opts.Stderr), now)
	retry := backtestRetry
	retry.Sleep = opts.Sleep
	retry.OnWait = func(_ context.Context, reason string, d time.Duration) {
		if reason == "rate_limit" {
			progress.Waiting(now().Add(d))
		}
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	freezer := backtest.NewFreezer()
	gh, cache, err := backtestClient(ctx, opts, bo, apiURL, base, freezer, retry)
	if err != nil {
		return err
	}
	bo.Reader = evaluator.NewReader(orgRepo, configPath)
	bo.Freezer, bo.Progress, bo.Sleep, bo.Now = freezer, progress, opts.Sleep, now
	rep, err := backtest.Run(ctx, gh, bo)
	if err != nil {
		return err
	}
	st := cache.Stats()
	where := "in memory"
	if opts.CacheDir != "" {
		where = "from " + opts.CacheDir
	}
	fmt.Fprintf(opts.Stderr, "tiergate backtest: %d requests to GitHub (%d answered in full, %d unchanged: 304, free); %d answers served %s\n",
		st.Fetched+st.Revalidated, st.Fetched, st.Revalidated, st.Served, where)
	if st.WriteErrors > 0 {
		fmt.Fprintf(opts.Stderr, "tiergate backtest: %d answers could not be written to the cache\n", st.WriteErrors)
	}
	if err := write(opts.Stdout, rep); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func backtestRenderer(format string) (func(io.Writer, *backtest.Report) error, error) {
	switch format {
	case "text":
		return backtest.Text, nil
	case "markdown":
		return backtest.Markdown, nil
	case "json":
		return backtest.JSON, nil
	case "csv":
		return backtest.CSV, nil
	}
	return nil, usageErrorf("unknown format %q: use text, markdown, json or csv", format)
}

// backtestScope reads which pull requests to judge from the flags.
func backtestScope(opts backtestOptions, now time.Time) (backtest.Options, error) {
	var bo backtest.Options
	owner, repo, ok := strings.Cut(opts.Repo, "/")
	if opts.Repo == "" {
		return bo, usageErrorf("--repo OWNER/NAME is required")
	}
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return bo, usageErrorf("--repo must be OWNER/NAME, got %q", opts.Repo)
	}
	bo.Owner, bo.Repo = owner, repo
	state, ok := backtest.ParseState(opts.State)
	if !ok {
		return bo, usageErrorf("--state must be merged, closed or open, got %q", opts.State)
	}
	bo.State = state
	bo.Limit = backtest.DefaultLimit
	switch {
	case opts.Since != "" && opts.Last != 0:
		return bo, usageErrorf("--since and --last cannot be used together")
	case opts.Last != 0:
		if opts.Last < 1 || opts.Last > backtest.MaxLimit {
			return bo, usageErrorf("--last must be from 1 to %d, got %d", backtest.MaxLimit, opts.Last)
		}
		bo.Limit = opts.Last
	case opts.Since != "":
		since, err := parseSince(opts.Since)
		if err != nil {
			return bo, err
		}
		if since.After(now) {
			return bo, usageErrorf("--since %s is in the future", opts.Since)
		}
		bo.Since = since
	case state != backtest.StateOpen:
		bo.Since = now.Add(-backtest.DefaultWindow)
	}
	return bo, nil
}

func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--since must be a date, YYYY-MM-DD or RFC 3339 (2026-01-31T12:00:00Z), got %q", s)
}

// givenLayers parses --config and --org-config.
func givenLayers(opts backtestOptions) (evaluator.Layers, error) {
	var l evaluator.Layers
	for _, f := range []struct {
		name string
		dst  **rules.File
	}{{opts.OrgConfig, &l.Org}, {opts.Config, &l.Repo}} {
		if f.name == "" {
			continue
		}
		data, err := readConfigFile(f.name)
		if err != nil {
			return l, err
		}
		if *f.dst, err = rules.Parse(f.name, data); err != nil {
			return l, err
		}
	}
	return l, nil
}

// backtestClient authenticates: a token first, else the App's credentials
// for its installation on the repository. All answers pass through the
// cache, whose scope keeps different identities' answers apart without
// writing a secret to disk.
func backtestClient(ctx context.Context, opts backtestOptions, bo backtest.Options, apiURL string, base http.RoundTripper,
	freezer *backtest.Freezer, retry ghclient.RetryPolicy) (*github.Client, *diskcache.Transport, error) {
	token := opts.Env("GITHUB_TOKEN")
	if token == "" {
		token = opts.Env("GH_TOKEN")
	}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		cache, err := diskcache.New(base, opts.CacheDir, "token-"+hex.EncodeToString(sum[:8]), freezer.Rule)
		if err != nil {
			return nil, nil, usageErrorf("--cache %s: %v", opts.CacheDir, err)
		}
		gh, err := ghclient.NewTokenClient(ghclient.TokenOptions{Token: token, APIURL: apiURL, Transport: cache, Retry: retry})
		return gh, cache, err
	}
	appID, key, ok, err := bot.AppCredentials(opts.Env)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (%v)", errNoCredentials, err)
	}
	if !ok {
		return nil, nil, errNoCredentials
	}
	cache, err := diskcache.New(base, opts.CacheDir, fmt.Sprintf("app-%d", appID), freezer.Rule)
	if err != nil {
		return nil, nil, usageErrorf("--cache %s: %v", opts.CacheDir, err)
	}
	clients, err := ghclient.New(ghclient.Options{AppID: appID, PrivateKey: key, APIURL: apiURL, Transport: cache, Retry: retry})
	if err != nil {
		return nil, nil, err
	}
	inst, _, err := clients.App().Apps.FindRepositoryInstallation(ctx, bo.Owner, bo.Repo)
	if err != nil {
		var er *github.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound {
			return nil, nil, fmt.Errorf("%w: the App (ID %d) is not installed on %s/%s, or its installation cannot see it",
				backtest.ErrAuth, appID, bo.Owner, bo.Repo)
		}
		return nil, nil, fmt.Errorf("%w: finding the App's installation on %s/%s: %v", backtest.ErrAuth, bo.Owner, bo.Repo, err)
	}
	gh, err := clients.Installation(inst.GetID())
	return gh, cache, err
}
