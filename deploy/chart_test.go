// Package deploy holds no code: its tests render the Helm chart with the
// real helm and decode every object, and the plain manifests, strictly
// into the Kubernetes API types (an unknown or misspelt field fails), then
// check what an operator relies on.
package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/config"
)

const chart = "helm/incidentbot"

// objects is what a manifest holds, decoded.
type objects struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	secrets     []*corev1.Secret
	configMaps  []*corev1.ConfigMap
	pdbs        []*policyv1.PodDisruptionBudget
	monitors    []*monitoringv1.ServiceMonitor
	rules       []*monitoringv1.PrometheusRule
}

// decode splits a multi-document manifest and decodes each object
// strictly into the API type of its kind.
func decode(t *testing.T, name string, manifest []byte) objects {
	t.Helper()
	var o objects
	for i, doc := range bytes.Split(manifest, []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("%s: document %d: %v", name, i, err)
		}
		var err error
		strict := func(v any) any { err = yaml.UnmarshalStrict(doc, v); return v }
		switch meta.APIVersion + " " + meta.Kind {
		case "apps/v1 Deployment":
			o.deployments = append(o.deployments, strict(&appsv1.Deployment{}).(*appsv1.Deployment))
		case "v1 Service":
			o.services = append(o.services, strict(&corev1.Service{}).(*corev1.Service))
		case "v1 Secret":
			o.secrets = append(o.secrets, strict(&corev1.Secret{}).(*corev1.Secret))
		case "v1 ConfigMap":
			o.configMaps = append(o.configMaps, strict(&corev1.ConfigMap{}).(*corev1.ConfigMap))
		case "policy/v1 PodDisruptionBudget":
			o.pdbs = append(o.pdbs, strict(&policyv1.PodDisruptionBudget{}).(*policyv1.PodDisruptionBudget))
		case "monitoring.coreos.com/v1 ServiceMonitor":
			o.monitors = append(o.monitors, strict(&monitoringv1.ServiceMonitor{}).(*monitoringv1.ServiceMonitor))
		case "monitoring.coreos.com/v1 PrometheusRule":
			o.rules = append(o.rules, strict(&monitoringv1.PrometheusRule{}).(*monitoringv1.PrometheusRule))
		default:
			t.Fatalf("%s: document %d is a %s %s, which this test does not know", name, i, meta.APIVersion, meta.Kind)
		}
		if err != nil {
			t.Fatalf("%s: %s: %v\n%s", name, meta.Kind, err, doc)
		}
	}
	return o
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

func helm(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("helm")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatal("helm is not on PATH; .ci/run installs it (go install helm.sh/helm/v4/cmd/helm@v4.3.2)")
	}
	t.Skip("helm is not installed (go install helm.sh/helm/v4/cmd/helm@v4.3.2); CI runs this test")
	return ""
}

// render runs helm template with the values files and --set arguments.
func render(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helm(t), append([]string{"template", "incidentbot", chart, "--namespace", "ops"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &renderError{err, stderr.String()}
	}
	return out, nil
}

type renderError struct {
	err    error
	stderr string
}

func (e *renderError) Error() string { return e.err.Error() + ": " + e.stderr }

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

// checkPod checks what every incidentbot pod needs: the restricted Pod
// Security profile, probes on the health routes, a grace period covering
// the drain and the shutdown budget, and only variables the bot reads.
func checkPod(t *testing.T, name string, d *appsv1.Deployment) {
	t.Helper()
	spec := d.Spec.Template.Spec
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: the pod is not restricted: %+v", name, psc)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%s: %d containers", name, len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("%s: the container is not restricted: %+v", name, sc)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
		c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("%s: probes %+v / %+v", name, c.LivenessProbe, c.ReadinessProbe)
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: no memory request or limit", name)
	}
	env := envOf(c)
	// Go's soft memory limit is the container's, so that the larger heap
	// the bot allows itself on Redis is collected before the kernel kills
	// the pod.
	if e, ok := env["GOMEMLIMIT"]; !ok || e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil || e.ValueFrom.ResourceFieldRef.Resource != "limits.memory" {
		t.Errorf("%s: GOMEMLIMIT is not the container's memory limit: %+v", name, e)
	}
	for k := range env {
		if k == "GOMEMLIMIT" { // read by the Go runtime
			continue
		}
		if !slices.ContainsFunc(config.Variables, func(v config.Variable) bool { return v.Name == k }) {
			t.Errorf("%s sets %s, which the bot does not read", name, k)
		}
	}
	drain := seconds(t, name, env["INCIDENTBOT_DRAIN_DELAY"].Value, "5s")
	shutdown := seconds(t, name, env["INCIDENTBOT_SHUTDOWN_TIMEOUT"].Value, "25s")
	if g := spec.TerminationGracePeriodSeconds; g == nil || *g < drain+shutdown+4 {
		t.Errorf("%s: terminationGracePeriodSeconds %v does not cover the drain (%ds), the shutdown budget (%ds) and the notices (4s)", name, g, drain, shutdown)
	}
	if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("%s: the selector %v does not match the pod labels %v", name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
}

func seconds(t *testing.T, name, v, def string) int64 {
	t.Helper()
	if v == "" {
		v = def
	}
	n, ok := strings.CutSuffix(v, "s")
	var s int64
	for _, r := range n {
		if r < '0' || r > '9' {
			ok = false
		}
		s = s*10 + int64(r-'0')
	}
	if !ok {
		t.Fatalf("%s: %q is not whole seconds", name, v)
	}
	return s
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func botDeployment(t *testing.T, name string, o objects) *appsv1.Deployment {
	t.Helper()
	for _, d := range o.deployments {
		if d.Spec.Template.Spec.Containers[0].Name == "incidentbot" {
			return d
		}
	}
	t.Fatalf("%s: no incidentbot Deployment", name)
	return nil
}

// The default values: two replicas whose credentials (and Redis URL) come
// from the Secret named incidentbot, restricted, probed, with a budget.
func TestChartDefaults(t *testing.T) {
	out, err := render(t)
	if err != nil {
		t.Fatal(err)
	}
	o := decode(t, "defaults", out)
	d := botDeployment(t, "defaults", o)
	checkPod(t, "defaults", d)
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %d", *d.Spec.Replicas)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != "incidentbot" {
		t.Errorf("credentials: %+v", c.EnvFrom)
	}
	if len(o.secrets) != 0 || len(o.monitors) != 0 || len(o.rules) != 0 || len(o.configMaps) != 0 {
		t.Errorf("objects not asked for: %d secrets, %d monitors, %d rules, %d config maps", len(o.secrets), len(o.monitors), len(o.rules), len(o.configMaps))
	}
	if len(o.pdbs) != 1 || o.pdbs[0].Spec.MinAvailable == nil || o.pdbs[0].Spec.MinAvailable.IntValue() != 1 || !selects(o.pdbs[0].Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("disruption budget: %+v", o.pdbs)
	}
	if len(o.services) != 1 || !selects(o.services[0].Spec.Selector, d.Spec.Template.Labels) || o.services[0].Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("service: %+v", o.services)
	}
}

// Every option on (ci/full-values.yaml): the chart's Secret, the policy
// ConfigMap the bot can load, the trial Redis wired in, a ServiceMonitor
// and the same alert rules as deploy/prometheus.
func TestChartFullValues(t *testing.T) {
	out, err := render(t, "-f", chart+"/ci/full-values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := decode(t, "full", out)
	d := botDeployment(t, "full", o)
	checkPod(t, "full", d)
	spec := d.Spec.Template.Spec
	if *spec.TerminationGracePeriodSeconds != 10+40+5 {
		t.Errorf("grace = %d, want 55", *spec.TerminationGracePeriodSeconds)
	}
	env := envOf(spec.Containers[0])
	var redis *appsv1.Deployment
	for _, x := range o.deployments {
		if x != d {
			redis = x
		}
	}
	if redis == nil || env["INCIDENTBOT_REDIS_URL"].Value != "redis://incidentbot-redis:6379/0" {
		t.Fatalf("the trial Redis is not wired: %v", env["INCIDENTBOT_REDIS_URL"])
	}
	rsc := redis.Spec.Template.Spec.SecurityContext
	if rsc == nil || rsc.RunAsNonRoot == nil || !*rsc.RunAsNonRoot || rsc.SeccompProfile == nil {
		t.Errorf("the trial Redis is not restricted: %+v", rsc)
	}
	var redisService bool
	for _, s := range o.services {
		redisService = redisService || (s.Name == "incidentbot-redis" && selects(s.Spec.Selector, redis.Spec.Template.Labels) && !selects(s.Spec.Selector, d.Spec.Template.Labels))
	}
	if !redisService {
		t.Error("no Service selects the trial Redis alone")
	}
	if len(o.secrets) != 1 || o.secrets[0].StringData["SLACK_SIGNING_SECRET"] != "test-secret" || spec.Containers[0].EnvFrom[0].SecretRef.Name != o.secrets[0].Name {
		t.Errorf("the chart's Secret is not used: %+v / %+v", o.secrets, spec.Containers[0].EnvFrom)
	}

	// The policy: a ConfigMap mounted as a directory (a subPath mount never
	// sees an update), at the path INCIDENTBOT_POLICY names, that the
	// bot's own parser accepts.
	if len(o.configMaps) != 1 {
		t.Fatalf("%d config maps", len(o.configMaps))
	}
	var verbs []string
	for _, v := range commands.Verbs() {
		verbs = append(verbs, v.Name)
	}
	if _, err := policy.Parse("policy.yaml", []byte(o.configMaps[0].Data["policy.yaml"]), verbs); err != nil {
		t.Errorf("the policy in full-values.yaml does not load: %v", err)
	}
	mounts := spec.Containers[0].VolumeMounts
	if len(mounts) != 1 || mounts[0].SubPath != "" || env["INCIDENTBOT_POLICY"].Value != mounts[0].MountPath+"/policy.yaml" ||
		spec.Volumes[0].ConfigMap == nil || spec.Volumes[0].ConfigMap.Name != o.configMaps[0].Name {
		t.Errorf("policy mount %+v, volumes %+v, INCIDENTBOT_POLICY %q", mounts, spec.Volumes, env["INCIDENTBOT_POLICY"].Value)
	}

	if len(o.monitors) != 1 || o.monitors[0].Spec.Endpoints[0].Path != "/metrics" || o.monitors[0].Spec.Endpoints[0].Port != "http" ||
		!selects(o.monitors[0].Spec.Selector.MatchLabels, o.services[0].Labels) {
		t.Errorf("service monitor: %+v", o.monitors)
	}
	if len(o.rules) != 1 || o.monitors[0].Labels["release"] != "prometheus" {
		t.Fatalf("prometheus rule: %+v", o.rules)
	}
	var want monitoringv1.PrometheusRuleSpec
	raw, err := os.ReadFile("prometheus/incidentbot-rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, &want); err != nil {
		t.Fatal(err)
	}
	got, _ := yaml.Marshal(o.rules[0].Spec)
	wantYAML, _ := yaml.Marshal(want)
	if !bytes.Equal(got, wantYAML) || len(want.Groups[0].Rules) < 6 {
		t.Errorf("the chart's rules differ from deploy/prometheus/incidentbot-rules.yaml:\n%s", got)
	}
	copied, err := os.ReadFile(chart + "/files/incidentbot-rules.yaml")
	if err != nil || !bytes.Equal(copied, raw) {
		t.Errorf("%s/files/incidentbot-rules.yaml is not a copy of prometheus/incidentbot-rules.yaml (cp it): %v", chart, err)
	}
}

// Redis from an existing URL or Secret reaches the pods through a Secret;
// several replicas without any Redis are refused with the way out.
func TestChartRedis(t *testing.T) {
	out, err := render(t, "--set", "redis.url=redis://:pw@redis.example.com:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	o := decode(t, "redis.url", out)
	ref := envOf(botDeployment(t, "redis.url", o).Spec.Template.Spec.Containers[0])["INCIDENTBOT_REDIS_URL"].ValueFrom
	if ref == nil || ref.SecretKeyRef == nil || len(o.secrets) != 1 || o.secrets[0].Name != ref.SecretKeyRef.Name ||
		o.secrets[0].StringData[ref.SecretKeyRef.Key] != "redis://:pw@redis.example.com:6379/0" {
		t.Errorf("redis.url: %+v in %+v", ref, o.secrets)
	}
	if strings.Contains(string(out), "pw@") && !strings.Contains(string(out), "kind: Secret") {
		t.Error("the Redis password is outside a Secret")
	}

	out, err = render(t, "--set", "redis.existingSecret=shared-redis")
	if err != nil {
		t.Fatal(err)
	}
	o = decode(t, "redis.existingSecret", out)
	ref = envOf(botDeployment(t, "redis.existingSecret", o).Spec.Template.Spec.Containers[0])["INCIDENTBOT_REDIS_URL"].ValueFrom
	if ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != "shared-redis" || ref.SecretKeyRef.Key != "INCIDENTBOT_REDIS_URL" {
		t.Errorf("redis.existingSecret: %+v", ref)
	}

	_, err = render(t, "--set", "secret.SLACK_BOT_TOKEN=xoxb-1")
	if err == nil || !strings.Contains(err.Error(), "replicaCount > 1 needs Redis") {
		t.Errorf("two replicas, no Redis: %v", err)
	}
	out, err = render(t, "--set", "secret.SLACK_BOT_TOKEN=xoxb-1,replicaCount=1")
	if err != nil {
		t.Fatal(err)
	}
	o = decode(t, "one replica", out)
	if len(o.pdbs) != 1 || o.pdbs[0].Spec.MaxUnavailable == nil || o.pdbs[0].Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("one replica: the budget must let a node drain: %+v", o.pdbs)
	}
}

// The plain manifests, for those without Helm: the same restrictions,
// the Redis URL wired to the Redis they ship, and a budget.
func TestPlainManifests(t *testing.T) {
	var all []byte
	for _, f := range []string{"kubernetes/incidentbot.yaml", "kubernetes/redis.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, b...), "\n---\n"...)
	}
	o := decode(t, "kubernetes/", all)
	d := botDeployment(t, "kubernetes/", o)
	checkPod(t, "kubernetes/incidentbot.yaml", d)
	env := envOf(d.Spec.Template.Spec.Containers[0])
	if !strings.HasPrefix(env["INCIDENTBOT_REDIS_URL"].Value, "redis://redis:6379/") {
		t.Errorf("INCIDENTBOT_REDIS_URL = %+v", env["INCIDENTBOT_REDIS_URL"])
	}
	var redisService bool
	for _, s := range o.services {
		redisService = redisService || s.Name == "redis"
	}
	if !redisService {
		t.Error("no redis Service for the URL to reach")
	}
	if len(o.pdbs) != 1 || !selects(o.pdbs[0].Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("disruption budget: %+v", o.pdbs)
	}
	for _, x := range o.deployments {
		psc := x.Spec.Template.Spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil {
			t.Errorf("%s is not restricted", x.Name)
		}
	}
}
