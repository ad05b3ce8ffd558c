package rules

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxQuoted is how many characters of one value a message shows. Config
// files are untrusted and may be 1 MiB, so a message never echoes a value
// whole: a longer one is cut and its length given.
const maxQuoted = 60

// quote writes a value from a config file for a message, double-quoted with
// Go escapes and cut to maxQuoted characters: "tier/feature", or
// "aaaa…" (900,000 bytes). Every value a config error or warning shows
// (keys, enum values, globs, labels, names, teams, anchors) goes through
// quote, or plain, which calls it.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	shown := 0
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		esc := strconv.Quote(s[i : i+size]) // an invalid byte comes out as \xff
		esc = esc[1 : len(esc)-1]
		if shown += utf8.RuneCountInString(esc); shown > maxQuoted {
			b.WriteString(`…" (` + thousands(len(s)) + " bytes)")
			return b.String()
		}
		b.WriteString(esc)
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// plain writes a key or number as it is when it is short and printable, so
// that paths read tiers.platfrom rather than tiers."platfrom", and quotes it
// otherwise.
func plain(s string) string {
	if len(s) <= maxQuoted && strconv.Quote(s) == `"`+s+`"` {
		return s
	}
	return quote(s)
}

// describe names a node's type, and its value if a scalar, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "the alias " + plain("*"+n.Value)
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean " + plain(n.Value)
		case "!!int", "!!float":
			return "a number " + plain(n.Value)
		case "!!timestamp":
			return "a date " + plain(n.Value)
		case "!!str":
			return "the string " + quote(n.Value)
		}
		return plain(n.ShortTag()) + " " + quote(n.Value)
	}
	return "an unexpected node"
}

func unknownKeyHint(name string, ks []key) string {
	var names []string
	for _, k := range ks {
		names = append(names, k.name)
	}
	if near := nearest(name, names); near != "" {
		return "did you mean " + near + "?"
	}
	return "valid keys here: " + strings.Join(names, ", ")
}

// nearest returns the candidate within edit distance 2 of s, if any.
func nearest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if dist := editDistance(s, c); dist < bestDist {
			best, bestDist = c, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes. Long
// inputs are not compared: a key that long is no typo of ours.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
