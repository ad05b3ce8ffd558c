package rules

import (
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// globProg is a glob compiled for matching without backtracking. Its states
// are byte offsets into the pattern; braces are not expanded but become
// jumps (an open brace to each branch, a branch's end past the closing
// brace), so the number of states is linear in the pattern's length. A match
// keeps the set of states every reading of the path so far could be in
// (Thompson's construction), so its cost is at most states × characters.
//
// The semantics are doublestar's, quirks included, because doublestar is
// what tiergate has always promised and the tests compare the two: "**" is a
// directory wildcard only as a whole segment (otherwise it is "*"); "*",
// "?" never match "/" but a [class] can; and the end of the path is accepted
// only where doublestar would accept it (zero[p] below).
type globProg struct {
	pattern string
	op      []globOp // one per byte offset, plus one for the end
	zero    []bool   // the rest of the pattern from here matches ""
	classes []globClass
	sosAt   []uint8
}

type opKind uint8

const (
	opNone  opKind = iota // inside a token: never a state
	opLit                 // one rune
	opAny                 // ?
	opClass               // [...]
	opStar                // * or a ** that may be a directory wildcard
	opOpen                // {; next is its closing brace
	opJump                // , or } ending a branch: continue at next
	opEnd                 // the pattern is used up
)

type globOp struct {
	kind opKind
	r    rune  // opLit
	next int32 // the offset after this token (after a jump for opJump)
	// opStar: after the star; if pair is set the star is "**" and, at the
	// start of a segment, is a directory wildcard: dsEnd says it ends the
	// pattern, else dsNext is the offset after its trailing "/" (-1: none).
	pair   bool
	dsEnd  bool
	dsNext int32
	class  int32 // opClass: index into classes
	alts   []int32
}

type globClass struct {
	negate bool
	ranges []rune // lo, hi pairs
}

func (c *globClass) match(r rune) bool {
	for i := 0; i < len(c.ranges); i += 2 {
		if c.ranges[i] <= r && r <= c.ranges[i+1] {
			return !c.negate
		}
	}
	return c.negate
}

// classEnd returns the offset after the class that opens at p[i] ('['), for
// a pattern doublestar has validated.
func classEnd(p string, i int) int {
	i++
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		i++
	}
	for ; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case ']':
			return i + 1
		}
	}
	return len(p)
}

// compileProg compiles a pattern doublestar has validated.
func compileProg(p string) *globProg {
	g, inside, closer := parseProg(p)
	// zero[i]: would doublestar, having read the whole path with the
	// pattern at offset i, accept? It looks at the rest of the pattern as a
	// string, with the braces around i expanded, so ask it exactly that.
	g.zero = make([]bool, len(p)+1)
	for i := range g.zero {
		if g.op[i].kind == opNone {
			continue
		}
		g.zero[i], _ = doublestar.Match(restAt(p, i, g.op, inside, closer), "")
	}
	return g
}

// parseProg builds everything but the accepting offsets, which is enough
// for ambiguity. It also returns the brace structure restAt needs.
func parseProg(p string) (g *globProg, inside, closer []int32) {
	n := len(p)
	g = &globProg{pattern: p, op: make([]globOp, n+1)}
	g.op[n] = globOp{kind: opEnd}
	// First pass: the brace structure. closer[i] is the '}' of the brace
	// whose branch-ending ',' or '}' is at i; inside[i] the innermost open
	// brace around offset i (-1 at the top level).
	closer = make([]int32, n+1)
	inside = make([]int32, n+1)
	var stack []int32
	for i := 0; i <= n; i++ {
		inside[i] = -1
		if len(stack) > 0 {
			inside[i] = stack[len(stack)-1]
		}
		if i == n {
			break
		}
		switch p[i] {
		case '\\':
			if i+1 < n {
				inside[i+1] = inside[i]
			}
			i++
		case '[':
			e := classEnd(p, i)
			for j := i + 1; j < e; j++ {
				inside[j] = inside[i]
			}
			i = e - 1
		case '{':
			stack = append(stack, int32(i))
		case ',':
			if len(stack) > 0 {
				g.op[i].kind = opJump
			}
		case '}':
			if len(stack) > 0 {
				b := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				g.op[b].kind = opOpen
				g.op[i].kind = opJump
				closer[b] = int32(i)
			}
		}
	}
	// Link each brace's branches and make every branch end jump past it.
	for i := 0; i < n; i++ {
		if g.op[i].kind != opOpen {
			continue
		}
		c := closer[i]
		g.op[i].alts = []int32{int32(i) + 1}
		for j := int32(i) + 1; j < c; j++ {
			if g.op[j].kind == opJump && inside[j] == int32(i) && p[j] == ',' {
				g.op[i].alts = append(g.op[i].alts, j+1)
			}
		}
		for j := int32(i) + 1; j <= c; j++ {
			if g.op[j].kind == opJump && inside[j] == int32(i) {
				g.op[j].next = c + 1
			}
		}
		g.op[c].next = c + 1
		g.op[i].next = c
	}
	// cont skips branch ends: the offset whose character doublestar sees
	// next after offset i, once the enclosing braces have been expanded.
	cont := func(i int) int {
		for i < n && g.op[i].kind == opJump {
			i = int(g.op[i].next)
		}
		return i
	}
	// Second pass: the tokens.
	for i := 0; i < n; {
		switch p[i] {
		case '{', ',', '}':
			if g.op[i].kind != opNone {
				i++
				continue
			}
		case '\\':
			r, w := utf8.DecodeRuneInString(p[i+1:])
			g.op[i] = globOp{kind: opLit, r: r, next: int32(i + 1 + w)}
			i += 1 + w
			continue
		case '?':
			g.op[i] = globOp{kind: opAny, next: int32(i + 1)}
			i++
			continue
		case '[':
			e := classEnd(p, i)
			g.op[i] = globOp{kind: opClass, next: int32(e), class: int32(len(g.classes))}
			g.classes = append(g.classes, parseClass(p[i+1:e-1]))
			i = e
			continue
		case '*':
			op := globOp{kind: opStar, next: int32(i + 1), dsNext: -1}
			// doublestar reads the next character of the pattern as it
			// stands, with the braces before it expanded and those after
			// not: an unexpanded '{' is not a '*' nor a '/'.
			if j := cont(i + 1); j < n && p[j] == '*' {
				op.pair, op.next = true, int32(j+1)
				switch k := cont(j + 1); {
				case k == n:
					op.dsEnd = true
				case p[k] == '/':
					op.dsNext = int32(k + 1)
				}
			}
			g.op[i] = op
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(p[i:])
		g.op[i] = globOp{kind: opLit, r: r, next: int32(i + w)}
		i += w
	}
	// Where may a segment start? sos[i] bit 0: reachable mid-segment,
	// bit 1: reachable at a segment's start. Every move goes forward.
	g.sosAt = make([]uint8, n+1)
	g.sosAt[0] = 2
	for i := 0; i < n; i++ {
		op, in := &g.op[i], g.sosAt[i]
		if in == 0 {
			continue
		}
		switch op.kind {
		case opOpen:
			for _, a := range op.alts {
				g.sosAt[a] |= in
			}
		case opJump:
			g.sosAt[op.next] |= in
		case opLit:
			if op.r == '/' {
				g.sosAt[op.next] |= 2
			} else {
				g.sosAt[op.next] |= 1
			}
		case opStar:
			if op.pair && in&2 != 0 && op.dsNext >= 0 {
				g.sosAt[op.dsNext] |= 2
			}
			if !op.pair || in&1 != 0 || (!op.dsEnd && op.dsNext < 0) {
				g.sosAt[op.next] |= 1
			}
		case opAny, opClass:
			g.sosAt[op.next] |= 1
		}
	}
	return g, inside, closer
}

// restAt is the pattern doublestar holds at offset i: the rest of the
// branch i is in, then what follows its brace, and so on outwards. A
// branch's closing ',' or '}' belongs to the brace it closes.
func restAt(p string, i int, op []globOp, inside, closer []int32) string {
	var rest []byte
	for {
		b := inside[i]
		if b < 0 {
			return string(append(rest, p[i:]...))
		}
		end := i
		for !(op[end].kind == opJump && inside[end] == b) {
			end++
		}
		rest = append(rest, p[i:end]...)
		i = int(closer[b]) + 1
	}
}

// parseClass reads the members of a class (between '[' and ']') as
// doublestar's matcher does.
func parseClass(s string) globClass {
	var c globClass
	if len(s) > 0 && (s[0] == '!' || s[0] == '^') {
		c.negate, s = true, s[1:]
	}
	last := utf8.MaxRune
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		if last < utf8.MaxRune && r == '-' && i < len(s) {
			if s[i] == '\\' {
				i++
			}
			hi, w := utf8.DecodeRuneInString(s[i:])
			i += w
			c.ranges = append(c.ranges, last, hi)
			last = utf8.MaxRune
			continue
		}
		if r == '\\' {
			r, w = utf8.DecodeRuneInString(s[i:])
			i += w
		}
		c.ranges = append(c.ranges, r, r)
		last = r
	}
	return c
}
