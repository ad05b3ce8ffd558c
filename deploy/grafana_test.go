package deploy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tiergate/tiergate/bot"
)

// dashboard is the part of Grafana's dashboard JSON the tests read.
type dashboard struct {
	Inputs []struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		PluginID string `json:"pluginId"`
	} `json:"__inputs"`
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string      `json:"name"`
			Datasource *datasource `json:"datasource"`
			Query      struct {
				Query string `json:"query"`
			} `json:"query"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	GridPos    struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Targets []struct {
		RefID        string      `json:"refId"`
		Expr         string      `json:"expr"`
		LegendFormat string      `json:"legendFormat"`
		Datasource   *datasource `json:"datasource"`
	} `json:"targets"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Standard metrics from the Go and process collectors that bot.NewMetrics
// registers; the dashboard may use these besides bot.MetricNames.
var standardMetrics = map[string]bool{
	"go_goroutines":                 true,
	"go_memstats_heap_inuse_bytes":  true,
	"go_memstats_alloc_bytes":       true,
	"go_gc_duration_seconds":        true,
	"process_cpu_seconds_total":     true,
	"process_resident_memory_bytes": true,
	"process_open_fds":              true,
	"process_max_fds":               true,
	"process_start_time_seconds":    true,
}

// Labels Prometheus adds when scraping, usable in any query.
var targetLabels = []string{"job", "instance", "pod", "namespace"}

// metricLabels returns each bot metric's variable label names, read from the
// collectors' descriptions so the test follows the code.
func metricLabels(t *testing.T) map[string][]string {
	t.Helper()
	m := bot.NewMetrics()
	descs := make(chan *prometheus.Desc, 64)
	v := reflect.ValueOf(m).Elem()
	collector := reflect.TypeOf((*prometheus.Collector)(nil)).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type() == reflect.TypeOf(m.Registry) || !f.Type().Implements(collector) {
			continue
		}
		f.Interface().(prometheus.Collector).Describe(descs)
	}
	close(descs)
	// Desc only exposes its parts through String.
	re := regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*variableLabels: \{([^}]*)\}\}$`)
	out := map[string][]string{}
	for d := range descs {
		p := re.FindStringSubmatch(d.String())
		if p == nil {
			t.Fatalf("cannot read metric description %s", d)
		}
		var ls []string
		if p[2] != "" {
			ls = strings.Split(p[2], ",")
		}
		out[p[1]] = ls
	}
	for _, n := range bot.MetricNames {
		if _, ok := out[n]; !ok {
			t.Fatalf("bot.MetricNames lists %s but bot.NewMetrics does not describe it", n)
		}
	}
	return out
}

// resolveMetric maps a series name to its bot metric (stripping histogram
// suffixes) and says whether the dashboard may use it.
func resolveMetric(name string, labels map[string][]string) (base string, ok bool) {
	if _, ok := labels[name]; ok {
		return name, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if b, cut := strings.CutSuffix(name, suffix); cut {
			if _, ok := labels[b]; ok {
				return b, true
			}
		}
	}
	return name, standardMetrics[name]
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(read(t, "grafana/tiergate.json"), &d); err != nil {
		t.Fatalf("grafana/tiergate.json: %v", err)
	}
	return d
}

func TestDashboardQueries(t *testing.T) {
	d := loadDashboard(t)
	labels := metricLabels(t)
	used := map[string]bool{}
	quantiles := map[string]bool{}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			t.Run(fmt.Sprintf("%s/%s", p.Title, tg.RefID), func(t *testing.T) {
				q, err := parsePromQL(tg.Expr)
				if err != nil {
					t.Fatal(err)
				}
				if len(q.metrics) == 0 {
					t.Fatalf("expr %q uses no metric", tg.Expr)
				}
				allowed := slices.Clone(targetLabels)
				for _, m := range q.metrics {
					base, ok := resolveMetric(m, labels)
					if !ok {
						t.Errorf("expr %q uses %s, which is not in bot.MetricNames or the Go/process collectors", tg.Expr, m)
						continue
					}
					used[base] = true
					allowed = append(allowed, labels[base]...)
					if strings.HasSuffix(m, "_bucket") {
						allowed = append(allowed, "le")
					}
				}
				for _, l := range q.labels {
					if !slices.Contains(allowed, l) {
						t.Errorf("expr %q uses label %q; its metrics have %v", tg.Expr, l, allowed)
					}
				}
				for _, l := range regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`).FindAllStringSubmatch(tg.LegendFormat, -1) {
					if !slices.Contains(allowed, l[1]) {
						t.Errorf("legend %q uses label %q; its metrics have %v", tg.LegendFormat, l[1], allowed)
					}
				}
				if m := regexp.MustCompile(`histogram_quantile\(\s*([0-9.]+)`).FindStringSubmatch(tg.Expr); m != nil {
					quantiles[m[1]] = true
				}
			})
		}
	}
	t.Run("every tiergate metric has a panel", func(t *testing.T) {
		for _, n := range bot.MetricNames {
			if !used[n] {
				t.Errorf("no panel shows %s", n)
			}
		}
	})
	t.Run("latency p50 p95 p99", func(t *testing.T) {
		for _, q := range []string{"0.5", "0.95", "0.99"} {
			if !quantiles[q] {
				t.Errorf("no histogram_quantile(%s, ...) panel", q)
			}
		}
	})
	t.Run("template variables", func(t *testing.T) {
		for _, v := range d.Templating.List {
			for _, q := range []string{v.Query.Query, v.Definition} {
				m := labelValues.FindStringSubmatch(q)
				if m == nil {
					t.Errorf("variable %s query %q is not label_values(metric, label)", v.Name, q)
					continue
				}
				if base, ok := resolveMetric(m[1], labels); !ok || !slices.Contains(append(slices.Clone(targetLabels), labels[base]...), m[2]) {
					t.Errorf("variable %s query %q: unknown metric or label", v.Name, q)
				}
			}
		}
	})
}

func TestDashboardStructure(t *testing.T) {
	d := loadDashboard(t)
	const ds = "${DS_PROMETHEUS}"
	t.Run("datasource input", func(t *testing.T) {
		if len(d.Inputs) != 1 || d.Inputs[0].Name != "DS_PROMETHEUS" || d.Inputs[0].PluginID != "prometheus" {
			t.Errorf("__inputs = %+v, want one prometheus input DS_PROMETHEUS", d.Inputs)
		}
	})
	t.Run("identity", func(t *testing.T) {
		if d.UID == "" || d.Title == "" {
			t.Errorf("uid = %q, title = %q; both must be set", d.UID, d.Title)
		}
	})
	ids := map[int]bool{}
	for _, p := range d.Panels {
		t.Run(p.Title, func(t *testing.T) {
			if ids[p.ID] {
				t.Errorf("panel id %d is used twice", p.ID)
			}
			ids[p.ID] = true
			if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("gridPos x=%d w=%d is outside the 24-column grid", p.GridPos.X, p.GridPos.W)
			}
			if p.Type == "row" {
				return
			}
			if len(p.Targets) == 0 {
				t.Error("panel has no queries")
			}
			if p.Datasource == nil || p.Datasource.UID != ds {
				t.Errorf("panel datasource = %+v, want uid %s", p.Datasource, ds)
			}
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.UID != ds {
					t.Errorf("target %s datasource = %+v, want uid %s", tg.RefID, tg.Datasource, ds)
				}
			}
		})
	}
	for _, v := range d.Templating.List {
		if v.Datasource == nil || v.Datasource.UID != ds {
			t.Errorf("variable %s datasource = %+v, want uid %s", v.Name, v.Datasource, ds)
		}
	}
}
