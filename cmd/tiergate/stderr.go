package main

import (
	"io"

	"github.com/tiergate/tiergate/rules"
)

// terminalWriter escapes what a command writes to stderr: messages quote
// file names, refs, config text and git's own output, any of which may
// hold an escape sequence or a bidirectional override.
type terminalWriter struct{ w io.Writer }

func (t terminalWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, rules.EscapeTerminal(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
