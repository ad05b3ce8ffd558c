package rules

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// waitingCount is how many required checks a gate still waits for.
func waitingCount(g Gate) int {
	if g.Checks == nil {
		return 0
	}
	n := 0
	for _, o := range g.Checks.Required {
		if o.State == CheckRunning || o.State == CheckExpected {
			n++
		}
	}
	return n
}

// checksGateOf returns the checks gate with figures, if the verdict has one
// that requires any check.
func checksGateOf(r Result) (Gate, bool) {
	for _, g := range r.Gates {
		if g.Name == GateChecks && g.Checks != nil && len(g.Checks.Required) > 0 {
			return g, true
		}
	}
	return Gate{}, false
}

func (s CheckState) icon() string {
	switch s {
	case CheckPassed:
		return "✅"
	case CheckFailed, CheckTimedOut:
		return "❌"
	case CheckRunning, CheckExpected:
		return "⏳"
	}
	return "❔"
}

// requiredBy says what made a check required.
func requiredBy(o CheckOutcome) Message {
	if o.RequiredBy == "" {
		return msgf("tier")
	}
	return msgf("critical path %q", o.RequiredBy)
}

// checksHeading says what the verdict waits for, and until when.
func checksHeading(g Gate) Message {
	fig := g.Checks
	switch {
	case g.Status == StatusNotChecked:
		return msgf("checked on GitHub, where CI runs")
	case waitingCount(g) > 0:
		n := waitingCount(g)
		return msgf("waiting for %d %s; a required check not completed by %s fails (checks.timeout %s)",
			n, words(plural(n, "check", "checks")), words(fig.Deadline.UTC().Format(deadlineLayout)), words(FormatDuration(fig.Timeout)))
	}
	return Message{}
}

// writeChecksMarkdown lists every required check with its state, source
// and a link, and what the verdict waits for.
func writeChecksMarkdown(b *strings.Builder, r Result) {
	g, ok := checksGateOf(r)
	if !ok {
		return
	}
	b.WriteString("**Required checks**")
	if h := checksHeading(g); !h.IsZero() {
		fmt.Fprintf(b, " — %s", markdownOf(h, false))
	}
	b.WriteString("\n\n| | Check | Required by | Result |\n|---|---|---|---|\n")
	for _, o := range g.Checks.Required {
		detail := outcomeDetail(o, g.Checks, true)
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", o.State.icon(), codeSpan(o.Name, true), markdownOf(requiredBy(o), true), markdownOf(detail, true))
	}
	b.WriteString("\n")
}

// writeChecksText is writeChecksMarkdown for a terminal.
func writeChecksText(b *strings.Builder, r Result) {
	g, ok := checksGateOf(r)
	if !ok {
		return
	}
	b.WriteString("\nrequired checks:")
	if h := checksHeading(g); !h.IsZero() {
		fmt.Fprintf(b, " %s", textOf(h))
	}
	b.WriteString("\n")
	for _, o := range g.Checks.Required {
		detail := outcomeDetail(o, g.Checks, true)
		fmt.Fprintf(b, "  %-12s %s (%s): %s\n", strings.ToUpper(string(o.State)), textValue(part{text: o.Name}), textOf(requiredBy(o)), textOf(detail))
	}
}

// maxLinkBytes bounds a link tiergate renders; a longer URL is shown as
// text.
const maxLinkBytes = 2048

// markdownLink renders a URL from a check (untrusted: anyone with write
// access sets a status's target_url) as a link labelled "details", or nil
// when it is not a plain http(s) URL. Every character outside a small safe
// set is percent-encoded, so the URL cannot close the link, start markup,
// break a table cell or carry a control character.
func markdownLink(raw string) (string, bool) {
	if len(raw) > maxLinkBytes {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("-._~:/?#@!$&+,;=%", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return "[details](" + b.String() + ")", true
}

// outcomesMessage names each outcome with its state and source, e.g.
// "build (success, check run by github-actions), e2e (never reported ...)".
func outcomesMessage(os []CheckOutcome, fig *CheckFigures) Message {
	var m Message
	for i, o := range os {
		if i > 0 {
			m = m.append(msgf(", "))
		}
		m = m.append(msgf("%q (%s)", o.Name, outcomeDetail(o, fig, false)))
	}
	return m
}

// outcomeDetail says what decided one required check, naming the source
// of each match so a reader sees who satisfied it; with links, each match
// is followed by a link to its details.
func outcomeDetail(o CheckOutcome, fig *CheckFigures, links bool) Message {
	switch {
	case o.State == CheckNotChecked:
		return requirementSource(o.CheckRequirement)
	case len(o.Matches) == 0 && o.State == CheckTimedOut:
		return msgf("never reported within %s", words(FormatDuration(fig.Timeout))).append(boundTo(o.CheckRequirement))
	case len(o.Matches) == 0:
		return msgf("not reported yet").append(boundTo(o.CheckRequirement))
	}
	var m Message
	for i, c := range o.Matches {
		if i > 0 {
			m = m.append(msgf("; "))
		}
		if o.IsGlob() {
			m = m.append(msgf("%q: ", c.Name))
		}
		m = m.append(matchState(c, o.State == CheckTimedOut, fig)).append(msgf(", %s", matchSource(c)))
		if links && c.URL != "" {
			m = m.append(msgf(" · %s", linkTo(c.URL)))
		}
	}
	return m
}

// matchState is one check's state in words.
func matchState(c CheckResult, timedOut bool, fig *CheckFigures) Message {
	switch {
	case c.Status == CheckCompleted:
		return githubWord(string(c.Conclusion))
	case timedOut:
		return msgf("%s, not completed within %s", githubWord(string(c.Status)), words(FormatDuration(fig.Timeout)))
	}
	return githubWord(string(c.Status))
}

// githubStates are the statuses and conclusions GitHub documents for check
// runs and commit statuses.
var githubStates = []string{"queued", "in_progress", "pending", "waiting", "requested", "completed", "success", "failure", "neutral",
	"cancelled", "skipped", "timed_out", "action_required", "stale", "startup_failure", "error"}

// githubWord shows a status or conclusion GitHub documents as words
// ("in progress"); anything else came from somewhere else and stays a
// value, escaped like any other.
func githubWord(s string) Message {
	if slices.Contains(githubStates, s) {
		return msgf("%s", words(strings.ReplaceAll(s, "_", " ")))
	}
	return msgf("%q", s)
}

// matchSource names who reported a check.
func matchSource(c CheckResult) Message {
	if c.Kind == CommitStatus {
		return msgf("status by %s", loginName(c.Source))
	}
	return msgf("check run by %s", c.Source)
}

// requirementSource names the source a requirement is bound to.
func requirementSource(r CheckRequirement) Message {
	switch {
	case r.App != "":
		return msgf("a check run by %s", r.App)
	case r.StatusCreator != "":
		return msgf("a status by %s", loginName(r.StatusCreator))
	}
	return msgf("any check run or status")
}

// boundTo says which source a bound requirement waits for.
func boundTo(r CheckRequirement) Message {
	if r.App == "" && r.StatusCreator == "" {
		return Message{}
	}
	return msgf("; needs %s", requirementSource(r))
}
