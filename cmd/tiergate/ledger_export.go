package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/rules"
)

const exportSynopsis = `tiergate ledger export [--database-url URL] [--since DATE] [--until DATE] [--repo OWNER/NAME] [--format csv|json]

Prints one row per merged pull request, oldest merge first: its tier, the
verdict that stood on the merged head, the approvers with the commit each
approved, the override labels with who applied them, whether the merge
bypassed tiergate, and links to the pull request and the check run. Links
use the pull request's own URL as GitHub sent it (GitHub Enterprise Server
included); --web-url is used only for merges recorded without one.`

// exportOptions are tiergate ledger export's inputs.
type exportOptions struct {
	DB     ledgerDB
	Since  dateFlag
	Until  dateFlag
	Repo   string // OWNER/NAME or ""
	Format string // csv or json
	WebURL string

	Stdout io.Writer
}

func ledgerExportCmd(ctx context.Context, args []string, env func(string) string, stdout io.Writer) error {
	opts := exportOptions{DB: ledgerDB{env: env}, Until: dateFlag{endOfDay: true}, Stdout: stdout}
	fs := newFlagSet("ledger export")
	fs.StringVar(&opts.DB.url, "database-url", "", "postgres:// URL of tiergate's database (default $TIERGATE_DATABASE_URL)")
	fs.Var(&opts.Since, "since", "only merges at or after this date (2026-11-01) or time (RFC 3339)")
	fs.Var(&opts.Until, "until", "only merges before this time, or up to the end of this date")
	fs.StringVar(&opts.Repo, "repo", "", "only this repository, OWNER/NAME")
	fs.StringVar(&opts.Format, "format", "csv", "csv or json")
	fs.StringVar(&opts.WebURL, "web-url", "https://github.com", "GitHub's web address, for merges recorded without a pull request URL")
	pos, err := parseFlags(fs, exportSynopsis, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	return runExport(ctx, opts)
}

func runExport(ctx context.Context, opts exportOptions) error {
	if opts.Format != "csv" && opts.Format != "json" {
		return usageErrorf("--format must be csv or json, got %q", opts.Format)
	}
	var f ledger.Filter
	if opts.Repo != "" {
		owner, name, ok := strings.Cut(opts.Repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return usageErrorf("--repo must be OWNER/NAME, got %q", opts.Repo)
		}
		f.Owner, f.Repo = owner, name
	}
	f.Since, f.Until = opts.Since.t, opts.Until.t
	l, closeDB, err := opts.DB.open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	merges, err := l.Merges(ctx, f)
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		return writeExportJSON(opts.Stdout, merges, opts.WebURL)
	}
	return writeExportCSV(opts.Stdout, merges, opts.WebURL)
}

// exportColumns are the CSV header.
var exportColumns = []string{
	"repository", "number", "title", "author", "pull_request_url", "created_at", "merged_at", "merged_by",
	"merge_commit", "head_sha", "base_ref", "tier", "conclusion", "verdict", "check_run_url", "verdict_recorded_at",
	"config", "approvers", "overrides", "bypass", "bypass_reason",
}

// writeExportCSV writes one row per merge. Every cell goes through
// rules.CSVCell, so a title or login cannot become a spreadsheet formula;
// encoding/csv does the quoting.
func writeExportCSV(w io.Writer, merges []ledger.MergeEvidence, webURL string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, m := range merges {
		var tier, conclusion, title, recorded, config string
		if v := m.Verdict; v != nil {
			tier, conclusion, title, config = v.Tier, v.Conclusion, v.Title, v.ConfigFingerprint
			recorded = v.RecordedAt.UTC().Format(time.RFC3339)
		}
		var approvers, overrides []string
		for _, a := range m.Approvers {
			approvers = append(approvers, approverLine(a))
		}
		for _, o := range m.Overrides {
			overrides = append(overrides, overrideLine(o))
		}
		row := []string{
			m.Owner + "/" + m.Repo, strconv.Itoa(m.Number), m.Title, m.Author, m.PullRequestURL(webURL),
			m.CreatedAt.UTC().Format(time.RFC3339), m.MergedAt.UTC().Format(time.RFC3339), m.MergedBy, m.MergeCommitSHA,
			m.HeadSHA, m.BaseRef, tier, conclusion, title, m.CheckRunURL(webURL), recorded, config,
			strings.Join(approvers, "; "), strings.Join(overrides, "; "), strconv.FormatBool(m.Bypass), m.BypassReason,
		}
		for i := range row {
			row[i] = rules.CSVCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// approverLine is one approver: "alice@<commit>", and " (kept)" for an
// approval kept after a rebase that changed nothing.
func approverLine(a ledger.Approver) string {
	s := a.Login + "@" + a.Commit
	if a.Status != "counted" {
		s += " (" + a.Status + ")"
	}
	return s
}

// overrideLine is one override for a CSV cell or a terminal:
// "tiergate/skip-tests by carol: applied (tests)".
func overrideLine(o ledger.Override) string {
	s := o.Label + " by " + cmp.Or(o.By, "(unknown)") + ": " + o.Status
	if len(o.Gates) > 0 {
		s += " (" + strings.Join(o.Gates, ", ") + ")"
	}
	if o.Status == "ignored" && o.Reason != "" {
		s += ": " + o.Reason
	}
	return s
}

// exportJSON is one merge in the JSON export.
type exportJSON struct {
	Repository    string            `json:"repository"`
	Number        int               `json:"number"`
	Title         string            `json:"title"`
	Author        string            `json:"author"`
	URL           string            `json:"url"`
	CreatedAt     time.Time         `json:"created_at"`
	MergedAt      time.Time         `json:"merged_at"`
	MergedBy      string            `json:"merged_by"`
	MergeCommit   string            `json:"merge_commit"`
	HeadSHA       string            `json:"head_sha"`
	BaseSHA       string            `json:"base_sha"`
	BaseRef       string            `json:"base_ref"`
	Tier          *string           `json:"tier"`
	Verdict       *exportVerdict    `json:"verdict"`
	Approvers     []ledger.Approver `json:"approvers"`
	Overrides     []ledger.Override `json:"overrides"`
	Bypass        bool              `json:"bypass"`
	BypassReason  *string           `json:"bypass_reason"`
	MergeRecorded time.Time         `json:"merge_recorded_at"`
	MergeDelivery string            `json:"merge_delivery_id"`
}

// exportVerdict is the verdict that stood on the merged head.
type exportVerdict struct {
	Status            string               `json:"status"`
	Conclusion        *string              `json:"conclusion"`
	Title             string               `json:"title"`
	Mode              *string              `json:"mode"`
	CheckRunID        int64                `json:"check_run_id"`
	CheckRunURL       string               `json:"check_run_url"`
	RecordedAt        time.Time            `json:"recorded_at"`
	DeliveryID        string               `json:"delivery_id"`
	Event             string               `json:"event"`
	ConfigFingerprint *string              `json:"config_fingerprint"`
	Config            []ledger.ConfigLayer `json:"config"`
	Gates             []ledger.Gate        `json:"gates"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeExportJSON writes the merges as one JSON array.
func writeExportJSON(w io.Writer, merges []ledger.MergeEvidence, webURL string) error {
	out := make([]exportJSON, 0, len(merges))
	for _, m := range merges {
		e := exportJSON{
			Repository: m.Owner + "/" + m.Repo, Number: m.Number, Title: m.Title, Author: m.Author,
			URL: m.PullRequestURL(webURL), CreatedAt: m.CreatedAt.UTC(), MergedAt: m.MergedAt.UTC(), MergedBy: m.MergedBy,
			MergeCommit: m.MergeCommitSHA, HeadSHA: m.HeadSHA, BaseSHA: m.BaseSHA, BaseRef: m.BaseRef,
			Approvers: m.Approvers, Overrides: m.Overrides, Bypass: m.Bypass, BypassReason: optional(m.BypassReason),
			MergeRecorded: m.RecordedAt.UTC(), MergeDelivery: m.DeliveryID,
		}
		if v := m.Verdict; v != nil {
			e.Tier = optional(v.Tier)
			config := v.Config
			if config == nil {
				config = []ledger.ConfigLayer{}
			}
			e.Verdict = &exportVerdict{
				Status: v.Status, Conclusion: optional(v.Conclusion), Title: v.Title, Mode: optional(v.Mode),
				CheckRunID: v.CheckRunID, CheckRunURL: m.CheckRunURL(webURL), RecordedAt: v.RecordedAt.UTC(),
				DeliveryID: v.DeliveryID, Event: v.Event, ConfigFingerprint: optional(v.ConfigFingerprint),
				Config: config, Gates: v.Gates,
			}
		}
		out = append(out, e)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
