package deploy

import (
	"strings"
	"testing"
)

// TestReadmeBacktestFlags checks each flag in the backtest table is defined
// by tiergate backtest, and each flag it defines is in the table.
func TestReadmeBacktestFlags(t *testing.T) {
	src := string(read(t, "../cmd/tiergate/backtest.go"))
	rows := tableRows(readmeSection(t, "### `tiergate backtest`"))
	if len(rows) == 0 {
		t.Fatal("README has no flags table for tiergate backtest")
	}
	documented := map[string]bool{}
	for span := range rows {
		name, _, _ := strings.Cut(strings.TrimPrefix(span, "--"), " ")
		documented[name] = true
		if !strings.Contains(src, `"`+name+`"`) {
			t.Errorf("README documents backtest flag --%s, which cmd/tiergate/backtest.go does not define", name)
		}
	}
	for _, name := range []string{"repo", "config", "org-config", "since", "last", "state", "format", "cache", "github-api-url", "schema"} {
		if !documented[name] {
			t.Errorf("README's backtest table lacks --%s", name)
		}
	}
}
