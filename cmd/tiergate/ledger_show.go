package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
)

const showSynopsis = `tiergate ledger show [--database-url URL] [--format text|json] OWNER/NAME#N

Prints every verdict tiergate wrote on one pull request, newest first, with
the check run, the delivery that caused it, the config it was computed
with, each gate, the approvals counted and the override labels; and the
merge, when it was merged.`

// showOptions are tiergate ledger show's inputs.
type showOptions struct {
	DB          ledgerDB
	Owner, Repo string
	Number      int
	Format      string

	Stdout io.Writer
}

var pullRef = regexp.MustCompile(`^([^/#\s]+)/([^/#\s]+)#([0-9]+)$`)

func ledgerShowCmd(ctx context.Context, args []string, env func(string) string, stdout io.Writer) error {
	opts := showOptions{DB: ledgerDB{env: env}, Stdout: stdout}
	fs := newFlagSet("ledger show")
	fs.StringVar(&opts.DB.url, "database-url", "", "postgres:// URL of tiergate's database (default $TIERGATE_DATABASE_URL)")
	fs.StringVar(&opts.Format, "format", "text", "text or json")
	pos, err := parseFlags(fs, showSynopsis, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("want one pull request, OWNER/NAME#N")
	}
	m := pullRef.FindStringSubmatch(pos[0])
	if m == nil {
		return usageErrorf("want a pull request as OWNER/NAME#N, got %q", pos[0])
	}
	opts.Owner, opts.Repo = m[1], m[2]
	if opts.Number, err = strconv.Atoi(m[3]); err != nil || opts.Number <= 0 {
		return usageErrorf("want a pull request as OWNER/NAME#N, got %q", pos[0])
	}
	return runShow(ctx, opts)
}

func runShow(ctx context.Context, opts showOptions) error {
	if opts.Format != "text" && opts.Format != "json" {
		return usageErrorf("--format must be text or json, got %q", opts.Format)
	}
	l, closeDB, err := opts.DB.open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	entries, merge, err := l.History(ctx, opts.Owner, opts.Repo, opts.Number)
	if err != nil {
		return err
	}
	ref := fmt.Sprintf("%s/%s#%d", opts.Owner, opts.Repo, opts.Number)
	if opts.Format == "json" {
		return writeShowJSON(opts.Stdout, ref, entries, merge)
	}
	if len(entries) == 0 && merge == nil {
		fmt.Fprintf(opts.Stdout, "%s: nothing recorded\n", text(ref))
		return nil
	}
	writeShowText(opts.Stdout, ref, entries, merge)
	return nil
}

// statusIcons mark gate statuses in text output, as the check run does.
var statusIcons = map[string]string{
	"pass": "✅", "fail": "❌", "overridden": "🛡️", "not_required": "⏭️", "not_checked": "❔",
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func writeShowText(w io.Writer, ref string, entries []ledger.Entry, merge *ledger.MergeEvidence) {
	noun := "verdicts"
	if len(entries) == 1 {
		noun = "verdict"
	}
	fmt.Fprintf(w, "%s: %d %s recorded, newest first\n", text(ref), len(entries), noun)
	if m := merge; m != nil {
		fmt.Fprintf(w, "\nmerged %s by %s as %s (\"%s\" by %s, opened %s)\n", stamp(m.MergedAt), text(cmp.Or(m.MergedBy, "(unknown)")),
			short(m.MergeCommitSHA), text(m.Title), text(m.Author), stamp(m.CreatedAt))
		switch {
		case m.Verdict == nil:
			fmt.Fprintf(w, "  head %s had no verdict\n", short(m.HeadSHA))
		default:
			fmt.Fprintf(w, "  head %s stood on verdict #%d (check run %d, %s)\n", short(m.HeadSHA), m.Verdict.ID,
				m.Verdict.CheckRunID, verdictState(*m.Verdict))
		}
		if m.Bypass {
			fmt.Fprintf(w, "  BYPASS: %s\n", text(m.BypassReason))
		}
	}
	for _, e := range entries {
		fmt.Fprintf(w, "\n#%d %s  %s  %s\n", e.ID, stamp(e.RecordedAt), verdictState(e), text(e.Title))
		fmt.Fprintf(w, "  head %s, base %s; check run %d; delivery %s (%s)\n", short(e.HeadSHA), text(e.BaseRef),
			e.CheckRunID, text(cmp.Or(e.DeliveryID, "none")), text(e.Event))
		if e.Failure {
			var doc struct {
				Error struct{ Message string } `json:"error"`
			}
			_ = json.Unmarshal(e.JSON, &doc)
			fmt.Fprintf(w, "  could not evaluate: %s\n", text(doc.Error.Message))
			continue
		}
		fmt.Fprintf(w, "  tier %s, mode %s; config %s\n", cmp.Or(e.Tier, "none"), e.Mode, text(cmp.Or(e.ConfigFingerprint, "none")))
		for _, g := range e.Gates {
			fmt.Fprintf(w, "  %s %s: %s\n", statusIcons[g.Status], text(g.Name), text(g.Reason))
		}
		if len(e.Approvers) > 0 {
			var a []string
			for _, ap := range e.Approvers {
				line := text(ap.Login) + " on " + short(ap.Commit)
				if ap.Status != "counted" {
					line += " (" + ap.Status + ")"
				}
				a = append(a, line)
			}
			fmt.Fprintf(w, "  approvals counted: %s\n", strings.Join(a, ", "))
		}
		for _, o := range e.Overrides {
			fmt.Fprintf(w, "  override %s\n", text(overrideLine(o)))
		}
	}
}

// verdictState is "completed success", "in_progress", ...
func verdictState(e ledger.Entry) string {
	if e.Conclusion == "" {
		return e.Status
	}
	return e.Conclusion
}

// showJSON is the history of one pull request in JSON; each verdict keeps
// the JSON recorded (the verdict schema, version 1).
type showJSON struct {
	PullRequest string         `json:"pull_request"`
	Merge       *showMerge     `json:"merge"`
	Verdicts    []showJSONItem `json:"verdicts"`
}

type showMerge struct {
	MergedAt     time.Time `json:"merged_at"`
	MergedBy     string    `json:"merged_by"`
	MergeCommit  string    `json:"merge_commit"`
	HeadSHA      string    `json:"head_sha"`
	VerdictID    *int64    `json:"verdict_id"`
	Bypass       bool      `json:"bypass"`
	BypassReason *string   `json:"bypass_reason"`
}

type showJSONItem struct {
	ID                int64                `json:"id"`
	RecordedAt        time.Time            `json:"recorded_at"`
	Kind              string               `json:"kind"`
	Status            string               `json:"status"`
	Conclusion        *string              `json:"conclusion"`
	CheckRunID        int64                `json:"check_run_id"`
	HeadSHA           string               `json:"head_sha"`
	BaseSHA           string               `json:"base_sha"`
	BaseRef           string               `json:"base_ref"`
	DeliveryID        string               `json:"delivery_id"`
	Event             string               `json:"event"`
	ConfigFingerprint *string              `json:"config_fingerprint"`
	Config            []ledger.ConfigLayer `json:"config"`
	Verdict           json.RawMessage      `json:"verdict"`
}

func writeShowJSON(w io.Writer, ref string, entries []ledger.Entry, merge *ledger.MergeEvidence) error {
	out := showJSON{PullRequest: ref, Verdicts: []showJSONItem{}}
	if m := merge; m != nil {
		out.Merge = &showMerge{MergedAt: m.MergedAt.UTC(), MergedBy: m.MergedBy, MergeCommit: m.MergeCommitSHA,
			HeadSHA: m.HeadSHA, Bypass: m.Bypass, BypassReason: optional(m.BypassReason)}
		if m.Verdict != nil {
			out.Merge.VerdictID = &m.Verdict.ID
		}
	}
	for _, e := range entries {
		kind := "verdict"
		if e.Failure {
			kind = "failure"
		}
		config := e.Config
		if config == nil {
			config = []ledger.ConfigLayer{}
		}
		out.Verdicts = append(out.Verdicts, showJSONItem{
			ID: e.ID, RecordedAt: e.RecordedAt.UTC(), Kind: kind, Status: e.Status, Conclusion: optional(e.Conclusion),
			CheckRunID: e.CheckRunID, HeadSHA: e.HeadSHA, BaseSHA: e.BaseSHA, BaseRef: e.BaseRef, DeliveryID: e.DeliveryID,
			Event: e.Event, ConfigFingerprint: optional(e.ConfigFingerprint), Config: config, Verdict: e.JSON,
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
