package rules

import (
	"fmt"
	"strings"
)

// Message is a sentence of tiergate's own words with the values it quotes
// (file names, labels, logins, team slugs, text from a config file) kept
// apart. Each renderer escapes the values for its format, so nothing a pull
// request's author chose can become a mention, a link or markup, and a
// terminal never receives a control character.
type Message struct {
	parts []part
}

type part struct {
	text  string
	kind  valueKind
	quote bool // shown in quotes in text output (labels, names from config)
}

// valueKind says where a piece of a message came from.
type valueKind uint8

const (
	valWords valueKind = iota // tiergate's own words: never escaped
	valPath
	valLabel
	valLogin
	valTeam
	valURL   // a link from a check; Markdown shows a safe one as a link
	valOther // anything else not written by tiergate (config text, errors)
)

// Value kinds, as arguments to msgf. A plain string argument is treated as
// valOther: escaping is the default, words must be marked with words().
type (
	pathValue  string
	labelValue string
	loginValue string
	teamValue  string
	urlValue   string
	wordsValue string // tiergate's own text computed at run time
)

func filePath(s string) pathValue   { return pathValue(s) }
func labelName(s string) labelValue { return labelValue(s) }
func loginName(s string) loginValue { return loginValue(s) }
func teamSlug(s string) teamValue   { return teamValue(s) }
func linkTo(s string) urlValue      { return urlValue(s) }
func words(s string) wordsValue     { return wordsValue(s) }

// msgf builds a Message from a format of tiergate's own words. Only %s, %d,
// %q and %v are understood. Strings and the value types above become values
// (%q shows them quoted in text); numbers and tiergate's enums become words;
// a Message argument is spliced in with its parts intact.
func msgf(format string, args ...any) Message {
	var m Message
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			m.parts = append(m.parts, part{text: lit.String()})
			lit.Reset()
		}
	}
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			lit.WriteByte(c)
			continue
		}
		i++
		verb := format[i]
		if verb == '%' {
			lit.WriteByte('%')
			continue
		}
		if next >= len(args) {
			lit.WriteString("%!" + string(verb) + "(MISSING)")
			continue
		}
		arg := args[next]
		next++
		quote := verb == 'q'
		switch v := arg.(type) {
		case Message:
			flush()
			m.parts = append(m.parts, v.parts...)
		case wordsValue:
			lit.WriteString(string(v))
		case pathValue:
			flush()
			m.parts = append(m.parts, part{text: string(v), kind: valPath, quote: quote})
		case labelValue:
			flush()
			m.parts = append(m.parts, part{text: string(v), kind: valLabel, quote: true})
		case loginValue:
			flush()
			m.parts = append(m.parts, part{text: string(v), kind: valLogin, quote: quote})
		case teamValue:
			flush()
			m.parts = append(m.parts, part{text: string(v), kind: valTeam, quote: quote})
		case urlValue:
			flush()
			m.parts = append(m.parts, part{text: string(v), kind: valURL})
		case string:
			flush()
			m.parts = append(m.parts, part{text: v, kind: valOther, quote: quote})
		default:
			// Numbers, tiers, permissions and other values of tiergate's
			// own types print as words.
			lit.WriteString(fmt.Sprint(v))
		}
	}
	flush()
	return m
}

// messageOf wraps text from outside the engine (a config error, a warning
// built by a caller) as one value, so it is escaped whole.
func messageOf(s string) Message {
	if s == "" {
		return Message{}
	}
	return Message{parts: []part{{text: s, kind: valOther}}}
}

// String is the message as plain text, unescaped: for JSON, where values
// are data (JSON's own escaping keeps them inert), and for logs.
func (m Message) String() string {
	var b strings.Builder
	for _, p := range m.parts {
		if p.quote {
			b.WriteString(`"` + p.text + `"`)
			continue
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// IsZero says the message is empty.
func (m Message) IsZero() bool { return len(m.parts) == 0 }

// MarshalText makes a message render as its plain text in JSON.
func (m Message) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// append adds more to the message, returning the longer one.
func (m Message) append(more Message) Message {
	return Message{parts: append(append([]part(nil), m.parts...), more.parts...)}
}

// joinValues lists values of one kind as "a, b and 3 more"; at most keep
// names are shown, total is how many there are in all.
func joinValues[T ~string](names []T, total, keep int) Message {
	var m Message
	shown := min(len(names), keep)
	for i := 0; i < shown; i++ {
		if i > 0 {
			m = m.append(msgf(", "))
		}
		m = m.append(msgf("%s", names[i]))
	}
	if total > shown {
		m = m.append(msgf(" and %d more", total-shown))
	}
	return m
}

// Messagef builds a message for callers outside the engine (such as a
// warning the App adds): format holds tiergate's own words, and every
// string argument is a value, escaped by each renderer; numbers print as
// words. Only %s, %d, %q and %v are understood.
func Messagef(format string, args ...any) Message { return msgf(format, args...) }

// Markdown is the message as GitHub-flavoured Markdown, its values as code
// spans (for text outside a table).
func (m Message) Markdown() string { return markdownOf(m, false) }

// Text is the message for a terminal, its values escaped.
func (m Message) Text() string { return textOf(m) }
