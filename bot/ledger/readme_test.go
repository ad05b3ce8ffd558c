package ledger_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeColumns reads the README's schema table for table: the code spans
// in the first cell of each row of the table that follows the line naming
// it.
func readmeColumns(t *testing.T, table string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n`"+table+"`, one row")
	if !ok {
		t.Fatalf("README has no schema table for %s", table)
	}
	span := regexp.MustCompile("`([^`]+)`")
	var cols []string
	inTable := false
	for _, line := range strings.Split(rest, "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		first := strings.Split(line, "|")[1]
		for _, m := range span.FindAllStringSubmatch(first, -1) {
			cols = append(cols, m[1])
		}
	}
	slices.Sort(cols)
	return cols
}

// TestReadmeSchema: the README documents every column of the ledger's
// tables, and no column that does not exist.
func TestReadmeSchema(t *testing.T) {
	_, pool, _ := open(t)
	for _, table := range []string{"tiergate_ledger_verdicts", "tiergate_ledger_merges"} {
		t.Run(table, func(t *testing.T) {
			rows, err := pool.Query(testCtx(t), `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name`, table)
			if err != nil {
				t.Fatal(err)
			}
			var cols []string
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					t.Fatal(err)
				}
				cols = append(cols, c)
			}
			if diff := cmp.Diff(cols, readmeColumns(t, table)); diff != "" {
				t.Errorf("README's %s columns (-database +README):\n%s", table, diff)
			}
		})
	}
}
