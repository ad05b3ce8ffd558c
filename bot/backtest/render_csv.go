package backtest

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tiergate/tiergate/rules"
)

// CSVHeader names CSV's columns. current_tier, current_outcome and differs
// are empty when no current config was compared.
var CSVHeader = []string{
	"number", "title", "author", "as_of", "tier", "outcome", "conclusion",
	"failing_gates", "overridden_gates", "critical_paths", "current_tier", "current_outcome", "differs", "error",
}

// CSV writes one row per pull request, for spreadsheets. Every cell goes
// through rules.CSVCell, so a title such as "=HYPERLINK(...)" stays text,
// and encoding/csv quotes it for the CSV syntax. Lists are joined with "; ".
func CSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, p := range rep.Pulls {
		row := []string{strconv.Itoa(p.Number), p.Title, p.Author, "", "", p.Verdict.String(), "", "", "", "", "", "", "", ""}
		if !p.At.IsZero() {
			row[3] = p.At.UTC().Format(time.RFC3339)
		}
		if p.Err != nil {
			row[13] = p.Err.Error()
		} else {
			if p.Result.Tier != rules.TierNone {
				row[4] = p.Result.Tier.String()
			}
			row[6] = p.Result.Conclusion.String()
			row[7] = strings.Join(failing(p.Result), "; ")
			if len(p.Result.Errors) > 0 {
				row[7] = strings.Join(append([]string{rules.GateConfig}, failing(p.Result)...), "; ")
			}
			row[8] = strings.Join(gatesWith(p.Result, rules.StatusOverridden), "; ")
			var paths []string
			for _, cp := range p.Result.CriticalPaths {
				paths = append(paths, cp.Name)
			}
			row[9] = strings.Join(paths, "; ")
		}
		if p.Current != nil {
			row[10], row[11], row[12] = p.Current.Tier.String(), p.Current.Verdict.String(), strconv.FormatBool(p.Differs())
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
