package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

const checkSynopsis = `tiergate check [flags]

Evaluates the changes from the merge base of base and head to head, as a pull
request from head into base would be evaluated, and prints the verdict. The
config is read from the base, as on GitHub. Reviews are not known locally:
review gates are reported as not checked and do not fail the verdict.

Exit status: 0 the gates pass, 1 a gate fails, 2 usage, config or git error.
With --format json, such an error also prints one line on stdout:
{"schema_version": 1, "error": {"kind": "usage|git|config|internal", "message": "..."}}`

// checkOptions are tiergate check's inputs.
type checkOptions struct {
	Repo               string   // the repository directory
	Base               string   // "" guesses the default branch
	Head               string   // defaults to HEAD
	Labels             []string // label names, as if on the pull request
	Config             string   // a repo config file replacing the base's
	ConfigFromWorktree bool     // read the repo config from the working tree
	OrgConfig          string   // an org config file, layered under the repo's
	Format             string   // text, markdown or json
	Schema             bool     // print the JSON Schema of --format json instead
	ApprovedAt         string   // a commit: would an approval given on it count at Head?

	Stdout io.Writer
	Stderr io.Writer
}

func checkCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts := checkOptions{Stdout: stdout, Stderr: stderr}
	fs := newFlagSet("check")
	fs.StringVar(&opts.Repo, "repo", ".", "the git `directory` to check")
	fs.StringVar(&opts.Base, "base", "", "the `ref` the change would merge into (default: origin/HEAD, else main, else master)")
	fs.StringVar(&opts.Head, "head", "HEAD", "the `ref` holding the change")
	fs.Var((*listFlag)(&opts.Labels), "label", "a pull request `label`; repeat or separate with commas")
	fs.StringVar(&opts.Config, "config", "", "use this repo config `file` instead of .github/tiergate.yml at the base")
	fs.BoolVar(&opts.ConfigFromWorktree, "config-from-worktree", false, "read .github/tiergate.yml from the working tree instead of the base")
	fs.StringVar(&opts.OrgConfig, "org-config", "", "an org-wide config `file` to layer under the repo config")
	fs.StringVar(&opts.Format, "format", "text", "output `format`: text, markdown or json")
	fs.BoolVar(&opts.Schema, "schema", false, "print the JSON Schema of --format json output and exit")
	fs.StringVar(&opts.ApprovedAt, "approved-at", "", "also say whether an approval given on this `commit` would still count at the head")
	pos, err := parseFlags(fs, checkSynopsis, args, stdout)
	if err != nil && formatFromArgs(args) == "json" {
		// The flag parser stops at the first bad flag, perhaps before
		// --format: the format is still what the caller asked for.
		opts.Format = "json"
	}
	if err == nil && len(pos) > 0 {
		err = usageErrorf("unexpected argument %q", pos[0])
	}
	if err == nil {
		err = runCheck(ctx, opts)
	}
	// Tooling reading JSON gets JSON even without a verdict. A usage
	// error before --format was parsed (an unknown flag ahead of it)
	// cannot know the format and stays on stderr only.
	if opts.Format == "json" {
		writeJSONError(ctx, stdout, err)
	}
	return err
}

// runCheck evaluates the change and prints the verdict. It returns
// exitStatus(1) for a failing verdict, once the verdict is printed.
func runCheck(ctx context.Context, opts checkOptions) error {
	if opts.Schema {
		if _, err := opts.Stdout.Write(rules.VerdictSchema); err != nil {
			return fmt.Errorf("writing the schema: %w", err)
		}
		return nil
	}
	render, err := renderer(opts.Format)
	if err != nil {
		return err
	}
	if opts.Config != "" && opts.ConfigFromWorktree {
		return usageErrorf("--config and --config-from-worktree cannot be used together")
	}
	if opts.Head == "" {
		opts.Head = "HEAD"
	}
	if opts.Repo == "" {
		opts.Repo = "."
	}
	g := gitRepo{dir: opts.Repo}

	head, err := g.resolveCommit(ctx, opts.Head)
	if err != nil {
		return g.explainShallow(ctx, err)
	}
	baseRef := opts.Base
	if baseRef == "" {
		if baseRef, err = g.defaultBase(ctx); err != nil {
			return err
		}
		if opts.Format == "text" {
			fmt.Fprintf(opts.Stderr, "tiergate: comparing against %s (guessed; pass --base to choose)\n", baseRef)
		}
	}
	base, err := g.resolveCommit(ctx, baseRef)
	if err != nil {
		return g.explainShallow(ctx, err)
	}

	cfg, err := loadConfig(ctx, g, baseRef, base, opts)
	if err != nil {
		var bad *badConfigError
		if !errors.As(err, &bad) {
			return err
		}
		printConfigErrors(opts.Stderr, bad.err)
		if bad.atBase {
			fmt.Fprintf(opts.Stderr, "tiergate: the config was read from the base (%s), as GitHub reads it; "+
				"pass --config-from-worktree to check your working copy instead\n", baseRef)
		}
		// Tooling reading stdout must see a failing verdict, not nothing.
		if opts.Format != "text" {
			res := rules.ConfigFailure(bad.err)
			res.HeadSHA = head
			if err := writeResult(opts.Stdout, render, res); err != nil {
				return err
			}
		}
		return exitStatus(2)
	}

	files, err := g.changedFiles(ctx, base, head)
	if err != nil {
		return g.explainShallow(ctx, fmt.Errorf("comparing %s with %s: %w", baseRef, opts.Head, err))
	}
	pr := rules.PullRequest{
		HeadSHA: head,
		Files:   files,
		Labels:  make([]rules.Label, 0, len(opts.Labels)),
		Local:   true,
	}
	for _, name := range opts.Labels {
		pr.Labels = append(pr.Labels, rules.Label{Name: name})
	}
	res := rules.Evaluate(cfg, pr)
	if opts.ApprovedAt != "" {
		if res.ApprovedAt, err = approvedAt(ctx, g, cfg, base, head, opts.ApprovedAt); err != nil {
			return err
		}
	}
	if err := writeResult(opts.Stdout, render, res); err != nil {
		return err
	}
	if res.Conclusion == rules.ConclusionFailure {
		return exitStatus(1)
	}
	return nil
}

// renderer returns the function printing a result in format.
func renderer(format string) (func(rules.Result) ([]byte, error), error) {
	switch format {
	case "text":
		return func(r rules.Result) ([]byte, error) { return []byte(rules.Text(r)), nil }, nil
	case "markdown":
		return func(r rules.Result) ([]byte, error) { return []byte(rules.Markdown(r)), nil }, nil
	case "json":
		return rules.JSON, nil
	}
	return nil, usageErrorf("unknown format %q: use text, markdown or json", format)
}

func writeResult(w io.Writer, render func(rules.Result) ([]byte, error), res rules.Result) error {
	out, err := render(res)
	if err != nil {
		return fmt.Errorf("rendering the verdict: %w", err)
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("writing the verdict: %w", err)
	}
	return nil
}

// formatFromArgs finds the value of --format in args without the flag
// parser, for errors the parser returns before it reaches --format.
func formatFromArgs(args []string) string {
	format := ""
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "format" {
			continue
		}
		switch {
		case hasValue:
			format = value
		case i+1 < len(args):
			format = args[i+1]
		}
	}
	return format
}
