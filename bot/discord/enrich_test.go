package discord_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/policy"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// sandboxReader is the bot's lookup reader over a sandbox SecMaster whose
// searches wait until release is closed (closed at cleanup at the latest),
// and the server that counts its requests.
func sandboxReader(t *testing.T, release chan struct{}) (*lookup.Reader, *vendortest.Server) {
	sb := sandbox.New().Handler()
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/search") {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		sb.ServeHTTP(w, r)
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	reader := bottest.HuaweiDeps(t, srv.URL, "").SecMaster.(vendors.SecMasterReader)
	return lookup.New(lookup.Config{SecMaster: reader, Deadline: 10 * time.Second}), srv
}

func TestDiscordConfirmationIsEditedWithTheTargetsAfterTheResponse(t *testing.T) {
	release := make(chan struct{})
	reader, _ := sandboxReader(t, release)
	f := newFixture(t, func(o *bot.Options) { o.Lookup = reader })
	status, resp := f.send(t, slash("i1", "U-ALICE", "delete", map[string]any{"ids": "inc-1001 inc-9999"}), nil)
	raw, _ := json.Marshal(resp)
	// The initial response came back while SecMaster held the look-up.
	if status != 200 || resp["type"] != float64(4) || !strings.Contains(string(raw), "Confirm: delete incidents (2)?") || strings.Contains(string(raw), "Brute-force") {
		t.Fatalf("initial response: %d %s", status, raw)
	}
	if edits := f.rest(http.MethodPatch, api+"/webhooks/app-1/tok-i1/messages/@original"); len(edits) != 0 {
		t.Fatalf("the confirmation was edited before SecMaster answered: %v", edits)
	}
	close(release)
	f.adapter.Wait()
	edits := f.rest(http.MethodPatch, api+"/webhooks/app-1/tok-i1/messages/@original")
	if len(edits) != 1 {
		t.Fatalf("%d edits of the original response, want 1", len(edits))
	}
	body := string(edits[0].Body)
	for _, want := range []string{"Brute-force logins against bastion-eu-1 · High · Open · alice", "not found: SecMaster does not know this ID"} {
		if !strings.Contains(body, want) {
			t.Errorf("the edit lacks %q:\n%s", want, body)
		}
	}
	var edited map[string]any
	_ = json.Unmarshal(edits[0].Body, &edited)
	before, after := buttons(resp["data"].(map[string]any)), buttons(edited)
	if len(before) != 2 || len(after) != 2 {
		t.Fatalf("buttons: before %v, after %v", before, after)
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			t.Fatalf("the edit changed the buttons: before %v, after %v", before, after)
		}
	}
}

func TestDiscordShowAndList(t *testing.T) {
	release := make(chan struct{})
	close(release)
	reader, srv := sandboxReader(t, release)
	f := newFixture(t, func(o *bot.Options) { o.Lookup = reader })
	_, resp := f.send(t, slash("i1", "U-ALICE", "list", map[string]any{"what": "incidents", "limit": "2", "status": "all"}), nil)
	if resp["type"] != float64(5) {
		t.Fatalf("list is answered with %v, want a deferred response", resp)
	}
	f.adapter.Wait()
	edits := f.rest(http.MethodPatch, api+"/webhooks/app-1/tok-i1/messages/@original")
	if len(edits) != 1 || !strings.Contains(string(edits[0].Body), "inc-1005") || !strings.Contains(string(edits[0].Body), "page:list:incidents --status all --limit 2 --page 2") {
		t.Fatalf("list edits = %v", edits)
	}
	_, resp = f.send(t, click("i2", "U-ALICE", "page:list:incidents --status all --limit 2 --page 2"), nil)
	f.adapter.Wait()
	next := f.rest(http.MethodPatch, api+"/webhooks/app-1/tok-i2/messages/@original")
	if resp["type"] != float64(7) || len(next) != 1 || !strings.Contains(string(next[0].Body), "inc-1002") {
		t.Fatalf("next page: %v, edits %v", resp, next)
	}
	f.send(t, slash("i3", "U-ALICE", "show", map[string]any{"id": "inc-1001"}), nil)
	f.adapter.Wait()
	shown := f.rest(http.MethodPatch, api+"/webhooks/app-1/tok-i3/messages/@original")
	if len(shown) != 1 || !strings.Contains(string(shown[0].Body), "Brute-force logins against bastion-eu-1") || !strings.Contains(string(shown[0].Body), "alert-2001") {
		t.Fatalf("show edits = %v", shown)
	}
	if len(srv.Requests()) == 0 {
		t.Fatal("no read reached SecMaster")
	}
}

func TestDiscordReadsRefusedByThePolicyReadNothing(t *testing.T) {
	release := make(chan struct{})
	close(release)
	reader, srv := sandboxReader(t, release)
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte("rules:\n  - verbs: [show, list]\n    request: [\"discord:user:80351110224678912\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, v := range commands.Verbs() {
		verbs = append(verbs, v.Name)
	}
	holder := policy.NewHolder(verbs, nil)
	if err := holder.Reload(path); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *bot.Options) { o.Lookup, o.Access = reader, holder })
	for i, sub := range []map[string]any{{"show": map[string]any{"id": "inc-1001"}}, {"list": map[string]any{"what": "incidents"}}} {
		for name, opts := range sub {
			_, resp := f.send(t, slash("m"+strconv.Itoa(i), "U-MALLORY", name, opts.(map[string]any)), nil)
			raw, _ := json.Marshal(resp)
			if !strings.Contains(string(raw), "Not allowed: nothing was run.") || strings.Contains(string(raw), "Brute-force") {
				t.Errorf("%s by mallory: %s", name, raw)
			}
		}
	}
	f.adapter.Wait()
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("a refused read reached SecMaster %d times", n)
	}
}
