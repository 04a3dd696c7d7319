package slack_test

import (
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/pending"
)

func TestFloodPastTheCapIsRefusedAndNothingStored(t *testing.T) {
	f := newFixtureWith(t, fixtureOptions{limits: pending.Limits{PerUser: 3, Total: 100}})
	for i := 0; i < 3; i++ {
		f.confirmation(t, "U-ALICE")
	}
	_, body := f.slash(t, "U-ALICE", "delete inc-9")
	for _, want := range []string{"Nothing was run", "You have 3 confirmations waiting", "cancel the ones you have"} {
		if !strings.Contains(body, want) {
			t.Errorf("refusal lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "confirm:") {
		t.Fatalf("a refused command still got a Confirm button:\n%s", body)
	}
	if _, bob := f.confirmation(t, "U-BOB"); bob == "" { // others are not affected
		t.Fatal("another user was refused too")
	}
}
