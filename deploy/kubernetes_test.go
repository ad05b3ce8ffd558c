package deploy

import (
	"fmt"
	"path"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// nonRootUID is distroless's "nonroot" user, which the image runs as.
const nonRootUID = 65532

// k8sObjects are one deployment shape's resources decoded into their
// upstream types.
type k8sObjects struct {
	Deployment appsv1.Deployment
	Service    corev1.Service
	// HPA is nil when the shape has no autoscaler (the in-memory base).
	HPA       *autoscalingv2.HorizontalPodAutoscaler
	PDB       policyv1.PodDisruptionBudget
	ConfigMap corev1.ConfigMap
	// Secret is the template secret.example.yaml (never deployed from git).
	Secret corev1.Secret
}

// k8sWants are the facts from the server's code and README the manifests
// must agree with.
type k8sWants struct {
	port     int
	shutdown time.Duration
	settings map[string]bool
}

// decodeStrict decodes one manifest into its upstream type, rejecting
// unknown and duplicate fields, and checks its apiVersion and kind.
func decodeStrict(name string, data []byte, obj runtime.Object, apiVersion, kind string) error {
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	if got := gvk.GroupVersion().String(); got != apiVersion || gvk.Kind != kind {
		return fmt.Errorf("%s: apiVersion/kind = %s/%s, want %s/%s", name, got, gvk.Kind, apiVersion, kind)
	}
	return nil
}

func loadBaseFiles(t *testing.T) *k8sObjects {
	t.Helper()
	var o k8sObjects
	for _, f := range []struct {
		file, apiVersion, kind string
		obj                    runtime.Object
	}{
		{"deployment.yaml", "apps/v1", "Deployment", &o.Deployment},
		{"service.yaml", "v1", "Service", &o.Service},
		{"pdb.yaml", "policy/v1", "PodDisruptionBudget", &o.PDB},
		{"configmap.yaml", "v1", "ConfigMap", &o.ConfigMap},
		{"secret.example.yaml", "v1", "Secret", &o.Secret},
	} {
		name := path.Join("kubernetes/base", f.file)
		if err := decodeStrict(name, read(t, name), f.obj, f.apiVersion, f.kind); err != nil {
			t.Fatal(err)
		}
	}
	return &o
}

func k8sWantsFor(t *testing.T) k8sWants {
	t.Helper()
	return k8sWants{port: listenPort(t), shutdown: shutdownDeadline(), settings: readmeSettings(t)}
}

// k8sCheck is one requirement on the manifests; check returns what is wrong.
type k8sCheck struct {
	name  string
	check func(o *k8sObjects, w k8sWants) error
}

// container returns the Deployment's only container.
func container(o *k8sObjects) (*corev1.Container, error) {
	cs := o.Deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		return nil, fmt.Errorf("deployment has %d containers, want 1", len(cs))
	}
	return &cs[0], nil
}

// withContainer adapts a check on the container.
func withContainer(f func(c *corev1.Container, o *k8sObjects, w k8sWants) error) func(*k8sObjects, k8sWants) error {
	return func(o *k8sObjects, w k8sWants) error {
		c, err := container(o)
		if err != nil {
			return err
		}
		return f(c, o, w)
	}
}

// selects reports whether sel matches the pod template's labels.
func selects(sel *metav1.LabelSelector, o *k8sObjects) error {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return err
	}
	if s.Empty() {
		return fmt.Errorf("selector is empty")
	}
	pod := labels.Set(o.Deployment.Spec.Template.Labels)
	if !s.Matches(pod) {
		return fmt.Errorf("selector %s does not match pod labels %v", s, pod)
	}
	return nil
}

// probePort resolves a probe's port (a number or a container port's name).
func probePort(c *corev1.Container, p intstr.IntOrString) int {
	if p.Type == intstr.Int {
		return p.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return -1
}

func checkProbe(c *corev1.Container, kind string, p *corev1.Probe, wantPath string, port int) error {
	if p == nil || p.HTTPGet == nil {
		return fmt.Errorf("%s probe is not an HTTP GET", kind)
	}
	if p.HTTPGet.Path != wantPath {
		return fmt.Errorf("%s probe path = %q, want %q", kind, p.HTTPGet.Path, wantPath)
	}
	if got := probePort(c, p.HTTPGet.Port); got != port {
		return fmt.Errorf("%s probe port %s = %d, want %d", kind, p.HTTPGet.Port.String(), got, port)
	}
	return nil
}

func boolIs(p *bool, want bool) bool { return p != nil && *p == want }

func int64Is(p *int64, want int64) bool { return p != nil && *p == want }

// envSources returns the Secret keys the container reads through
// secretKeyRef and secret volume items.
func secretKeysRead(c *corev1.Container, o *k8sObjects) ([]string, error) {
	var keys []string
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			if ref.Name != o.Secret.Name {
				return nil, fmt.Errorf("env %s reads Secret %q, want %q", e.Name, ref.Name, o.Secret.Name)
			}
			keys = append(keys, ref.Key)
		}
	}
	for _, v := range o.Deployment.Spec.Template.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		if v.Secret.SecretName != o.Secret.Name {
			return nil, fmt.Errorf("volume %s mounts Secret %q, want %q", v.Name, v.Secret.SecretName, o.Secret.Name)
		}
		if len(v.Secret.Items) == 0 {
			return nil, fmt.Errorf("volume %s mounts every key of the Secret; list the keys it needs in items", v.Name)
		}
		for _, it := range v.Secret.Items {
			keys = append(keys, it.Key)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// settingsSeen returns every TIERGATE_* variable the pod gets, with its
// literal value ("" when it comes from a Secret).
func settingsSeen(c *corev1.Container, o *k8sObjects) map[string]string {
	seen := map[string]string{}
	for k, v := range o.ConfigMap.Data {
		seen[k] = v
	}
	for _, e := range c.Env {
		seen[e.Name] = e.Value
	}
	return seen
}

func runK8sChecks(t *testing.T, o *k8sObjects, w k8sWants, checks []k8sCheck) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.check(o, w); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestKubernetesBaseFiles checks the base's files as written; the built
// shapes are checked in TestKustomizeBuildOutput.
func TestKubernetesBaseFiles(t *testing.T) {
	runK8sChecks(t, loadBaseFiles(t), k8sWantsFor(t), slices.Concat(k8sChecks, inMemoryChecks))
}
