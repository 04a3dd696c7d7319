package slack_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
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
)

// readFixture is a Slack fixture whose SecMaster is the sandbox, behind
// the fixture's recording server, with the bot's lookup reader over it.
// Its reads wait for release (closed at cleanup) when hold is set.
type readFixture struct {
	*fixture
	release chan struct{}
}

func newReadFixture(t *testing.T, hold bool, policyYAML string) *readFixture {
	rf := &readFixture{release: make(chan struct{})}
	if !hold {
		close(rf.release)
	} else {
		t.Cleanup(func() {
			select {
			case <-rf.release:
			default:
				close(rf.release)
			}
		})
	}
	sb := sandbox.New().Handler()
	rf.fixture = newFixtureTTL(t, 5*time.Minute, func(f *fixture, o *bot.Options) {
		f.secmaster.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/search") {
				select {
				case <-rf.release:
				case <-time.After(10 * time.Second):
				}
			}
			sb.ServeHTTP(w, r)
		})
		reader := bottest.HuaweiDeps(t, f.secmaster.URL, "").SecMaster.(vendors.SecMasterReader)
		o.Lookup = lookup.New(lookup.Config{SecMaster: reader, Deadline: 10 * time.Second})
		if policyYAML != "" {
			path := filepath.Join(t.TempDir(), "policy.yaml")
			if err := os.WriteFile(path, []byte(policyYAML), 0o600); err != nil {
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
			o.Access = holder
		}
	})
	return rf
}

// reads counts the SecMaster reads that arrived.
func (f *fixture) reads() int {
	n := 0
	for _, r := range f.secmaster.Requests() {
		if strings.HasSuffix(r.Path, "/search") {
			n++
		}
	}
	return n
}

func TestSlackConfirmationIsUpdatedWithTheTargetsAfterTheAck(t *testing.T) {
	f := newReadFixture(t, true, "")
	status, ack := f.slash(t, "U-ALICE", "delete inc-1001 inc-9999")
	// The ack came back while SecMaster was still holding the look-up.
	if status != 200 || !strings.Contains(ack, "Confirm: delete incidents (2)?") || strings.Contains(ack, "Brute-force") {
		t.Fatalf("ack = %d %s", status, ack)
	}
	if got := len(f.posted(t, "/response/U-ALICE")); got != 0 {
		t.Fatalf("the confirmation was updated before SecMaster answered (%d posts)", got)
	}
	close(f.release)
	f.adapter.Wait()
	posts := f.posted(t, "/response/U-ALICE")
	if len(posts) != 1 {
		t.Fatalf("response_url got %d posts, want the one update", len(posts))
	}
	raw, _ := json.Marshal(posts[0])
	update := string(raw)
	for _, want := range []string{"Brute-force logins against bastion-eu-1 · High · Open · alice", "`inc-9999`: not found: SecMaster does not know this ID"} {
		if !strings.Contains(update, want) {
			t.Errorf("the update lacks %q:\n%s", want, update)
		}
	}
	if posts[0]["replace_original"] != true {
		t.Errorf("the update does not replace the confirmation: %s", update)
	}
	// The updated message's buttons are the ack's: the same token.
	ackIDs, updIDs := actionIDs(ack), actionIDs(update)
	if ackIDs["confirm"] == "" || ackIDs["confirm"] != updIDs["confirm"] || ackIDs["cancel"] != updIDs["cancel"] {
		t.Fatalf("buttons changed: ack %v, update %v", ackIDs, updIDs)
	}
	f.click(t, "U-ALICE", ackIDs["confirm"])
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Fatalf("%d deletes, want 1", f.deletes())
	}
}

func TestSlackLookupsNeverOverwriteACancelledConfirmation(t *testing.T) {
	f := newReadFixture(t, true, "")
	_, ack := f.slash(t, "U-ALICE", "delete inc-1001")
	f.click(t, "U-ALICE", actionIDs(ack)["cancel"]) // while SecMaster still holds the look-up
	close(f.release)
	f.adapter.Wait()
	if posts := f.posted(t, "/response/U-ALICE"); len(posts) != 0 {
		raw, _ := json.Marshal(posts)
		t.Fatalf("the cancelled confirmation was overwritten by its look-ups: %s", raw)
	}
	raw, _ := json.Marshal(f.posted(t, "/response/click-U-ALICE"))
	if !strings.Contains(string(raw), "Cancelled: delete incidents (1)") {
		t.Fatalf("the cancel's own update: %s", raw)
	}
}

func TestSlackListPagesWithANextPageButton(t *testing.T) {
	f := newReadFixture(t, false, "")
	status, ack := f.slash(t, "U-ALICE", "list incidents --status all --limit 2")
	if status != 200 || !strings.Contains(ack, "Working on it") {
		t.Fatalf("ack = %d %s", status, ack)
	}
	f.adapter.Wait()
	posts := f.posted(t, "/response/U-ALICE")
	if len(posts) != 1 {
		t.Fatalf("%d posts, want the list replacing Working on it", len(posts))
	}
	raw, _ := json.Marshal(posts[0])
	page := string(raw)
	next := actionIDs(page)["page"]
	if !strings.Contains(page, "inc-1005") || !strings.Contains(page, "Malware beacon from db-backup-1") || next != "page:list:incidents --status all --limit 2 --page 2" {
		t.Fatalf("first page (next %q): %s", next, page)
	}
	f.click(t, "U-ALICE", next)
	f.adapter.Wait()
	raw, _ = json.Marshal(f.posted(t, "/response/click-U-ALICE"))
	if !strings.Contains(string(raw), "inc-1002") || !strings.Contains(string(raw), `"replace_original":true`) {
		t.Fatalf("the next page did not replace the list: %s", raw)
	}
	f.slash(t, "U-ALICE", "show inc-1001")
	f.adapter.Wait()
	raw, _ = json.Marshal(f.posted(t, "/response/U-ALICE"))
	if !strings.Contains(string(raw), "SecMaster incident `inc-1001`: Brute-force logins against bastion-eu-1") || !strings.Contains(string(raw), "alert-2001") {
		t.Fatalf("show: %s", raw)
	}
}

func TestSlackReadsRefusedByThePolicyReadNothing(t *testing.T) {
	f := newReadFixture(t, false, "rules:\n  - verbs: [show, list]\n    request: [slack:U0ALICE]\n")
	for _, text := range []string{"show inc-1001", "list incidents"} {
		_, ack := f.slash(t, "U0MALLORY", text)
		if !strings.Contains(ack, "Not allowed: nothing was run.") || strings.Contains(ack, "Brute-force") {
			t.Errorf("%s by mallory: %s", text, ack)
		}
	}
	f.adapter.Wait()
	if n := f.reads(); n != 0 {
		t.Fatalf("a refused read reached SecMaster %d times", n)
	}
	f.slash(t, "U0ALICE", "show inc-1001")
	f.adapter.Wait()
	if f.reads() == 0 {
		t.Fatal("the allowed show read nothing")
	}
}
