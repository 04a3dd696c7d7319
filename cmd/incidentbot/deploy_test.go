package main

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/incidentbot/incidentbot/config"
)

// deployDocs reads the YAML documents of a file under deploy/.
func deployDocs(t *testing.T, name string) []map[string]any {
	t.Helper()
	f, err := os.Open("../../deploy/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func knownVariable(name string) bool {
	return slices.ContainsFunc(config.Variables, func(v config.Variable) bool { return v.Name == name })
}

// The deployment files name only variables the bot reads, run two
// replicas on Redis, and probe the health routes.
func TestDeployFiles(t *testing.T) {
	compose := deployDocs(t, "docker-compose.yml")[0]
	services, _ := compose["services"].(map[string]any)
	for _, name := range []string{"redis", "bot-1", "bot-2", "lb"} {
		if services[name] == nil {
			t.Errorf("docker-compose.yml has no service %s", name)
		}
	}
	for _, bot := range []string{"bot-1", "bot-2"} {
		env, _ := dig(services, bot, "environment").(map[string]any)
		if !strings.HasPrefix(env["INCIDENTBOT_REDIS_URL"].(string), "redis://redis:") {
			t.Errorf("%s is not on the shared Redis: %v", bot, env)
		}
		for k := range env {
			if !knownVariable(k) {
				t.Errorf("%s sets %s, which the bot does not read", bot, k)
			}
		}
		// The drain (5s), the shutdown budget (25s) and the notices (4s)
		// before Docker's kill; and no env_file, which docker-compose 1.29
		// requires to exist (a fresh clone has none).
		if g := dig(services, bot, "stop_grace_period"); g != "40s" || env["INCIDENTBOT_DRAIN_DELAY"] != "5s" || env["INCIDENTBOT_SHUTDOWN_TIMEOUT"] != "25s" {
			t.Errorf("%s: stop_grace_period %v for a drain of %v and a budget of %v", bot, g, env["INCIDENTBOT_DRAIN_DELAY"], env["INCIDENTBOT_SHUTDOWN_TIMEOUT"])
		}
		if dig(services, bot, "env_file") != nil {
			t.Errorf("%s has an env_file: docker-compose 1.29 fails when it is missing", bot)
		}
	}

	var deployment map[string]any
	for _, d := range deployDocs(t, "kubernetes/incidentbot.yaml") {
		if d["kind"] == "Deployment" {
			deployment = d
		}
	}
	if dig(deployment, "spec", "replicas") != 2 {
		t.Errorf("replicas = %v, want 2", dig(deployment, "spec", "replicas"))
	}
	container := dig(deployment, "spec", "template", "spec", "containers", 0)
	if dig(container, "livenessProbe", "httpGet", "path") != "/healthz" || dig(container, "readinessProbe", "httpGet", "path") != "/readyz" {
		t.Errorf("probes: %v / %v", dig(container, "livenessProbe"), dig(container, "readinessProbe"))
	}
	if dig(container, "envFrom", 0, "secretRef", "name") != "incidentbot" {
		t.Errorf("the credentials do not come from the incidentbot Secret")
	}

	f, err := os.Open("../../deploy/incidentbot.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "#"))
		name, _, ok := strings.Cut(line, "=")
		if ok && !strings.Contains(name, " ") && !knownVariable(strings.TrimSpace(name)) {
			t.Errorf("incidentbot.env.example names %s, which the bot does not read", name)
		}
	}
}
