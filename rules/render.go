package rules

import (
	"fmt"
	"strings"
)

// Title is the verdict in one line, e.g. "platform · 1 of 4 gates failing".
// Gates that are not required are not counted.
func (r Result) Title() string {
	if len(r.Errors) > 0 && r.Tier == TierNone {
		return "configuration error · no gates evaluated"
	}
	var counted, failing, overridden, unchecked, pending, waitingFor int
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
		case StatusPending:
			pending++
			waitingFor += waitingCount(g)
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
		title += fmt.Sprintf("%d of %d %s passing", counted-unchecked-pending, counted, plural(counted, "gate", "gates"))
	}
	if pending > 0 && failing == 0 {
		title += fmt.Sprintf(" · waiting for %d %s", waitingFor, plural(waitingFor, "check", "checks"))
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
	case StatusPending:
		return "⏳"
	}
	return "?"
}

func (c Conclusion) icon() string {
	switch c {
	case ConclusionSuccess:
		return "✅"
	case ConclusionFailure:
		return "❌"
	case ConclusionPending:
		return "⏳"
	}
	return "⚠️"
}

// Markdown renders the verdict for the check run summary and the PR
// comment: a title line, how the tier was decided, a table of gates, then
// overrides, errors and warnings. Every value that tiergate did not write
// is a code span (see escape.go): nothing in it can mention, link or mark up.
func Markdown(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s tiergate: %s\n\n", r.Conclusion.icon(), mdWords(r.Title(), false))
	if r.Tier != TierNone {
		fmt.Fprintf(&b, "**Tier: %s** — %s\n\n", r.Tier, markdownOf(r.TierReason, false))
	}
	if len(r.CriticalPaths) > 0 {
		fmt.Fprintf(&b, "**Critical paths touched:** %s\n\n", markdownOf(criticalPathsMessage(r.CriticalPaths), false))
	}
	if len(r.Errors) > 0 {
		b.WriteString("**The configuration is broken.** Fix it on the base branch; until then every pull request fails this check:\n\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "- %s\n", markdownOf(e, false))
		}
		b.WriteString("\n")
	}
	if len(r.Gates) > 0 {
		b.WriteString("| | Gate | Result |\n|---|---|---|\n")
		for _, g := range r.Gates {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", g.Status.icon(), codeSpan(g.Name, true), markdownOf(g.Reason, true))
		}
		b.WriteString("\n")
	}
	writeChecksMarkdown(&b, r)
	if len(r.Overrides) > 0 {
		b.WriteString("**Overrides**\n\n")
		for _, o := range r.Overrides {
			fmt.Fprintf(&b, "- %s %s (%s) — %s\n", o.icon(), codeSpan(o.Label, false), mdWords(o.Gate, false), markdownOf(o.Reason, false))
		}
		b.WriteString("\n")
	}
	if len(r.Warnings) > 0 {
		b.WriteString("**Warnings**\n\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "- ⚠️ %s\n", markdownOf(w, false))
		}
		b.WriteString("\n")
	}
	if r.ApprovedAt != nil {
		fmt.Fprintf(&b, "**%s**\n\n", markdownOf(approvedAtMessage(*r.ApprovedAt), false))
	}
	if r.Mode == ModeReport {
		b.WriteString("<sub>mode: report — this check reports but never blocks merging.</sub>\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func (o Override) icon() string {
	switch {
	case !o.Accepted:
		return "🚫"
	case len(o.Applied) == 0:
		return "➖"
	}
	return "🛡️"
}

// criticalPathsMessage lists touched critical paths with their first file.
func criticalPathsMessage(paths []TouchedPath) Message {
	var m Message
	for i, p := range paths {
		if i > 0 {
			m = m.append(msgf("; "))
		}
		m = m.append(msgf("%q", p.Name))
		switch {
		case len(p.Files) > 0:
			m = m.append(msgf(" by %s", touchingMessage(p.Files[0])))
			if p.FilesTotal > 1 {
				m = m.append(msgf(" and %s more", words(thousands(p.FilesTotal-1))))
			}
		case p.Unlisted:
			m = m.append(msgf(" (assumed: the file list is incomplete)"))
		}
	}
	return m
}

// Text renders the verdict for a terminal. Values are escaped so that a
// file name cannot move the cursor, clear the screen or break a line.
func Text(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tiergate: %s (%s)\n", r.Title(), r.Conclusion)
	if r.Tier != TierNone {
		fmt.Fprintf(&b, "tier: %s — %s\n", r.Tier, textOf(r.TierReason))
	}
	if len(r.CriticalPaths) > 0 {
		fmt.Fprintf(&b, "critical paths touched: %s\n", textOf(criticalPathsMessage(r.CriticalPaths)))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error: %s\n", textOf(e))
	}
	if len(r.Gates) > 0 {
		b.WriteString("\n")
		names := make([]string, len(r.Gates))
		width := 0
		for i, g := range r.Gates {
			names[i] = escapeInvisible(g.Name, true)
			width = max(width, len(names[i]))
		}
		for i, g := range r.Gates {
			fmt.Fprintf(&b, "  %-12s %-*s  %s\n", strings.ToUpper(g.Status.String()), width, names[i], textOf(g.Reason))
		}
	}
	writeChecksText(&b, r)
	if len(r.Overrides) > 0 {
		b.WriteString("\noverrides:\n")
		for _, o := range r.Overrides {
			fmt.Fprintf(&b, "  %s (%s): %s\n", textValue(part{text: o.Label, quote: true}), o.Gate, textOf(o.Reason))
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\nwarnings:\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "  %s\n", textOf(w))
		}
	}
	if r.Mode == ModeReport {
		b.WriteString("\nmode: report (never blocks)\n")
	}
	if r.ApprovedAt != nil {
		fmt.Fprintf(&b, "\n%s\n", textOf(approvedAtMessage(*r.ApprovedAt)))
	}
	return b.String()
}
