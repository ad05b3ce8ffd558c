package backtest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tiergate/tiergate/rules"
)

// Text writes the report for a terminal: the summary, then one line per
// pull request. Every value others chose (titles, gate and path names) is
// escaped, so a title cannot move the cursor or break a line.
func Text(w io.Writer, rep *Report) error {
	s := Summarize(rep)
	var b strings.Builder
	fmt.Fprintf(&b, "tiergate backtest: %s\n", val(rep.Repo))
	fmt.Fprintf(&b, "%s\n", scope(rep, s))
	fmt.Fprintf(&b, "config: %s\n", sources(rep.Config).Text())
	if rep.Current != nil {
		fmt.Fprintf(&b, "compared with the current config: %s\n", sources(rep.Current).Text())
	}
	b.WriteString("\nsummary\n")
	fmt.Fprintf(&b, "  %-26s %5d\n", "passed", s.Passed)
	fmt.Fprintf(&b, "  %-26s %5d\n", "passed with an override", s.Overridden)
	fmt.Fprintf(&b, "  %-26s %5d\n", "failed", s.Failed)
	if s.Pending > 0 {
		fmt.Fprintf(&b, "  %-26s %5d\n", "waiting for CI", s.Pending)
	}
	if s.Errors > 0 {
		fmt.Fprintf(&b, "  %-26s %5d\n", "could not be read", s.Errors)
	}
	if len(s.ByGate) > 0 {
		b.WriteString("\nfailures by gate\n")
		for _, c := range s.ByGate {
			fmt.Fprintf(&b, "  %-26s %5d\n", val(c.Name), c.N)
		}
	}
	if len(s.ByTier) > 0 {
		b.WriteString("\nfailures by tier\n")
		for _, t := range s.ByTier {
			fmt.Fprintf(&b, "  %-26s %5d of %d\n", t.Tier, t.Failed, t.Total)
		}
	}
	if len(s.CriticalPaths) > 0 {
		b.WriteString("\ncritical paths touched\n")
		for _, c := range s.CriticalPaths {
			fmt.Fprintf(&b, "  %-26s %5d (%d failed)\n", val(c.Name), c.Touched, c.Failed)
		}
	}
	if s.Compared {
		fmt.Fprintf(&b, "\ncompared with the current config: %s\n", comparison(s))
	}
	if len(rep.Notes) > 0 {
		b.WriteString("\nnotes\n")
		for _, n := range rep.Notes {
			fmt.Fprintf(&b, "  - %s\n", n.Text())
		}
	}
	if len(rep.Pulls) > 0 {
		b.WriteString("\npull requests\n")
		for _, p := range rep.Pulls {
			fmt.Fprintf(&b, "  #%-6d %-10s %-8s %s", p.Number, tierOf(p), p.Verdict, val(p.Title))
			if g := failingList(p); g != "" {
				fmt.Fprintf(&b, " — failing: %s", rules.Messagef("%s", g).Text())
			}
			if g := gatesWith(p.Result, rules.StatusOverridden); len(g) > 0 {
				fmt.Fprintf(&b, " — overridden: %s", rules.Messagef("%s", strings.Join(g, ", ")).Text())
			}
			if p.Err != nil {
				fmt.Fprintf(&b, " — %s", rules.Messagef("%s", p.Err.Error()).Text())
			}
			if p.Differs() {
				fmt.Fprintf(&b, " [current config: %s]", outcome(*p.Current))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// val is a value others chose, escaped for a terminal.
func val(s string) string { return rules.Messagef("%s", s).Text() }

// scope says which pull requests the report covers, in one line.
func scope(rep *Report, s Summary) string {
	what := map[State]string{StateMerged: "merged", StateClosed: "closed", StateOpen: "open, updated"}[rep.State]
	line := fmt.Sprintf("%d %s %s", s.Total, plural(s.Total, "pull request", "pull requests"), what)
	if !rep.Since.IsZero() {
		line += fmt.Sprintf(" from %s to %s", day(rep.Since), day(rep.Until))
	}
	if rep.Truncated {
		line += fmt.Sprintf(" (the %d most recent: the limit; older ones may match too)", rep.Limit)
	}
	return line
}

func sources(names []string) rules.Message {
	if len(names) == 0 {
		return rules.Messagef("built-in defaults")
	}
	m := rules.Messagef("%s", names[0])
	for _, n := range names[1:] {
		m = rules.Messagef("%s, then %s", m, n)
	}
	return m
}

func comparison(s Summary) string {
	if s.Differ == 0 {
		return "no pull request is decided otherwise"
	}
	return fmt.Sprintf("%d decided otherwise: %d pass → fail, %d fail → pass, %d with another tier",
		s.Differ, s.PassToFail, s.FailToPass, s.TierChanged)
}

func tierOf(p Pull) string {
	if p.Err != nil || p.Result.Tier == rules.TierNone {
		return "-"
	}
	return p.Result.Tier.String()
}

func failingList(p Pull) string {
	g := failing(p.Result)
	if len(p.Result.Errors) > 0 {
		g = append([]string{rules.GateConfig}, g...)
	}
	return strings.Join(g, ", ")
}

func outcome(o Outcome) string {
	return fmt.Sprintf("%s, %s", o.Tier, o.Verdict)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
