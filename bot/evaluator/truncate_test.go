package evaluator

import (
	"strings"
	"testing"
)

// TestTruncateOutputCutsAtLineEnd: the cut never falls inside a line, where
// it could leave a code span open and turn the rest of a hostile value into
// live Markdown.
func TestTruncateOutputCutsAtLineEnd(t *testing.T) {
	line := "| ❌ | `tests` | source changed (`" + strings.Repeat("a", 200) + " [x](https://evil.example)`) |\n"
	summary := "### title\n\n" + strings.Repeat(line, maxOutputBytes/len(line)+5)
	got := truncateOutput(summary)
	if len(got) > maxOutputBytes {
		t.Fatalf("len = %d, over %d", len(got), maxOutputBytes)
	}
	body, note, ok := strings.Cut(got, "\n\n…(truncated")
	if !ok {
		t.Fatalf("no truncation note in %q", got[len(got)-100:])
	}
	if !strings.HasSuffix(body, "|") || strings.Count(body, "`")%2 != 0 {
		t.Errorf("cut inside a line: ends %q, note %q", body[len(body)-40:], note)
	}
	if short := "### title\n"; truncateOutput(short) != short {
		t.Errorf("a short summary was changed")
	}
}
