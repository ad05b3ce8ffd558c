package rules

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The escaping rules, one per output format. Each applies to every value in
// a Message: anything tiergate did not write itself.
//
//   - Text: control characters, line and paragraph separators, invisible
//     format characters (bidirectional overrides, zero-width characters),
//     invalid UTF-8 and the backslash are written as Go-style escapes
//     (\n, \x1b, \u202e, \\), so a terminal shows the name and runs nothing.
//   - Markdown: a value is a code span, which GitHub renders as literal text:
//     no mention, link, autolink, image, HTML, emphasis or heading. The
//     fence is longer than any run of backticks inside; control and
//     invisible characters are escaped as for text; in a table cell '|' is
//     written '\|', which GFM tables unescape before reading the span.
//   - Markdown links: a URL from a check (a status's target_url) becomes a
//     link labelled "details" only if it is an http(s) URL, with every
//     character outside a small safe set percent-encoded (markdownLink);
//     anything else is a code span.
//   - CSV: CSVCell neutralises a cell a spreadsheet would run as a formula.

// escapeInvisible writes s with every character that would be invisible,
// move the cursor or reorder text shown as an escape. With backslash set,
// '\' itself is doubled so the escapes are unambiguous.
func escapeInvisible(s string, backslash bool) string {
	if !needsEscape(s, backslash) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == '\\' && backslash:
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case invisible(r) && r < 0x100:
			b.WriteString(`\x` + strconv.FormatUint(uint64(r)|0x100, 16)[1:])
		case invisible(r):
			b.WriteString(`\u` + strconv.FormatUint(uint64(r)|0x10000, 16)[1:])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string, backslash bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (r == '\\' && backslash) || invisible(r) {
			return true
		}
		i += size
	}
	return false
}

// invisible reports characters that must never reach output raw: C0 and C1
// controls, DEL, Unicode format characters (bidirectional controls such as
// U+202E, zero-width characters, the BOM), other default-ignorable
// characters (Hangul fillers, U+034F), variation selectors, the blank
// braille pattern and the line and paragraph separators: anything that can
// hide, reorder or fake part of a name.
func invisible(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r == '\u2028' || r == '\u2029' || r == '\u2800' || r > unicode.MaxRune
}

// textValue is a value as text output shows it.
func textValue(p part) string {
	s := escapeInvisible(p.text, true)
	if p.quote {
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return s
}

// Markdown values are cut to maxMarkdownValue characters, so one hostile
// name cannot fill the check run's 65,535 bytes or push the rest of the
// report past its cut.
const maxMarkdownValue = 300

// maxFence bounds the backticks around a code span. GitHub's renderer
// (cmark-gfm) closes no span opened by more than 80 backticks, so a value
// with a long run has its backticks written as \x60 instead.
const maxFence = 16

// codeSpan is a value as Markdown shows it: a code span, literal in every
// GitHub-flavoured Markdown context.
func codeSpan(s string, inTable bool) string {
	s = spanText(s)
	if s == "" {
		return `""`
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	// A span that starts or ends with a backtick needs a space to keep it
	// apart from the fence; one that starts and ends with a space would
	// lose one of each without padding.
	if s[0] == '`' || s[len(s)-1] == '`' || (s[0] == ' ' && s[len(s)-1] == ' ' && strings.TrimLeft(s, " ") != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// spanText is the text a code span shows for a value: invisible
// characters escaped, and backticks too when a run is too long to fence.
func spanText(s string) string {
	s = escapeInvisible(s, false)
	if strings.Contains(s, strings.Repeat("`", maxFence)) {
		s = strings.ReplaceAll(s, "`", `\x60`)
	}
	return s
}

// markdownValue is a value cut to maxMarkdownValue characters (its length
// said after the span) and shown as a code span.
func markdownValue(s string, inTable bool) string {
	if utf8.RuneCountInString(s) <= maxMarkdownValue {
		return codeSpan(s, inTable)
	}
	cut := 0
	for i := range s {
		if cut == maxMarkdownValue {
			return codeSpan(s[:i], inTable) + mdWords(fmt.Sprintf("…(%s bytes)", thousands(len(s))), inTable)
		}
		cut++
	}
	return codeSpan(s, inTable)
}

// mdWords escapes tiergate's own words for Markdown. They hold no markup on
// purpose, but config keys such as allow_bots and characters such as '<'
// and '|' must still come out as written.
func mdWords(s string, inTable bool) string {
	s = mdWordEscaper.Replace(s)
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return s
}

var mdWordEscaper = strings.NewReplacer(
	`\`, `\\`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "`", "\\`", "\n", " ", "\r", " ",
)

// markdownOf renders a message for Markdown.
func markdownOf(m Message, inTable bool) string {
	var b strings.Builder
	for _, p := range m.parts {
		if p.kind == valWords {
			b.WriteString(mdWords(p.text, inTable))
			continue
		}
		if p.kind == valURL {
			if link, ok := markdownLink(p.text); ok {
				b.WriteString(link)
				continue
			}
		}
		b.WriteString(markdownValue(p.text, inTable))
	}
	return b.String()
}

// textOf renders a message for a terminal.
func textOf(m Message) string {
	var b strings.Builder
	for _, p := range m.parts {
		if p.kind == valWords {
			b.WriteString(escapeInvisible(p.text, false))
			continue
		}
		b.WriteString(textValue(p))
	}
	return b.String()
}

// CSVCell neutralises a cell that a spreadsheet would run as a formula:
// one starting with '=', '+', '-', '@', a tab or a carriage return (also
// after leading white space, and their fullwidth forms) is prefixed with a
// single quote, which spreadsheets show as text. The same is done after
// every ';' and tab inside the cell, since a spreadsheet that opens the
// file with ';' as its separator (Excel in many locales) splits the cell
// there. Control characters are escaped as in text output. Quoting for the
// CSV syntax itself is left to encoding/csv.
func CSVCell(s string) string {
	var b strings.Builder
	start := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if start && !unicode.IsSpace(r) {
			if strings.ContainsRune("=+-@＝＋－＠", r) {
				b.WriteByte('\'')
			}
			start = false
		}
		if start && (r == '\t' || r == '\r') {
			b.WriteByte('\'')
			start = false
		}
		b.WriteString(escapeInvisible(s[i:i+size], false))
		if r == ';' || r == '\t' {
			start = true
		}
		i += size
	}
	return b.String()
}

// EscapeTerminal is s with every invisible character but line breaks and
// tabs written as an escape, for messages that are whole lines of text
// (errors on stderr) rather than rendered verdicts.
func EscapeTerminal(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexAny(s, "\n\t")
		if i < 0 {
			b.WriteString(escapeInvisible(s, false))
			return b.String()
		}
		b.WriteString(escapeInvisible(s[:i], false))
		b.WriteByte(s[i])
		s = s[i+1:]
	}
}
