package backtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tiergate/tiergate/rules"
)

// Schema is the JSON Schema (draft 2020-12) of JSON's output. Each pull
// request's "verdict" is a verdict exactly as tiergate check --format json
// prints it: the schema refers to rules.VerdictSchema by its $id rather
// than copying it, so the two cannot drift apart.
//
//go:embed backtest.schema.json
var Schema []byte

// The verdict is wrapped, not extended: a pull request's number, title and
// outcome sit beside its verdict, which stays byte for byte the documented
// verdict, so a script that reads `tiergate check --format json` reads each
// of them unchanged.
type jsonReport struct {
	SchemaVersion int          `json:"schema_version"`
	Backtest      jsonBacktest `json:"backtest"`
	PullRequests  []jsonPull   `json:"pull_requests"`
}

type jsonBacktest struct {
	Repository    string          `json:"repository"`
	State         string          `json:"state"`
	Since         *time.Time      `json:"since"`
	Until         time.Time       `json:"until"`
	Limit         int             `json:"limit"`
	Truncated     bool            `json:"truncated"`
	Config        []string        `json:"config"`
	CurrentConfig []string        `json:"current_config"`
	Notes         []rules.Message `json:"notes"`
	Summary       jsonSummary     `json:"summary"`
}

type jsonSummary struct {
	Total         int              `json:"total"`
	Passed        int              `json:"passed"`
	Overridden    int              `json:"overridden"`
	Failed        int              `json:"failed"`
	Errors        int              `json:"errors"`
	Pending       int              `json:"pending"`
	FailedByGate  map[string]int   `json:"failed_by_gate"`
	ByTier        map[string]tierN `json:"by_tier"`
	CriticalPaths map[string]pathN `json:"critical_paths"`
	Comparison    *jsonComparison  `json:"comparison"`
}

type tierN struct {
	Total  int `json:"total"`
	Failed int `json:"failed"`
}

type pathN struct {
	Touched int `json:"touched"`
	Failed  int `json:"failed"`
}

type jsonComparison struct {
	Differ      int `json:"differ"`
	PassToFail  int `json:"pass_to_fail"`
	FailToPass  int `json:"fail_to_pass"`
	TierChanged int `json:"tier_changed"`
}

type jsonPull struct {
	Number  int             `json:"number"`
	Title   string          `json:"title"`
	Author  string          `json:"author"`
	AsOf    *time.Time      `json:"as_of"`
	Outcome Verdict         `json:"outcome"`
	Verdict json.RawMessage `json:"verdict"`
	Current *jsonOutcome    `json:"current"`
	Differs bool            `json:"differs"`
	Error   *string         `json:"error"`
}

type jsonOutcome struct {
	Tier         rules.Tier `json:"tier"`
	Outcome      Verdict    `json:"outcome"`
	FailingGates []string   `json:"failing_gates"`
}

// JSON writes the report as one JSON object in the shape Schema describes.
func JSON(w io.Writer, rep *Report) error {
	s := Summarize(rep)
	out := jsonReport{
		SchemaVersion: rules.SchemaVersion,
		Backtest: jsonBacktest{
			Repository: rep.Repo, State: rep.State.String(), Until: rep.Until.UTC(),
			Limit: rep.Limit, Truncated: rep.Truncated, Config: orEmpty(rep.Config),
			CurrentConfig: rep.Current, Notes: rep.Notes,
			Summary: jsonSummary{
				Total: s.Total, Passed: s.Passed, Overridden: s.Overridden, Failed: s.Failed, Errors: s.Errors, Pending: s.Pending,
				FailedByGate: map[string]int{}, ByTier: map[string]tierN{}, CriticalPaths: map[string]pathN{},
			},
		},
		PullRequests: []jsonPull{},
	}
	if out.Backtest.Notes == nil {
		out.Backtest.Notes = []rules.Message{}
	}
	if !rep.Since.IsZero() {
		since := rep.Since.UTC()
		out.Backtest.Since = &since
	}
	for _, c := range s.ByGate {
		out.Backtest.Summary.FailedByGate[c.Name] = c.N
	}
	for _, t := range s.ByTier {
		out.Backtest.Summary.ByTier[t.Tier.String()] = tierN{Total: t.Total, Failed: t.Failed}
	}
	for _, c := range s.CriticalPaths {
		out.Backtest.Summary.CriticalPaths[c.Name] = pathN{Touched: c.Touched, Failed: c.Failed}
	}
	if s.Compared {
		out.Backtest.Summary.Comparison = &jsonComparison{Differ: s.Differ, PassToFail: s.PassToFail, FailToPass: s.FailToPass, TierChanged: s.TierChanged}
	}
	for _, p := range rep.Pulls {
		jp := jsonPull{Number: p.Number, Title: p.Title, Author: p.Author, Outcome: p.Verdict, Differs: p.Differs(), Verdict: json.RawMessage("null")}
		if !p.At.IsZero() {
			at := p.At.UTC()
			jp.AsOf = &at
		}
		if p.Err != nil {
			msg := p.Err.Error()
			jp.Error = &msg
		} else {
			v, err := rules.JSON(p.Result)
			if err != nil {
				return fmt.Errorf("pull request #%d: %w", p.Number, err)
			}
			jp.Verdict = v
		}
		if p.Current != nil {
			jp.Current = &jsonOutcome{Tier: p.Current.Tier, Outcome: p.Current.Verdict, FailingGates: orEmpty(p.Current.Failing)}
		}
		out.PullRequests = append(out.PullRequests, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("render json: %w", err)
	}
	return nil
}
