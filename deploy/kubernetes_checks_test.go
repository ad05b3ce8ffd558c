package deploy

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// k8sChecks are the requirements on every deployment shape, each one named
// so a failure says which setting broke. What differs between the in-memory
// base and the PostgreSQL overlay is in kubernetes_shapes_test.go.
var k8sChecks = []k8sCheck{
	{"deployment selector matches pod labels", func(o *k8sObjects, _ k8sWants) error {
		return selects(o.Deployment.Spec.Selector, o)
	}},
	{"container port http is the server's listen port", withContainer(func(c *corev1.Container, _ *k8sObjects, w k8sWants) error {
		for _, p := range c.Ports {
			if p.Name == "http" {
				if int(p.ContainerPort) != w.port || p.Protocol != corev1.ProtocolTCP {
					return fmt.Errorf("port http = %d/%s, want %d/TCP", p.ContainerPort, p.Protocol, w.port)
				}
				return nil
			}
		}
		return fmt.Errorf("no container port named http")
	})},
	{"liveness probe GET /healthz", withContainer(func(c *corev1.Container, _ *k8sObjects, w k8sWants) error {
		return checkProbe(c, "liveness", c.LivenessProbe, "/healthz", w.port)
	})},
	{"readiness probe GET /readyz", withContainer(func(c *corev1.Container, _ *k8sObjects, w k8sWants) error {
		return checkProbe(c, "readiness", c.ReadinessProbe, "/readyz", w.port)
	})},
	{"pod runs as non-root 65532 with RuntimeDefault seccomp", func(o *k8sObjects, _ k8sWants) error {
		sc := o.Deployment.Spec.Template.Spec.SecurityContext
		switch {
		case sc == nil:
			return fmt.Errorf("pod securityContext missing")
		case !boolIs(sc.RunAsNonRoot, true):
			return fmt.Errorf("pod runAsNonRoot = %v, want true", sc.RunAsNonRoot)
		case !int64Is(sc.RunAsUser, nonRootUID):
			return fmt.Errorf("pod runAsUser = %v, want %d", sc.RunAsUser, nonRootUID)
		case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
			return fmt.Errorf("pod seccompProfile = %v, want RuntimeDefault", sc.SeccompProfile)
		}
		return nil
	}},
	{"container readOnlyRootFilesystem", withContainer(func(c *corev1.Container, _ *k8sObjects, _ k8sWants) error {
		if c.SecurityContext == nil || !boolIs(c.SecurityContext.ReadOnlyRootFilesystem, true) {
			return fmt.Errorf("container readOnlyRootFilesystem is not true")
		}
		return nil
	})},
	{"container runs as non-root 65532", withContainer(func(c *corev1.Container, _ *k8sObjects, _ k8sWants) error {
		sc := c.SecurityContext
		if sc == nil || !boolIs(sc.RunAsNonRoot, true) || !int64Is(sc.RunAsUser, nonRootUID) {
			return fmt.Errorf("container must set runAsNonRoot: true and runAsUser: %d", nonRootUID)
		}
		return nil
	})},
	{"container allowPrivilegeEscalation false", withContainer(func(c *corev1.Container, _ *k8sObjects, _ k8sWants) error {
		if c.SecurityContext == nil || !boolIs(c.SecurityContext.AllowPrivilegeEscalation, false) {
			return fmt.Errorf("container allowPrivilegeEscalation is not false")
		}
		if boolIs(c.SecurityContext.Privileged, true) {
			return fmt.Errorf("container is privileged")
		}
		return nil
	})},
	{"container drops ALL capabilities", withContainer(func(c *corev1.Container, _ *k8sObjects, _ k8sWants) error {
		sc := c.SecurityContext
		if sc == nil || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
			return fmt.Errorf("container capabilities.drop is not [ALL]")
		}
		if len(sc.Capabilities.Add) > 0 {
			return fmt.Errorf("container adds capabilities %v", sc.Capabilities.Add)
		}
		return nil
	})},
	{"container seccomp RuntimeDefault", withContainer(func(c *corev1.Container, _ *k8sObjects, _ k8sWants) error {
		if c.SecurityContext == nil || c.SecurityContext.SeccompProfile == nil ||
			c.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			return fmt.Errorf("container seccompProfile is not RuntimeDefault")
		}
		return nil
	})},
	{"cpu and memory requests and limits", withContainer(func(c *corev1.Container, _ *k8sObjects, _ k8sWants) error {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okReq := c.Resources.Requests[r]
			lim, okLim := c.Resources.Limits[r]
			if !okReq || !okLim || req.IsZero() || lim.IsZero() {
				return fmt.Errorf("%s request and limit must both be set", r)
			}
			if req.Cmp(lim) > 0 {
				return fmt.Errorf("%s request %s is above its limit %s", r, req.String(), lim.String())
			}
		}
		return nil
	})},
	{"termination grace longer than the shutdown deadline", func(o *k8sObjects, w k8sWants) error {
		deadline := w.shutdown
		if v, ok := o.ConfigMap.Data["TIERGATE_SHUTDOWN_TIMEOUT"]; ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("configmap TIERGATE_SHUTDOWN_TIMEOUT = %q: %v", v, err)
			}
			deadline = d
		}
		g := o.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds
		if g == nil || time.Duration(*g)*time.Second <= deadline {
			return fmt.Errorf("terminationGracePeriodSeconds = %v, want more than the %s shutdown deadline", g, deadline)
		}
		return nil
	}},
	{"prometheus scrape annotations", func(o *k8sObjects, w k8sWants) error {
		want := map[string]string{
			"prometheus.io/scrape": "true",
			"prometheus.io/port":   fmt.Sprint(w.port),
			"prometheus.io/path":   "/metrics",
		}
		for k, v := range want {
			if got := o.Deployment.Spec.Template.Annotations[k]; got != v {
				return fmt.Errorf("pod annotation %s = %q, want %q", k, got, v)
			}
		}
		return nil
	}},
	{"settings come from the Secret and the ConfigMap", withContainer(func(c *corev1.Container, o *k8sObjects, w k8sWants) error {
		fromCM := false
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil && ef.ConfigMapRef.Name == o.ConfigMap.Name {
				fromCM = true
			}
		}
		if !fromCM {
			return fmt.Errorf("container has no envFrom configMapRef %q", o.ConfigMap.Name)
		}
		seen := settingsSeen(c, o)
		for name := range seen {
			if !w.settings[name] {
				return fmt.Errorf("%s is not a server setting (README, Server settings)", name)
			}
		}
		for _, secret := range []string{"TIERGATE_APP_ID", "TIERGATE_WEBHOOK_SECRET", "TIERGATE_DATABASE_URL"} {
			if _, inCM := o.ConfigMap.Data[secret]; inCM {
				return fmt.Errorf("%s is in the ConfigMap; it belongs in the Secret", secret)
			}
			_, set := seen[secret]
			if secret == "TIERGATE_DATABASE_URL" && !set {
				continue // optional: the in-memory shape has none
			}
			if secretEnv(c, secret) == nil {
				return fmt.Errorf("%s is not read from the Secret", secret)
			}
		}
		_, keyFile := seen["TIERGATE_PRIVATE_KEY_FILE"]
		_, keyPEM := seen["TIERGATE_PRIVATE_KEY"]
		if keyFile == keyPEM {
			return fmt.Errorf("exactly one of TIERGATE_PRIVATE_KEY_FILE and TIERGATE_PRIVATE_KEY must be set")
		}
		return nil
	})},
	{"private key file is mounted read-only from the Secret", withContainer(func(c *corev1.Container, o *k8sObjects, _ k8sWants) error {
		file := settingsSeen(c, o)["TIERGATE_PRIVATE_KEY_FILE"]
		if file == "" {
			return nil // the PEM comes through an env var instead
		}
		dir, base := path.Split(file)
		for _, m := range c.VolumeMounts {
			if strings.TrimSuffix(m.MountPath, "/")+"/" != dir {
				continue
			}
			if !m.ReadOnly {
				return fmt.Errorf("mount %s is not readOnly", m.MountPath)
			}
			for _, v := range o.Deployment.Spec.Template.Spec.Volumes {
				if v.Name != m.Name || v.Secret == nil {
					continue
				}
				for _, it := range v.Secret.Items {
					if it.Path == base {
						if it.Mode != nil || v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o007 != 0 {
							return fmt.Errorf("the key file must not be world-readable (set defaultMode, e.g. 0440)")
						}
						return nil
					}
				}
			}
		}
		return fmt.Errorf("TIERGATE_PRIVATE_KEY_FILE=%s is not a file of a mounted Secret volume", file)
	})},
	{"deployment reads only Secret keys the template has", withContainer(func(c *corev1.Container, o *k8sObjects, _ k8sWants) error {
		read, err := secretKeysRead(c, o)
		if err != nil {
			return err
		}
		have := secretTemplateKeys(o)
		for _, k := range read {
			if !slices.Contains(have, k) {
				return fmt.Errorf("deployment reads Secret key %s, template has only %v", k, have)
			}
		}
		return nil
	})},
	{"secret template holds placeholders only", func(o *k8sObjects, _ k8sWants) error {
		if len(o.Secret.Data) > 0 {
			return fmt.Errorf("secret template has data; use stringData placeholders")
		}
		for k, v := range o.Secret.StringData {
			if !strings.Contains(v, "REPLACE_WITH_") {
				return fmt.Errorf("secret template key %s = %q is not a REPLACE_WITH_ placeholder", k, v)
			}
		}
		return nil
	}},
	{"service targets the named container port", withContainer(func(c *corev1.Container, o *k8sObjects, _ k8sWants) error {
		if err := selects(&metav1.LabelSelector{MatchLabels: o.Service.Spec.Selector}, o); err != nil {
			return fmt.Errorf("service: %w", err)
		}
		if len(o.Service.Spec.Ports) == 0 {
			return fmt.Errorf("service has no ports")
		}
		for _, p := range o.Service.Spec.Ports {
			if p.TargetPort.Type != intstr.String || probePort(c, p.TargetPort) < 0 {
				return fmt.Errorf("service port %s targets %s, want a named container port", p.Name, p.TargetPort.String())
			}
		}
		return nil
	})},
	{"pdb selects the deployment's pods", func(o *k8sObjects, _ k8sWants) error {
		if err := selects(o.PDB.Spec.Selector, o); err != nil {
			return fmt.Errorf("pdb: %w", err)
		}
		return nil
	}},
}
