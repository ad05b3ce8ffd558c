package rules

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

// parseOneError parses data and returns its only error.
func parseOneError(t *testing.T, data string) ConfigError {
	t.Helper()
	_, err := Parse("c.yml", []byte(data))
	var errs ConfigErrors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("Parse(%.80q) = %v, want one ConfigError", data, err)
	}
	return errs[0]
}

// TestParseEncoding checks a file that is not UTF-8, or holds a character
// YAML refuses, is reported where the byte is, not at 1:1 with a hint about
// tabs.
func TestParseEncoding(t *testing.T) {
	const notUTF8, control = "save the file as UTF-8", "delete it; editors often do not show it"
	tests := []struct {
		name string
		data string
		want ConfigError
	}{
		{"Latin-1 byte in a value", "version: 1\nmode: rep\xffort\n", ConfigError{Line: 2, Column: 10, Message: "invalid UTF-8: byte 0xff", Hint: notUTF8}},
		{"columns count characters", "version: 1\n# café ☕ caf\xe9\n", ConfigError{Line: 2, Column: 13, Message: "invalid UTF-8: byte 0xe9", Hint: notUTF8}},
		{"CRLF line ends", "version: 1\r\nmode: report\r\n\xfe\r\n", ConfigError{Line: 3, Column: 1, Message: "invalid UTF-8: byte 0xfe", Hint: notUTF8}},
		{"CR line ends", "version: 1\rmode: \xfe\r", ConfigError{Line: 2, Column: 7, Message: "invalid UTF-8: byte 0xfe", Hint: notUTF8}},
		{"after a byte order mark", "\ufeffversion: 1 \xc0\n", ConfigError{Line: 1, Column: 12, Message: "invalid UTF-8: byte 0xc0", Hint: notUTF8}},
		{"overlong encoding", "version: 1\nmode: \xc0\xafx\n", ConfigError{Line: 2, Column: 7, Message: "invalid UTF-8: byte 0xc0", Hint: notUTF8}},
		{"encoded surrogate", "version: 1\nmode: \xed\xa0\x80\n", ConfigError{Line: 2, Column: 7, Message: "invalid UTF-8: byte 0xed", Hint: notUTF8}},
		{"truncated at the end", "version: 1\nmode: \xe2\x82", ConfigError{Line: 2, Column: 7, Message: "invalid UTF-8: byte 0xe2", Hint: notUTF8}},
		{"in a comment", "# \xff\nversion: 1\n", ConfigError{Line: 1, Column: 3, Message: "invalid UTF-8: byte 0xff", Hint: notUTF8}},
		{"NUL", "version: 1\nmode: re\x00port\n", ConfigError{Line: 2, Column: 9, Message: "control character U+0000 is not allowed in YAML", Hint: "delete it; if the file is UTF-16, save it as UTF-8"}},
		{"C0 control", "version: 1\nmode: \x1b[0m\n", ConfigError{Line: 2, Column: 7, Message: "control character U+001B is not allowed in YAML", Hint: control}},
		{"DEL", "version: 1\n  # \x7f\n", ConfigError{Line: 2, Column: 5, Message: "control character U+007F is not allowed in YAML", Hint: control}},
		{"C1 control", "version: 1\nmode: \u0080\n", ConfigError{Line: 2, Column: 7, Message: "control character U+0080 is not allowed in YAML", Hint: control}},
		{"noncharacter", "version: 1\nmode: \uffff\n", ConfigError{Line: 2, Column: 7, Message: "character U+FFFF is not allowed in YAML", Hint: "delete it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseOneError(t, tt.data)
			tt.want.File = "c.yml"
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) error mismatch (-want +got):\n%s", tt.data, diff)
			}
		})
	}
}

// TestParseUTF16 checks the encoding check leaves a file with a UTF-16 byte
// order mark to yaml.v3, which reads it.
func TestParseUTF16(t *testing.T) {
	data := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune("version: 1\nmode: report\n")) {
		data = append(data, byte(u), byte(u>>8))
	}
	f, err := Parse("c.yml", data)
	if err != nil {
		t.Fatalf("Parse(UTF-16LE) = %v, want no error", err)
	}
	if cfg, err := Resolve(nil, f); err != nil || cfg.Mode != ModeReport {
		t.Errorf("Resolve(nil, UTF-16LE file) = mode %v, %v; want report, no error", cfg.Mode, err)
	}
}

// TestParseSyntaxErrors checks where YAML syntax errors are reported and
// that only a tab in the indentation gets the hint about tabs.
func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		want      loc
		hint      string // a substring of the hint
		tabHinted bool
	}{
		{"tab indents a key", "version: 1\ntiers:\n\tfeature: {}\n",
			loc{3, 1, "invalid YAML: a tab in the indentation"}, "replace the tab with spaces", true},
		{"tab after spaces", "version: 1\ntiers:\n  feature:\n  \tlabels: [x]\n",
			loc{4, 3, "invalid YAML: a tab in the indentation"}, "replace the tab with spaces", true},
		{"tab reported on the line before", "version: 1\nmode: report\n\t\n",
			loc{3, 1, "invalid YAML: a tab in the indentation"}, "replace the tab with spaces", true},
		{"backquote", "version: 1\nmode: `x`\n",
			loc{2, 1, "invalid YAML: found character that cannot start any token"}, "such as @ or `", false},
		{"unclosed list, on the list's line", "version: 1\ntiers:\n  feature:\n    labels: [a, b\n  platform: {}\n",
			loc{4, 1, "invalid YAML: did not find expected ',' or ']'"}, "block that starts on this line", false},
		{"bad indentation, on the block's line", "version: 1\ntiers:\n  feature:\n    require:\n      tests: true\n     docs: true\n",
			loc{4, 1, "invalid YAML: did not find expected key"}, "block that starts on this line", false},
		{"unclosed list at the end, on the last line", "version: 1\ntiers: [\n",
			loc{2, 1, "invalid YAML: did not find expected node content"}, "block that starts on this line", false},
		{"unclosed quote", "version: 1\nmode: \"abc\n\n\nx: 1\n",
			loc{2, 1, "invalid YAML: found unexpected end of stream"}, "quotes", false},
		{"unknown alias, where it is used", "version: 1\nmode: *nope\n",
			loc{2, 7, "invalid YAML: alias *nope refers to no anchor defined before it"}, "define the anchor", false},
		{"unknown alias in a list", "version: 1\npaths: {docs: [a/**, *docs]}\n",
			loc{2, 22, "invalid YAML: alias *docs refers to no anchor"}, "define the anchor", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseOneError(t, tt.data)
			if got := (loc{e.Line, e.Column, e.Message}); got.line != tt.want.line || got.col != tt.want.col || !strings.HasPrefix(got.message, tt.want.message) {
				t.Errorf("Parse(%q) = %d:%d: %s, want %d:%d: %s…", tt.data, got.line, got.col, got.message, tt.want.line, tt.want.col, tt.want.message)
			}
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("Parse(%q) hint = %q, want it to contain %q", tt.data, e.Hint, tt.hint)
			}
			if tabbed := strings.Contains(e.Hint, "tab"); tabbed != tt.tabHinted {
				t.Errorf("Parse(%q) hint = %q, mentions tabs: %v, want %v", tt.data, e.Hint, tabbed, tt.tabHinted)
			}
		})
	}
}
