package rules

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// checkEncoding finds the first byte of data that is not UTF-8, or the first
// character YAML does not allow, and reports it at its line and column.
// yaml.v3 reports either with no position at all. A file that starts with a
// UTF-16 byte order mark is left to yaml.v3, which reads UTF-16.
func checkEncoding(data []byte) (ConfigError, bool) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return ConfigError{}, false
	}
	for i := 0; i < len(data); {
		r, size := rune(data[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(data[i:])
		}
		var e ConfigError
		switch {
		case r == utf8.RuneError && size == 1:
			e = ConfigError{Message: fmt.Sprintf("invalid UTF-8: byte 0x%02x", data[i]), Hint: "save the file as UTF-8"}
		case r == 0:
			e = ConfigError{Message: "control character U+0000 is not allowed in YAML",
				Hint: "delete it; if the file is UTF-16, save it as UTF-8"}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7F, r >= 0x80 && r <= 0x9F && r != 0x85:
			e = ConfigError{Message: fmt.Sprintf("control character U+%04X is not allowed in YAML", r),
				Hint: "delete it; editors often do not show it"}
		case r == 0xFFFE, r == 0xFFFF:
			e = ConfigError{Message: fmt.Sprintf("character U+%04X is not allowed in YAML", r), Hint: "delete it"}
		default:
			i += size
			continue
		}
		e.Line, e.Column = position(data, i)
		return e, true
	}
	return ConfigError{}, false
}

// position returns the line and column (both from 1, the column counted in
// characters, a tab being one) of the byte at offset in data. Lines end at
// "\n", "\r\n" or "\r", as in YAML and editors; a leading byte order mark
// is not counted.
func position(data []byte, offset int) (line, col int) {
	line, col = 1, 1
	i := 0
	if bytes.HasPrefix(data, utf8BOM) {
		i = len(utf8BOM)
	}
	for i < offset && i < len(data) {
		switch c := data[i]; {
		case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			i++
		case c == '\n' || c == '\r':
			line, col = line+1, 1
			i++
		default:
			_, size := utf8.DecodeRune(data[i:])
			col++
			i += size
		}
	}
	return line, col
}

// lines splits data into lines the way position counts them, without their
// line breaks; a final line break does not start another line.
func lines(data []byte) []string {
	s := strings.TrimPrefix(string(data), string(utf8BOM))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

var (
	yamlLine   = regexp.MustCompile(`^line (\d+): `)
	yamlAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// yamlParserProblems are yaml.v3's parser (not scanner) messages. For these
// it names the line before the one it means: it prints a 0-based line
// number (go-yaml/yaml#205), that of the block the problem is in.
var yamlParserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
	"found undefined tag handle":             true,
}

// syntaxError turns a yaml.v3 parse error into a ConfigError. yaml.v3 gives
// at most a line, so the column is 1 unless the problem can be found on
// that line (a tab in the indentation) or in the file (an unknown alias).
func syntaxError(name string, data []byte, err error) ConfigErrors {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line, hasLine := 1, false
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line, hasLine = n, true
		}
	}
	parser := yamlParserProblems[msg]
	if parser && hasLine {
		line++
	}
	text := lines(data)
	line = min(line, len(text))
	e := ConfigError{File: name, Line: line, Column: 1, Message: "invalid YAML: " + msg}
	if m := yamlAnchor.FindStringSubmatch(msg); m != nil {
		e.Line, e.Column = findAlias(data, m[1])
		e.Message = fmt.Sprintf("invalid YAML: alias %s refers to no anchor defined before it", plain("*"+m[1]))
		e.Hint = "define the anchor (&name) before the alias (*name), or write the value out"
		return ConfigErrors{e}
	}
	// yaml.v3 reports a tab in the indentation as a character that cannot
	// start a token, on its line, or as a tab that violates indentation,
	// sometimes on the line before.
	search := 0
	switch {
	case msg == "found character that cannot start any token":
		search = 1
	case strings.Contains(msg, "tab character"):
		search = 2
	}
	for l := line; l < line+search && l <= len(text); l++ {
		indent := text[l-1][:len(text[l-1])-len(strings.TrimLeft(text[l-1], " \t"))]
		if tab := strings.IndexByte(indent, '\t'); tab >= 0 {
			e.Line, e.Column = l, tab+1
			e.Message = "invalid YAML: a tab in the indentation"
			e.Hint = "YAML indents with spaces, never tabs; replace the tab with spaces"
			return ConfigErrors{e}
		}
	}
	switch {
	case parser:
		e.Hint = "check the brackets, quotes and indentation of the block that starts on this line"
	case search == 1:
		e.Hint = "check the quotes and indentation on this line; quote a value that starts with a character such as @ or `"
	default:
		e.Hint = "check the quotes, brackets and indentation on this line"
	}
	return ConfigErrors{e}
}

// findAlias returns the position of the first use of the alias *name in
// data, or 1:1. It reads the text, not the YAML, so a "*name" in a comment
// or a quoted string can mislead it; that only moves the error.
func findAlias(data []byte, name string) (line, col int) {
	alias := []byte("*" + name)
	for from := 0; ; {
		i := bytes.Index(data[from:], alias)
		if i < 0 {
			return 1, 1
		}
		i += from
		end := i + len(alias)
		before := i == 0 || bytes.IndexByte([]byte(" \t\r\n[{,"), data[i-1]) >= 0
		after := end == len(data) || bytes.IndexByte([]byte(" \t\r\n]},"), data[end]) >= 0
		if before && after {
			return position(data, i)
		}
		from = i + 1
	}
}
