package rules

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Title is the verdict in one line, e.g. "platform · 1 of 4 gates failing".
// Gates that are not required are not counted.
func (r Result) Title() string {
	if len(r.Errors) > 0 && r.Tier == TierNone {
		return "configuration error · no gates evaluated"
	}
	var counted, failing, overridden, unchecked int
	for _, g := range r.Gates {
		switch g.Status {
		case StatusNotRequired:
			continue
		case StatusFail:
			failing++
		case StatusOverridden:
			overridden++
		case StatusNotChecked:
			unchecked++
		}
		counted++
	}
	title := fmt.Sprintf("%s · ", r.Tier)
	switch {
	case failing > 0:
		title += fmt.Sprintf("%d of %d %s failing", failing, counted, plural(counted, "gate", "gates"))
	case counted == 0:
		title += "no gates required"
	default:
		title += fmt.Sprintf("%d of %d %s passing", counted-unchecked, counted, plural(counted, "gate", "gates"))
	}
	if overridden > 0 {
		title += fmt.Sprintf(" · %d overridden", overridden)
	}
	if unchecked > 0 {
		title += fmt.Sprintf(" · %d checked on GitHub", unchecked)
	}
	if r.Mode == ModeReport && r.Conclusion == ConclusionNeutral {
		title += " (report only)"
	}
	return title
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s Status) icon() string {
	switch s {
	case StatusPass:
		return "✅"
	case StatusFail:
		return "❌"
	case StatusOverridden:
		return "🛡️"
	case StatusNotRequired:
		return "⏭️"
	case StatusNotChecked:
		return "❔"
	}
	return "?"
}

func (c Conclusion) icon() string {
	switch c {
	case ConclusionSuccess:
		return "✅"
	case ConclusionFailure:
		return "❌"
	}
	return "⚠️"
}

// mdEscaper keeps names from files, labels and users from breaking the
// table or smuggling HTML (such as a fake copy of the comment marker).
var mdEscaper = strings.NewReplacer(
	"|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`,
)

// Markdown renders the verdict for the check run summary and the PR
// comment: a title line, how the tier was decided, a table of gates, then
// overrides, errors and warnings.
func Markdown(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s tiergate: %s\n\n", r.Conclusion.icon(), mdEscaper.Replace(r.Title()))
	if r.Tier != TierNone {
		fmt.Fprintf(&b, "**Tier: %s** — %s\n\n", r.Tier, mdEscaper.Replace(r.TierReason))
	}
	if len(r.Errors) > 0 {
		b.WriteString("**The configuration is broken.** Fix it on the base branch; until then every pull request fails this check:\n\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "- %s\n", mdEscaper.Replace(e))
		}
		b.WriteString("\n")
	}
	if len(r.Gates) > 0 {
		b.WriteString("| | Gate | Result |\n|---|---|---|\n")
		for _, g := range r.Gates {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", g.Status.icon(), strings.ReplaceAll(g.Name, "`", "'"), mdEscaper.Replace(g.Reason))
		}
		b.WriteString("\n")
	}
	if len(r.Overrides) > 0 {
		b.WriteString("**Overrides**\n\n")
		for _, o := range r.Overrides {
			icon := "🛡️"
			if !o.Accepted {
				icon = "🚫"
			}
			fmt.Fprintf(&b, "- %s `%s` (%s) — %s\n", icon, strings.ReplaceAll(o.Label, "`", "'"), o.Gate, mdEscaper.Replace(o.Reason))
		}
		b.WriteString("\n")
	}
	if len(r.Warnings) > 0 {
		b.WriteString("**Warnings**\n\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- ⚠️ %s\n", mdEscaper.Replace(w))
		}
		b.WriteString("\n")
	}
	if r.Mode == ModeReport {
		b.WriteString("<sub>mode: report — this check reports but never blocks merging.</sub>\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// Text renders the verdict for a terminal.
func Text(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tiergate: %s (%s)\n", r.Title(), r.Conclusion)
	if r.Tier != TierNone {
		fmt.Fprintf(&b, "tier: %s — %s\n", r.Tier, r.TierReason)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	if len(r.Gates) > 0 {
		b.WriteString("\n")
		width := 0
		for _, g := range r.Gates {
			width = max(width, len(g.Name))
		}
		for _, g := range r.Gates {
			fmt.Fprintf(&b, "  %-12s %-*s  %s\n", strings.ToUpper(g.Status.String()), width, g.Name, g.Reason)
		}
	}
	if len(r.Overrides) > 0 {
		b.WriteString("\noverrides:\n")
		for _, o := range r.Overrides {
			fmt.Fprintf(&b, "  %s (%s): %s\n", o.Label, o.Gate, o.Reason)
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\nwarnings:\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "  %s\n", w)
		}
	}
	if r.Mode == ModeReport {
		b.WriteString("\nmode: report (never blocks)\n")
	}
	return b.String()
}

type jsonGate struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Reason string `json:"reason"`
}

type jsonOverride struct {
	Gate     string `json:"gate"`
	Label    string `json:"label"`
	By       string `json:"by"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"`
}

type jsonResult struct {
	Tier       string         `json:"tier"`
	TierReason string         `json:"tier_reason"`
	Mode       string         `json:"mode"`
	Conclusion Conclusion     `json:"conclusion"`
	Title      string         `json:"title"`
	HeadSHA    string         `json:"head_sha,omitempty"`
	Gates      []jsonGate     `json:"gates"`
	Overrides  []jsonOverride `json:"overrides"`
	Warnings   []string       `json:"warnings"`
	Errors     []string       `json:"errors"`
}

// JSON renders the verdict for tools. Lists are never null.
func JSON(r Result) ([]byte, error) {
	out := jsonResult{
		Mode:       r.Mode.String(),
		TierReason: r.TierReason,
		Conclusion: r.Conclusion,
		Title:      r.Title(),
		HeadSHA:    r.HeadSHA,
		Gates:      make([]jsonGate, 0, len(r.Gates)),
		Overrides:  make([]jsonOverride, 0, len(r.Overrides)),
		Warnings:   append([]string{}, r.Warnings...),
		Errors:     append([]string{}, r.Errors...),
	}
	if r.Tier != TierNone {
		out.Tier = r.Tier.String()
	}
	for _, g := range r.Gates {
		out.Gates = append(out.Gates, jsonGate(g))
	}
	for _, o := range r.Overrides {
		out.Overrides = append(out.Overrides, jsonOverride(o))
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render json: %w", err)
	}
	return append(b, '\n'), nil
}
