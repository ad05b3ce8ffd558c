package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// query is what a PromQL expression references.
type query struct {
	metrics []string
	labels  []string // in matchers and by/without/on/ignoring clauses
}

var (
	promString  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promMatcher = regexp.MustCompile(`\{([^{}]*)\}`)
	promRange   = regexp.MustCompile(`\[[^\]]*\]`)
	promLabel   = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)`)
	promIdent   = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	// promGrouping keywords take a parenthesised label list.
	promGrouping = map[string]bool{
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	}
	promKeyword = map[string]bool{
		"group_left": true, "group_right": true, "bool": true, "and": true, "or": true, "unless": true,
		"offset": true, "inf": true, "nan": true,
	}
	// promAggregator operators may be followed by "by (...)" before their
	// parenthesis.
	promAggregator = map[string]bool{
		"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
		"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
		"limitk": true, "limit_ratio": true,
	}
	labelValues = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)
)

// parsePromQL finds the metric and label names in an expression. It is not
// a full parser, but it knows enough PromQL for a dashboard: strings,
// matchers, ranges, functions, grouping clauses and keywords.
func parsePromQL(expr string) (query, error) {
	var q query
	s := promString.ReplaceAllString(expr, `""`)
	for _, m := range promMatcher.FindAllStringSubmatch(s, -1) {
		for _, l := range promLabel.FindAllStringSubmatch(m[1], -1) {
			q.labels = append(q.labels, l[1])
		}
	}
	s = promMatcher.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	if strings.ContainsAny(s, "{}[]") {
		return q, fmt.Errorf("unbalanced brackets in %q", expr)
	}
	for pos := 0; pos < len(s); {
		loc := promIdent.FindStringIndex(s[pos:])
		if loc == nil {
			break
		}
		from, to := pos+loc[0], pos+loc[1]
		pos = to
		id := s[from:to]
		if from > 0 && strings.ContainsRune(".$0123456789", rune(s[from-1])) {
			continue // part of a number such as 1e3, or a variable
		}
		rest := strings.TrimLeft(s[to:], " \t\n")
		switch {
		case promGrouping[id] && strings.HasPrefix(rest, "("):
			args, _, ok := strings.Cut(rest[1:], ")")
			if !ok {
				return q, fmt.Errorf("unclosed %s ( in %q", id, expr)
			}
			for _, l := range strings.Split(args, ",") {
				if l = strings.TrimSpace(l); l != "" {
					q.labels = append(q.labels, l)
				}
			}
			pos = len(s) - len(rest) + 1 + len(args) + 1
		case promKeyword[id], promAggregator[id], strings.HasPrefix(rest, "("):
			// keyword, aggregation or function call
		default:
			q.metrics = append(q.metrics, id)
		}
	}
	return q, nil
}

func TestParsePromQL(t *testing.T) {
	tests := []struct {
		expr    string
		metrics []string
		labels  []string
	}{
		{`sum by (event, outcome) (rate(tiergate_webhook_deliveries_total{job=~"$job"}[$__rate_interval]))`,
			[]string{"tiergate_webhook_deliveries_total"}, []string{"job", "event", "outcome"}},
		{`histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le))`, []string{"x_bucket"}, []string{"le"}},
		{`a{s!~"2.."} / ignoring (s) group_left sum(b)`, []string{"a", "b"}, []string{"s", "s"}},
		{`up == 1e3`, []string{"up"}, nil},
		{`count(foo{a="{b}"}) > 0`, []string{"foo"}, []string{"a"}},
		{`sum without (pod) (m) * on (job) group_left (tier) n`, []string{"m", "n"}, []string{"pod", "job", "tier"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			q, err := parsePromQL(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(q.metrics, tt.metrics) || !slices.Equal(q.labels, tt.labels) {
				t.Errorf("parsePromQL(%q) = %v %v, want %v %v", tt.expr, q.metrics, q.labels, tt.metrics, tt.labels)
			}
		})
	}
}
