package rules

import "unicode/utf8"

// globStates is room for every state a glob within MaxGlobLength compiles
// to: two per offset (with and without a segment starting there, which
// decides what "**" means), then a star's loop and a "**/"'s skip for each
// offset they may continue at. An accepted glob uses at most
// GlobStepsPerByte of them.
const globStates = 4 * (MaxGlobLength + 1)

// stateSet is a set of states in insertion order.
type stateSet struct {
	seen [(globStates + 63) / 64]uint64
	list []int32
}

// add reports whether id was new.
func (s *stateSet) add(id int32) bool {
	w, b := id/64, uint64(1)<<(id%64)
	if s.seen[w]&b != 0 {
		return false
	}
	s.seen[w] |= b
	s.list = append(s.list, id)
	return true
}

func (s *stateSet) reset() {
	for _, id := range s.list {
		s.seen[id/64] = 0
	}
	s.list = s.list[:0]
}

// match reports whether name matches, charging one step per state visited
// per character to *steps. It stops, undecided, once *steps would go below
// zero; nil steps means no limit. A state is visited at most once per
// character, so for an accepted glob the cost is at most GlobStepsPerByte
// steps per character.
func (g *globProg) match(name string, steps *int) (matched, decided bool) {
	n := int32(len(g.pattern))
	// State ids: offset*2+sos, "at offset, and sos says whether a segment
	// starts there"; loop(q) = 2(n+1)+q, a star that may take one more
	// character and continue at q; skip(q) = 3(n+1)+q, a "**/" that may
	// skip to past the next '/' and continue at q.
	loopBase, skipBase := 2*(n+1), 3*(n+1)
	var bufs [4][32]int32
	var sets [3]stateSet
	cur, next, closure := &sets[0], &sets[1], &sets[2]
	cur.list, next.list, closure.list = bufs[0][:0], bufs[1][:0], bufs[2][:0]
	stack := bufs[3][:0]
	cur.add(1) // offset 0, where a segment starts
	for i := 0; i < len(name); {
		r, w := utf8.DecodeRuneInString(name[i:])
		i += w
		// Follow the moves that read nothing: braces, stars, "**/".
		stack = append(stack[:0], cur.list...)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !closure.add(id) || id >= loopBase {
				continue
			}
			p, sos := id/2, id%2
			switch op := &g.op[p]; op.kind {
			case opOpen:
				for _, a := range op.alts {
					stack = append(stack, a*2+sos)
				}
			case opJump:
				stack = append(stack, op.next*2+sos)
			case opStar:
				switch {
				case op.pair && sos == 1 && op.dsEnd:
					return true, true // "/**" at the end: anything below matches
				case op.pair && sos == 1 && op.dsNext >= 0:
					stack = append(stack, op.dsNext*2+1, skipBase+op.dsNext)
				default:
					stack = append(stack, op.next*2, loopBase+op.next)
				}
			}
		}
		if steps != nil {
			if *steps -= len(closure.list); *steps < 0 {
				return false, false
			}
		}
		// Read r from every state that reads.
		for _, id := range closure.list {
			switch {
			case id >= skipBase:
				next.add(id)
				if r == '/' {
					next.add((id-skipBase)*2 + 1)
				}
			case id >= loopBase:
				if r != '/' {
					next.add(id)
					next.add((id - loopBase) * 2)
				}
			default:
				switch op := &g.op[id/2]; op.kind {
				case opLit:
					if op.r == r {
						if r == '/' {
							next.add(op.next*2 + 1)
						} else {
							next.add(op.next * 2)
						}
					}
				case opAny:
					if r != '/' {
						next.add(op.next * 2)
					}
				case opClass:
					if g.classes[op.class].match(r) {
						next.add(op.next * 2)
					}
				}
			}
		}
		closure.reset()
		cur.reset()
		cur, next = next, cur
		if len(cur.list) == 0 {
			return false, true
		}
	}
	// The path is read: accept where doublestar would, from the states
	// reached by reading its last character (not their closure).
	for _, id := range cur.list {
		if id < loopBase && g.zero[id/2] {
			return true, true
		}
	}
	return false, true
}
