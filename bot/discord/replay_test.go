package discord_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestReplayWithTheSignatureReCasedIsRefused(t *testing.T) {
	f := newFixture(t)
	verify := slash("r2", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"})
	verify["seq"] = 0
	ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
	spell := func(recase func(string) string) func(http.Header, []byte) {
		return func(h http.Header, b []byte) {
			h.Set("X-Signature-Timestamp", ts)
			h.Set("X-Signature-Ed25519", recase(hex.EncodeToString(ed25519.Sign(f.key, append([]byte(ts), b...)))))
		}
	}
	mixed := func(s string) string {
		b := []byte(s)
		for i := 0; i < len(b); i += 2 {
			b[i] = strings.ToUpper(string(b[i]))[0]
		}
		return string(b)
	}
	if status, _ := f.send(t, verify, spell(func(s string) string { return s })); status != 200 {
		t.Fatalf("first: %d", status)
	}
	f.adapter.Wait()
	f.clock.Add(time.Minute)
	for name, recase := range map[string]func(string) string{"upper case": strings.ToUpper, "mixed case": mixed} {
		if status, _ := f.send(t, verify, spell(recase)); status != http.StatusUnauthorized {
			t.Errorf("replay with the signature in %s answered %d, want 401", name, status)
		}
	}
	f.adapter.Wait()
	if n := f.coc.Count(http.MethodPost); n != 1 {
		t.Fatalf("verify and its re-cased replays made %d COC calls, want 1", n)
	}
}

func TestAGatewayInteractionDeliveredTwiceRunsOnce(t *testing.T) {
	f := newFixture(t)
	gateway := func(i map[string]any) {
		raw, _ := json.Marshal(i)
		var in discordgo.Interaction
		if err := json.Unmarshal(raw, &in); err != nil {
			t.Fatal(err)
		}
		f.adapter.OnInteractionCreate(&discordgo.InteractionCreate{Interaction: &in})
	}
	verify := slash("gv1", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"})
	gateway(verify)
	f.adapter.Wait()
	gateway(verify) // a resumed session replays the event
	f.adapter.Wait()
	if n := f.coc.Count(http.MethodPost); n != 1 {
		t.Fatalf("an interaction delivered twice made %d COC calls, want 1", n)
	}
	if n := len(f.rest(http.MethodPost, "/interactions/gv1/tok-gv1/callback")); n != 1 {
		t.Fatalf("an interaction delivered twice was answered %d times, want 1", n)
	}
}

// TestAReplayedCommandAndAReplayedClickAreRefused: the same signed delete
// twice, and the same signed Confirm twice, with the bot checking the
// replay keys (as cmd/incidentbot wires it): each replay gets 401, makes
// no confirmation and runs nothing.
func TestAReplayedCommandAndAReplayedClickAreRefused(t *testing.T) {
	f := newFixture(t)
	sign := f.signAt(f.clock.Now(), "")
	del := slash("r1", "U-ALICE", "delete", map[string]any{"ids": "inc-1"})
	del["seq"] = 0
	if status, resp := f.send(t, del, sign); status != 200 || resp["type"] != float64(4) {
		t.Fatalf("first delete: %d %v", status, resp)
	}
	if status, resp := f.send(t, del, sign); status != http.StatusUnauthorized {
		t.Fatalf("replayed delete answered %d %v, want 401", status, resp)
	}
	confirmID, _ := f.confirmation(t, "U-ALICE")
	c := click("c1", "U-ALICE", confirmID)
	c["seq"] = 0
	if status, _ := f.send(t, c, sign); status != 200 {
		t.Fatalf("first Confirm: %d", status)
	}
	f.adapter.Wait()
	if status, resp := f.send(t, c, sign); status != http.StatusUnauthorized {
		t.Fatalf("replayed Confirm answered %d %v, want 401", status, resp)
	}
	f.adapter.Wait()
	if f.deletes() != 1 {
		t.Errorf("vendor got %d deletes, want 1", f.deletes())
	}
}
