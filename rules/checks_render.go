package rules

import (
	"fmt"
	"net/url"
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
