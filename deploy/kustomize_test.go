package deploy

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

func build(t *testing.T, dir string) resmap.ResMap {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return m
}

func kinds(m resmap.ResMap) []string {
	var ks []string
	for _, r := range m.Resources() {
		ks = append(ks, r.GetKind()+"/"+r.GetName())
	}
	slices.Sort(ks)
	return ks
}

var baseKinds = []string{
	"ConfigMap/tiergate",
	"Deployment/tiergate",
	"PodDisruptionBudget/tiergate",
	"Service/tiergate",
}

// shapes are the two ways to deploy tiergate and what each must satisfy
// beyond k8sChecks.
var shapes = []struct {
	dir    string
	checks []k8sCheck
}{
	{"kubernetes/base", inMemoryChecks},
	{"kubernetes/overlays/postgres", postgresChecks},
}

func TestKustomizeBuild(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		// No Secret: the real one is created by hand, never kept in git.
		{"kubernetes/base", baseKinds},
		{"kubernetes/overlays/servicemonitor", append(slices.Clone(baseKinds), "ServiceMonitor/tiergate")},
		{"kubernetes/overlays/postgres", append(slices.Clone(baseKinds), "HorizontalPodAutoscaler/tiergate")},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got := kinds(build(t, tt.dir))
			want := slices.Sorted(slices.Values(tt.want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("kustomize build %s resources (-want +got):\n%s", tt.dir, diff)
			}
		})
	}
}

// decodeBuild builds dir with kustomize and decodes what it produces; the
// Secret is the template, which no shape deploys.
func decodeBuild(t *testing.T, dir string) *k8sObjects {
	t.Helper()
	var o k8sObjects
	for _, r := range build(t, dir).Resources() {
		data, err := r.AsYAML()
		if err != nil {
			t.Fatalf("%s: %v", r.GetKind(), err)
		}
		var obj runtime.Object
		var apiVersion string
		switch r.GetKind() {
		case "Deployment":
			obj, apiVersion = &o.Deployment, "apps/v1"
		case "Service":
			obj, apiVersion = &o.Service, "v1"
		case "HorizontalPodAutoscaler":
			o.HPA = &autoscalingv2.HorizontalPodAutoscaler{}
			obj, apiVersion = o.HPA, "autoscaling/v2"
		case "PodDisruptionBudget":
			obj, apiVersion = &o.PDB, "policy/v1"
		case "ConfigMap":
			obj, apiVersion = &o.ConfigMap, "v1"
		default:
			t.Fatalf("unexpected kind %s in %s", r.GetKind(), dir)
		}
		if err := decodeStrict(dir+": built "+r.GetKind(), data, obj, apiVersion, r.GetKind()); err != nil {
			t.Fatal(err)
		}
	}
	o.Secret = loadBaseFiles(t).Secret
	return &o
}

// TestKustomizeBuildOutput runs every check on what kustomize produces for
// each shape, so a transformer (images, labels) or a patch cannot undo a
// setting.
func TestKustomizeBuildOutput(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.dir, func(t *testing.T) {
			o := decodeBuild(t, s.dir)
			c, err := container(o)
			if err != nil {
				t.Fatal(err)
			}
			if c.Image != "tiergate:dev" {
				t.Errorf("built image = %q, want %q (kustomization images)", c.Image, "tiergate:dev")
			}
			runK8sChecks(t, o, k8sWantsFor(t), slices.Concat(k8sChecks, s.checks))
		})
	}
}

// TestServiceMonitor checks the overlay's ServiceMonitor as plain YAML:
// there is no Go type for it among our dependencies.
func TestServiceMonitor(t *testing.T) {
	var svc map[string]any
	var sm map[string]any
	for _, r := range build(t, "kubernetes/overlays/servicemonitor").Resources() {
		data, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		switch r.GetKind() {
		case "Service":
			if err := yaml.Unmarshal(data, &svc); err != nil {
				t.Fatal(err)
			}
		case "ServiceMonitor":
			if err := yaml.Unmarshal(data, &sm); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sm == nil || svc == nil {
		t.Fatalf("overlay build lacks the Service or the ServiceMonitor")
	}
	svcPort := fmt.Sprint(dig(svc, "spec", "ports", 0, "name"))
	tests := []struct {
		name string
		path []any
		want any
	}{
		{"apiVersion", []any{"apiVersion"}, "monitoring.coreos.com/v1"},
		{"kind", []any{"kind"}, "ServiceMonitor"},
		{"selector matches the Service's labels", []any{"spec", "selector", "matchLabels"}, dig(svc, "metadata", "labels")},
		{"endpoint port is the Service's port name", []any{"spec", "endpoints", 0, "port"}, svcPort},
		{"endpoint path", []any{"spec", "endpoints", 0, "path"}, "/metrics"},
		{"one endpoint", []any{"spec", "endpoints", "len"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dig(sm, tt.path...)
			if tt.want == nil || !cmp.Equal(got, tt.want) {
				t.Errorf("ServiceMonitor %v = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

// dig walks decoded YAML by map keys and list indexes; "len" gives a
// list's length. It returns nil when the path does not exist.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			k, ok := p.(string)
			if !ok {
				return nil
			}
			v = x[k]
		case []any:
			if p == "len" {
				return len(x)
			}
			i, ok := p.(int)
			if !ok || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
