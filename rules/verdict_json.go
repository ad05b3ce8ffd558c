package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the version of the JSON verdict. It changes only when a
// field is removed or changes meaning; new fields and new values of an
// enumeration (such as a gate status) may appear within a version, so
// scripts should ignore fields they do not know and treat an unknown gate
// status as not passing.
const SchemaVersion = 1

// VerdictSchema is the JSON Schema (draft 2020-12) of every verdict and
// error that tiergate prints with --format json.
//
//go:embed verdict.schema.json
var VerdictSchema []byte

type jsonVerdict struct {
	SchemaVersion int            `json:"schema_version"`
	Tier          *string        `json:"tier"`
	TierReason    string         `json:"tier_reason"`
	Mode          string         `json:"mode"`
	Conclusion    Conclusion     `json:"conclusion"`
	Title         string         `json:"title"`
	HeadSHA       *string        `json:"head_sha"`
	Change        *jsonChange    `json:"change"`
	CriticalPaths []jsonTouched  `json:"critical_paths"`
	Labels        []jsonLabel    `json:"labels"`
	Gates         []jsonGate     `json:"gates"`
	Overrides     []jsonOverride `json:"overrides"`
	Warnings      []Message      `json:"warnings"`
	Errors        []Message      `json:"errors"`
	ApprovedAt    *jsonApproval  `json:"approved_at,omitempty"`
}

// jsonApproval is tiergate check --approved-at's answer.
type jsonApproval struct {
	Commit string       `json:"commit"`
	Status ReviewStatus `json:"status"`
	Reason Message      `json:"reason"`
	File   *string      `json:"file"`
}

// jsonComparison is how an approval's change compared with the head's.
type jsonComparison struct {
	Outcome ChangeOutcome `json:"outcome"`
	File    *string       `json:"file"`
}

type jsonChange struct {
	Files        int  `json:"files"`
	FilesListed  int  `json:"files_listed"`
	Truncated    bool `json:"truncated"`
	Additions    int  `json:"additions"`
	Deletions    int  `json:"deletions"`
	ChangedLines int  `json:"changed_lines"`
}

type jsonTouched struct {
	Name       string         `json:"name"`
	MinTier    *string        `json:"min_tier"`
	Files      []jsonTouching `json:"files"`
	FilesTotal int            `json:"files_total"`
	Assumed    bool           `json:"assumed"`
}

type jsonTouching struct {
	Path         string  `json:"path"`
	PreviousPath *string `json:"previous_path"`
	MatchedBy    string  `json:"matched_by"`
}

type jsonLabel struct {
	Name      string  `json:"name"`
	AppliedBy *string `json:"applied_by"`
	Role      string  `json:"role"`
	Tier      *string `json:"tier,omitempty"`
	Decided   *bool   `json:"decided,omitempty"`
	Gate      *string `json:"gate,omitempty"`
}

type jsonGate struct {
	Name      string              `json:"name"`
	Status    Status              `json:"status"`
	Reason    Message             `json:"reason"`
	Files     *FileFigures        `json:"files,omitempty"`
	Approvals *jsonApprovalFigure `json:"approvals,omitempty"`
	Size      *jsonSizeFigure     `json:"size,omitempty"`
	Team      *jsonTeamFigure     `json:"team,omitempty"`
	Checks    *jsonCheckFigure    `json:"checks,omitempty"`
}

type jsonCheckFigure struct {
	TimeoutSeconds int64               `json:"timeout_seconds"`
	Skipped        string              `json:"skipped"`
	Deadline       *string             `json:"deadline"`
	Required       []jsonRequiredCheck `json:"required"`
}

type jsonRequiredCheck struct {
	Name          string           `json:"name"`
	App           *string          `json:"app"`
	StatusCreator *string          `json:"status_creator"`
	RequiredBy    *string          `json:"required_by"`
	State         CheckState       `json:"state"`
	Matches       []jsonCheckMatch `json:"matches"`
}

type jsonCheckMatch struct {
	Kind        CheckKind        `json:"kind"`
	Name        string           `json:"name"`
	Source      *string          `json:"source"`
	Status      CheckStatus      `json:"status"`
	Conclusion  *CheckConclusion `json:"conclusion"`
	StartedAt   *string          `json:"started_at"`
	CompletedAt *string          `json:"completed_at"`
	URL         *string          `json:"url"`
}

// jsonTime is a time in RFC 3339, UTC, or null when zero.
func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func checksJSON(f *CheckFigures) *jsonCheckFigure {
	out := &jsonCheckFigure{TimeoutSeconds: int64(f.Timeout / time.Second), Skipped: f.Skipped.String(),
		Deadline: jsonTime(f.Deadline), Required: []jsonRequiredCheck{}}
	for _, o := range f.Required {
		jr := jsonRequiredCheck{Name: o.Name, App: optional(o.App), StatusCreator: optional(o.StatusCreator),
			RequiredBy: optional(o.RequiredBy), State: o.State, Matches: []jsonCheckMatch{}}
		for _, c := range o.Matches {
			jr.Matches = append(jr.Matches, jsonCheckMatch{Kind: c.Kind, Name: c.Name, Source: optional(c.Source), Status: c.Status,
				Conclusion: optional(c.Conclusion), StartedAt: jsonTime(c.StartedAt), CompletedAt: jsonTime(c.CompletedAt), URL: optional(c.URL)})
		}
		out.Required = append(out.Required, jr)
	}
	return out
}

type jsonApprovalFigure struct {
	Required   int          `json:"required"`
	RequiredBy *string      `json:"required_by"`
	Counted    *int         `json:"counted"`
	Reviews    []jsonReview `json:"reviews"`
}

type jsonReview struct {
	Login  string          `json:"login"`
	Status ReviewStatus    `json:"status"`
	Commit *string         `json:"commit"`
	Reason *Message        `json:"reason"`
	Change *jsonComparison `json:"compared_with_head,omitempty"`
}

type jsonSizeFigure struct {
	Limit        *int `json:"limit"`
	ChangedLines int  `json:"changed_lines"`
	Exact        bool `json:"exact"`
}

type jsonTeamFigure struct {
	CriticalPath string   `json:"critical_path"`
	Teams        []string `json:"teams"`
	ApprovedBy   *string  `json:"approved_by"`
	Team         *string  `json:"team"`
	UnknownTeams []string `json:"unknown_teams"`
}

type jsonOverride struct {
	Gate   string   `json:"gate"`
	Label  string   `json:"label"`
	By     *string  `json:"by"`
	Status string   `json:"status"`
	Gates  []string `json:"gates"`
	Reason Message  `json:"reason"`
}

// MarshalJSON makes the figures render with snake_case names.
func (f FileFigures) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Source  int `json:"source"`
		Matched int `json:"matched"`
	}{f.Source, f.Matched})
}

func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// verdictJSON is the documented shape of a verdict (see VerdictSchema).
func verdictJSON(r Result) jsonVerdict {
	out := jsonVerdict{
		SchemaVersion: SchemaVersion,
		TierReason:    r.TierReason.String(),
		Mode:          r.Mode.String(),
		Conclusion:    r.Conclusion,
		Title:         r.Title(),
		HeadSHA:       optional(r.HeadSHA),
		CriticalPaths: []jsonTouched{},
		Labels:        []jsonLabel{},
		Gates:         []jsonGate{},
		Overrides:     []jsonOverride{},
		Warnings:      orEmpty(r.Warnings),
		Errors:        orEmpty(r.Errors),
	}
	if r.Tier != TierNone {
		out.Tier = optional(r.Tier.String())
		c := r.Change
		out.Change = &jsonChange{
			Files: c.Files, FilesListed: c.FilesListed, Truncated: c.Truncated,
			Additions: c.Additions, Deletions: c.Deletions, ChangedLines: c.ChangedLines(),
		}
	}
	for _, p := range r.CriticalPaths {
		t := jsonTouched{Name: p.Name, FilesTotal: p.FilesTotal, Assumed: p.Unlisted, Files: []jsonTouching{}}
		if p.MinTier != TierNone {
			t.MinTier = optional(p.MinTier.String())
		}
		for _, f := range p.Files {
			jf := jsonTouching{Path: f.Path, MatchedBy: "path"}
			if f.PreviousPath != "" && f.PreviousPath != f.Path {
				jf.PreviousPath = optional(f.PreviousPath)
			}
			if f.ByPreviousPath {
				jf.MatchedBy = "previous_path"
			}
			t.Files = append(t.Files, jf)
		}
		out.CriticalPaths = append(out.CriticalPaths, t)
	}
	for _, l := range r.Labels {
		jl := jsonLabel{Name: l.Name, AppliedBy: optional(l.AppliedBy)}
		if l.Override != "" {
			jl.Role, jl.Gate = "override", optional(l.Override)
		} else {
			decided := l.Decided
			jl.Role, jl.Tier, jl.Decided = "tier", optional(l.Tier.String()), &decided
		}
		out.Labels = append(out.Labels, jl)
	}
	for _, g := range r.Gates {
		jg := jsonGate{Name: g.Name, Status: g.Status, Reason: g.Reason, Files: g.Files}
		if a := g.Approvals; a != nil {
			ja := &jsonApprovalFigure{Required: a.Required, RequiredBy: optional(a.RequiredBy), Reviews: []jsonReview{}}
			if a.Checked {
				counted := a.Counted
				ja.Counted = &counted
			}
			for _, rv := range a.Reviews {
				jr := jsonReview{Login: rv.Login, Status: rv.Status, Commit: optional(rv.Commit)}
				if !rv.Reason.IsZero() {
					reason := rv.Reason
					jr.Reason = &reason
				}
				if c := rv.Change; c != nil {
					jr.Change = &jsonComparison{Outcome: c.Outcome, File: optional(c.File)}
				}
				ja.Reviews = append(ja.Reviews, jr)
			}
			jg.Approvals = ja
		}
		if s := g.Size; s != nil {
			jg.Size = &jsonSizeFigure{Limit: optional(s.Limit), ChangedLines: s.ChangedLines, Exact: s.Exact}
		}
		if t := g.Team; t != nil {
			jg.Team = &jsonTeamFigure{
				CriticalPath: t.Path, Teams: orEmpty(t.Teams), ApprovedBy: optional(t.ApprovedBy),
				Team: optional(t.Team), UnknownTeams: orEmpty(t.Unknown),
			}
		}
		if g.Checks != nil {
			jg.Checks = checksJSON(g.Checks)
		}
		out.Gates = append(out.Gates, jg)
	}
	if a := r.ApprovedAt; a != nil {
		out.ApprovedAt = &jsonApproval{Commit: a.Commit, Status: a.Status, Reason: a.Reason}
		if a.Change != nil {
			out.ApprovedAt.File = optional(a.Change.File)
		}
	}
	for _, o := range r.Overrides {
		jo := jsonOverride{Gate: o.Gate, Label: o.Label, By: optional(o.By), Gates: orEmpty(o.Applied), Reason: o.Reason}
		switch {
		case !o.Accepted:
			jo.Status = "ignored"
		case len(o.Applied) == 0:
			jo.Status = "not_needed"
		default:
			jo.Status = "applied"
		}
		out.Overrides = append(out.Overrides, jo)
	}
	return out
}

// JSON renders the verdict for tools, in the shape VerdictSchema describes.
// Lists are never null; a value that is unknown or does not apply is null.
func JSON(r Result) ([]byte, error) {
	b, err := json.MarshalIndent(verdictJSON(r), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render json: %w", err)
	}
	return append(b, '\n'), nil
}

// Error kinds of a JSON error object.
const (
	ErrorUsage    = "usage"
	ErrorGit      = "git"
	ErrorConfig   = "config"
	ErrorGitHub   = "github"
	ErrorInternal = "internal"
)

// JSONError renders an error that ended a command without a verdict, in the
// shape VerdictSchema describes: {"schema_version": 1, "error": {...}}.
func JSONError(kind, message string) []byte {
	b, _ := json.Marshal(struct {
		SchemaVersion int `json:"schema_version"`
		Error         struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		} `json:"error"`
	}{SchemaVersion: SchemaVersion, Error: struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	}{kind, message}})
	return append(b, '\n')
}
