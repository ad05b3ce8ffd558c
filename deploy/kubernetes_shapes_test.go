package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// databaseURLKey is the Secret key overlays/postgres reads
// TIERGATE_DATABASE_URL from.
const databaseURLKey = "database-url"

// inMemoryChecks are the requirements on the base: without a database the
// queue and dedupe live in one process, so there must never be two.
var inMemoryChecks = []k8sCheck{
	{"exactly one replica", func(o *k8sObjects, _ k8sWants) error {
		if r := replicas(o); r != 1 {
			return fmt.Errorf("replicas = %d, want 1: in memory, two replicas can leave a stale verdict", r)
		}
		return nil
	}},
	{"no database", withContainer(func(c *corev1.Container, o *k8sObjects, _ k8sWants) error {
		if _, set := settingsSeen(c, o)["TIERGATE_DATABASE_URL"]; set {
			return fmt.Errorf("the in-memory base sets TIERGATE_DATABASE_URL; that belongs in overlays/postgres")
		}
		return nil
	})},
	{"Recreate: rollouts never overlap two pods", func(o *k8sObjects, _ k8sWants) error {
		s := o.Deployment.Spec.Strategy
		if s.Type != appsv1.RecreateDeploymentStrategyType || s.RollingUpdate != nil {
			return fmt.Errorf("strategy = %s (rollingUpdate %v), want Recreate", s.Type, s.RollingUpdate)
		}
		return nil
	}},
	{"no autoscaler", func(o *k8sObjects, _ k8sWants) error {
		if o.HPA != nil {
			return fmt.Errorf("the in-memory base has HorizontalPodAutoscaler %s; it would add replicas", o.HPA.Name)
		}
		return nil
	}},
	{"pdb lets the one pod be evicted", func(o *k8sObjects, _ k8sWants) error {
		n, err := allowedDisruptions(&o.PDB, replicas(o))
		if err != nil {
			return err
		}
		if n < 1 {
			return fmt.Errorf("pdb allows %d evictions of %d pod: node drains would block", n, replicas(o))
		}
		return nil
	}},
}

// postgresChecks are the requirements on overlays/postgres.
var postgresChecks = []k8sCheck{
	{"TIERGATE_DATABASE_URL from the Secret", withContainer(func(c *corev1.Container, o *k8sObjects, _ k8sWants) error {
		ref := secretEnv(c, "TIERGATE_DATABASE_URL")
		if ref == nil {
			return fmt.Errorf("TIERGATE_DATABASE_URL is not read from a Secret")
		}
		if ref.Name != o.Secret.Name || ref.Key != databaseURLKey {
			return fmt.Errorf("TIERGATE_DATABASE_URL reads %s/%s, want %s/%s", ref.Name, ref.Key, o.Secret.Name, databaseURLKey)
		}
		if ref.Optional != nil && *ref.Optional {
			return fmt.Errorf("TIERGATE_DATABASE_URL is optional: a missing key would start in-memory replicas")
		}
		return nil
	})},
	{"at least two replicas", func(o *k8sObjects, _ k8sWants) error {
		if r := replicas(o); r < 2 {
			return fmt.Errorf("replicas = %d, want at least 2", r)
		}
		return nil
	}},
	{"rolling update starts the new pod before stopping an old one", func(o *k8sObjects, _ k8sWants) error {
		s := o.Deployment.Spec.Strategy
		if s.Type != appsv1.RollingUpdateDeploymentStrategyType || s.RollingUpdate == nil {
			return fmt.Errorf("strategy = %s, want RollingUpdate with maxUnavailable 0", s.Type)
		}
		ru := s.RollingUpdate
		if ru.MaxUnavailable == nil || ru.MaxUnavailable.String() != "0" ||
			ru.MaxSurge == nil || ru.MaxSurge.String() == "0" || ru.MaxSurge.String() == "0%" {
			return fmt.Errorf("rollingUpdate maxSurge = %v, maxUnavailable = %v; want a surge and maxUnavailable 0", ru.MaxSurge, ru.MaxUnavailable)
		}
		return nil
	}},
	{"hpa scales the deployment on cpu from 2 to 10", func(o *k8sObjects, _ k8sWants) error {
		if o.HPA == nil {
			return fmt.Errorf("no HorizontalPodAutoscaler")
		}
		s := o.HPA.Spec
		ref := s.ScaleTargetRef
		if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != o.Deployment.Name {
			return fmt.Errorf("hpa targets %s %s/%s, want apps/v1 Deployment/%s", ref.APIVersion, ref.Kind, ref.Name, o.Deployment.Name)
		}
		if s.MinReplicas == nil || *s.MinReplicas != 2 || s.MaxReplicas != 10 {
			return fmt.Errorf("hpa replicas = %v..%d, want 2..10", s.MinReplicas, s.MaxReplicas)
		}
		if r := replicas(o); r < *s.MinReplicas || r > s.MaxReplicas {
			return fmt.Errorf("deployment replicas %d outside the hpa's %d..%d", r, *s.MinReplicas, s.MaxReplicas)
		}
		for _, m := range s.Metrics {
			if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
				m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil {
				return nil
			}
		}
		return fmt.Errorf("hpa has no cpu utilization metric")
	}},
	{"pdb keeps one pod and still lets one be evicted", func(o *k8sObjects, _ k8sWants) error {
		s := o.PDB.Spec
		if s.MinAvailable == nil || *s.MinAvailable != intstr.FromInt32(1) || s.MaxUnavailable != nil {
			return fmt.Errorf("pdb minAvailable = %v, maxUnavailable = %v; want minAvailable 1 only", s.MinAvailable, s.MaxUnavailable)
		}
		if n, err := allowedDisruptions(&o.PDB, replicas(o)); err != nil || n < 1 {
			return fmt.Errorf("pdb allows %d evictions of %d pods (%v): node drains would block", n, replicas(o), err)
		}
		return nil
	}},
}

// replicas is the Deployment's replica count (1 when unset, as the API
// server defaults it).
func replicas(o *k8sObjects) int32 {
	if r := o.Deployment.Spec.Replicas; r != nil {
		return *r
	}
	return 1
}

// allowedDisruptions is how many of pods healthy pods the budget lets be
// evicted, computed as the disruption controller does.
func allowedDisruptions(pdb *policyv1.PodDisruptionBudget, pods int32) (int32, error) {
	s := pdb.Spec
	switch {
	case s.MinAvailable != nil && s.MaxUnavailable != nil:
		return 0, fmt.Errorf("pdb sets both minAvailable and maxUnavailable")
	case s.MinAvailable != nil:
		min, err := intstr.GetScaledValueFromIntOrPercent(s.MinAvailable, int(pods), true)
		if err != nil {
			return 0, fmt.Errorf("pdb minAvailable: %w", err)
		}
		return max(pods-int32(min), 0), nil
	case s.MaxUnavailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(s.MaxUnavailable, int(pods), true)
		if err != nil {
			return 0, fmt.Errorf("pdb maxUnavailable: %w", err)
		}
		return min(int32(n), pods), nil
	}
	return 0, fmt.Errorf("pdb sets neither minAvailable nor maxUnavailable")
}

// secretEnv returns the Secret reference of the container's env var name,
// or nil when it is unset or not from a Secret.
func secretEnv(c *corev1.Container, name string) *corev1.SecretKeySelector {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return e.ValueFrom.SecretKeyRef
		}
	}
	return nil
}

// secretTemplateKeys are the keys of secret.example.yaml, sorted.
func secretTemplateKeys(o *k8sObjects) []string {
	var keys []string
	for k := range o.Secret.StringData {
		keys = append(keys, k)
	}
	for k := range o.Secret.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestSecretTemplateKeys checks the template lists exactly the keys the two
// shapes read, so it neither misses one nor keeps a stale one.
func TestSecretTemplateKeys(t *testing.T) {
	var read []string
	var o *k8sObjects
	for _, s := range shapes {
		o = decodeBuild(t, s.dir)
		c, err := container(o)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := secretKeysRead(c, o)
		if err != nil {
			t.Fatalf("%s: %v", s.dir, err)
		}
		read = append(read, keys...)
	}
	slices.Sort(read)
	read = slices.Compact(read)
	if have := secretTemplateKeys(o); !slices.Equal(read, have) {
		t.Errorf("the shapes read Secret keys %v, secret.example.yaml has %v", read, have)
	}
}

// TestConfigMapMatchesSystemdEnv checks that the two places listing server
// defaults agree on every setting they share, and that durations parse.
func TestConfigMapMatchesSystemdEnv(t *testing.T) {
	env, err := parseEnvFile(read(t, "systemd/tiergate.env.example"))
	if err != nil {
		t.Fatalf("tiergate.env.example: %v", err)
	}
	cm := loadBaseFiles(t).ConfigMap.Data
	shared := 0
	for k, v := range cm {
		if ev, ok := env[k]; ok {
			shared++
			if ev != v {
				t.Errorf("%s = %q in the ConfigMap, %q in tiergate.env.example", k, v, ev)
			}
		}
		if strings.HasSuffix(k, "_TIMEOUT") || strings.HasSuffix(k, "_INTERVAL") {
			if _, err := time.ParseDuration(v); err != nil {
				t.Errorf("ConfigMap %s = %q: %v", k, v, err)
			}
		}
	}
	if shared == 0 {
		t.Error("the ConfigMap and tiergate.env.example share no setting")
	}
}

// TestBaseClearsRollingUpdate checks the base, as written and as built,
// sets strategy.rollingUpdate to an explicit null: without it, applying the
// base over a Deployment that was created with RollingUpdate is rejected
// (Recreate may not have rollingUpdate settings).
func TestBaseClearsRollingUpdate(t *testing.T) {
	var built []byte
	for _, r := range build(t, "kubernetes/base").Resources() {
		if r.GetKind() == "Deployment" {
			var err error
			if built, err = r.AsYAML(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, data := range map[string][]byte{
		"deployment.yaml": read(t, "kubernetes/base/deployment.yaml"),
		"built":           built,
	} {
		var d map[string]any
		if err := yaml.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		strategy, _ := dig(d, "spec", "strategy").(map[string]any)
		if v, ok := strategy["rollingUpdate"]; !ok || v != nil {
			t.Errorf("%s: spec.strategy = %v, want rollingUpdate: null", name, strategy)
		}
	}
}
