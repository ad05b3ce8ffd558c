package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestErrorList(t *testing.T) {
	e := func(line int, msg string) ConfigError {
		return ConfigError{File: "c.yml", Line: line, Column: 1, Message: msg, Hint: "h"}
	}
	tests := []struct {
		name       string
		add        []ConfigError
		byPosition bool
		want       ConfigErrors
	}{
		{
			name: "identical problems once, in the order found",
			add:  []ConfigError{e(3, "b"), e(1, "a"), e(3, "b"), e(1, "a"), e(3, "c")},
			want: ConfigErrors{e(3, "b"), e(1, "a"), e(3, "c")},
		},
		{
			name:       "sorted by position for one file",
			add:        []ConfigError{e(3, "b"), e(1, "a"), e(3, "b")},
			byPosition: true,
			want:       ConfigErrors{e(1, "a"), e(3, "b")},
		},
		{
			name: "same message at another place is another problem",
			add:  []ConfigError{e(1, "a"), e(2, "a")},
			want: ConfigErrors{e(1, "a"), e(2, "a")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l errorList
			for _, x := range tt.add {
				l.add(x)
			}
			if diff := cmp.Diff(tt.want, l.list(tt.byPosition)); diff != "" {
				t.Errorf("errorList.list mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrorListCountsDistinct checks the problems beyond maxErrors are
// counted once each, and the count comes last.
func TestErrorListCountsDistinct(t *testing.T) {
	var l errorList
	for range 3 {
		for i := range maxErrors + 7 {
			l.add(ConfigError{File: "c.yml", Line: i + 1, Column: 1, Message: "m", Hint: "h"})
		}
	}
	got := l.list(true)
	if len(got) != maxErrors+1 {
		t.Fatalf("len(list) = %d, want %d", len(got), maxErrors+1)
	}
	if last := got[len(got)-1]; last.Message != "7 more problems not shown" || last.Line != maxErrors {
		t.Errorf("last = %d: %q, want %d: %q", last.Line, last.Message, maxErrors, "7 more problems not shown")
	}
}

// laughs is a "billion laughs" prefix: *i stands for 10^9 strings.
func laughs() string {
	s := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		s += n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", ") + "]\n"
		prev = n
	}
	return s
}

// TestParseDedupes checks an error met again through an alias is printed
// once.
func TestParseDedupes(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"laughs as a glob list", "version: 1\n" + laughs() + "paths:\n  source: *i\n", "c.yml:9:4: paths.source: expected a string, got a list"},
		{"laughs as a critical path's globs", "version: 1\n" + laughs() + "critical_paths: [{name: p, paths: *i}]\n", "c.yml:9:4: critical_paths[0].paths: expected a string, got a list"},
		{"laughs as labels", "version: 1\n" + laughs() + "tiers: {feature: {labels: *i}}\n", "c.yml:9:4: tiers.feature.labels: expected a string, got a list"},
		{"one entry aliased twice", "version: 1\nx: &e {name: p, paths: [a/**]}\ncritical_paths: [*e, *e, *e]\n", `c.yml:2:8: critical_paths: duplicate name "p", already used on line 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(tt.data))
			var errs ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v, want ConfigErrors", err)
			}
			seen := map[string]bool{}
			found := 0
			for _, e := range errs {
				l := e.Error()
				if seen[l] {
					t.Errorf("Parse printed twice: %s", l)
				}
				seen[l] = true
				if strings.HasPrefix(l, tt.want) {
					found++
				}
			}
			if found != 1 {
				t.Errorf("Parse printed %q %d times, want once; all:\n%v", tt.want, found, err)
			}
		})
	}
}

// TestParseCountComesLast checks the count of problems not shown ends the
// list, even when a problem found late sorts early: here the alias
// expansion limit, found last, at line 3.
func TestParseCountComesLast(t *testing.T) {
	globs := strings.TrimSuffix(strings.Repeat("a/**, ", 1000), ", ")
	var b strings.Builder
	b.WriteString("version: 1\ng: &g [" + globs + "]\ne: &e {name: p, paths: *g}\n")
	for i := range 60 {
		fmt.Fprintf(&b, "bogus%d: 1\n", i)
	}
	b.WriteString("critical_paths: [" + strings.TrimSuffix(strings.Repeat("*e, ", 2000), ", ") + "]\n")
	_, err := Parse("c.yml", []byte(b.String()))
	var errs ConfigErrors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want ConfigErrors", err)
	}
	for i, e := range errs[:len(errs)-1] {
		if strings.HasSuffix(e.Message, "more problems not shown") {
			t.Errorf("error %d of %d is %q, want the count last", i+1, len(errs), e.Message)
		}
	}
	if last := errs[len(errs)-1].Message; last != "13 more problems not shown" {
		t.Errorf("last error = %q, want %q", last, "13 more problems not shown")
	}
	if !strings.Contains(err.Error(), "c.yml:3:24: alias expansion limit") {
		t.Errorf("Parse = %.2000v\nwant the alias expansion limit at 3:24", err)
	}
}
