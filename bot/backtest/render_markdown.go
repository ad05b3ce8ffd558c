package backtest

import (
	"fmt"
	"io"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// Markdown writes the report as GitHub-flavoured Markdown, for an issue or
// a pull request description. Every value others chose is a code span
// (rules.Message), so a title cannot mention anyone, link or add a row.
func Markdown(w io.Writer, rep *Report) error {
	s := Summarize(rep)
	var b strings.Builder
	fmt.Fprintf(&b, "## tiergate backtest: %s\n\n", rules.Messagef("%s", rep.Repo).Markdown())
	fmt.Fprintf(&b, "%s, with config %s", mdWords(scope(rep, s)), sources(rep.Config).Markdown())
	if rep.Current != nil {
		fmt.Fprintf(&b, ", compared with the current config %s", sources(rep.Current).Markdown())
	}
	b.WriteString(".\n\n")
	b.WriteString("| Verdict | Pull requests |\n|---|---:|\n")
	fmt.Fprintf(&b, "| ✅ passed | %d |\n| 🛡️ passed with an override | %d |\n| ❌ failed | %d |\n", s.Passed, s.Overridden, s.Failed)
	if s.Pending > 0 {
		fmt.Fprintf(&b, "| ⏳ waiting for CI | %d |\n", s.Pending)
	}
	if s.Errors > 0 {
		fmt.Fprintf(&b, "| ⚠️ could not be read | %d |\n", s.Errors)
	}
	b.WriteString("\n")
	if len(s.ByGate) > 0 {
		b.WriteString("**Failures by gate**\n\n| Gate | Failed |\n|---|---:|\n")
		for _, c := range s.ByGate {
			fmt.Fprintf(&b, "| %s | %d |\n", rules.Messagef("%s", c.Name).MarkdownCell(), c.N)
		}
		b.WriteString("\n")
	}
	if len(s.ByTier) > 0 {
		b.WriteString("**Failures by tier**\n\n| Tier | Failed | Of |\n|---|---:|---:|\n")
		for _, t := range s.ByTier {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", t.Tier, t.Failed, t.Total)
		}
		b.WriteString("\n")
	}
	if len(s.CriticalPaths) > 0 {
		b.WriteString("**Critical paths touched**\n\n| Critical path | Pull requests | Failed |\n|---|---:|---:|\n")
		for _, c := range s.CriticalPaths {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", rules.Messagef("%s", c.Name).MarkdownCell(), c.Touched, c.Failed)
		}
		b.WriteString("\n")
	}
	if s.Compared {
		fmt.Fprintf(&b, "**Compared with the current config:** %s.\n\n", mdWords(comparison(s)))
	}
	if len(rep.Notes) > 0 {
		b.WriteString("**Notes**\n\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(&b, "- %s\n", n.Markdown())
		}
		b.WriteString("\n")
	}
	if len(rep.Pulls) > 0 {
		b.WriteString("**Pull requests**\n\n| # | Title | Tier | Verdict | Failing gates |")
		if rep.Current != nil {
			b.WriteString(" Current config |")
		}
		b.WriteString("\n|---:|---|---|---|---|")
		if rep.Current != nil {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, p := range rep.Pulls {
			reason := failingList(p)
			if p.Err != nil {
				reason = p.Err.Error()
			}
			cell := ""
			if reason != "" {
				cell = rules.Messagef("%s", reason).MarkdownCell()
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |", p.Number, rules.Messagef("%s", p.Title).MarkdownCell(), tierOf(p), p.Verdict, cell)
			if rep.Current != nil {
				diff := ""
				if p.Differs() {
					diff = "was " + outcome(*p.Current)
				}
				fmt.Fprintf(&b, " %s |", diff)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

// mdWords escapes tiergate's own words that hold characters Markdown reads
// (the arrows and figures are safe; this keeps it so if they change).
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "`", "\\`", "|", `\|`)

func mdWords(s string) string { return mdEscaper.Replace(s) }
