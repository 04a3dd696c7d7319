package slack_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	slackbot "github.com/incidentbot/incidentbot/bot/slack"
)

// The manifest must point Slack at the routes the adapter serves and ask
// for the scopes its Web API calls need.
func TestManifestMatchesTheAdapter(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest := string(raw)
	mux := http.NewServeMux()
	slackbot.New(slackbot.Options{}).Routes(mux)
	for _, path := range []string{"/slack/commands", "/slack/interactions", "/slack/options"} {
		if !strings.Contains(manifest, "https://YOUR-HOST"+path) {
			t.Errorf("manifest does not send Slack to %s", path)
		}
		req, _ := http.NewRequest(http.MethodPost, path, nil)
		if _, pattern := mux.Handler(req); pattern == "" {
			t.Errorf("the adapter does not serve %s", path)
		}
	}
	for _, want := range []string{"command: /incident", "- commands", "- chat:write", "- usergroups:read", "- files:write", "is_enabled: true",
		"message_menu_options_url: https://YOUR-HOST/slack/options", "type: message", "callback_id: " + slackbot.ShortcutCallback} {
		if !strings.Contains(manifest, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
}
