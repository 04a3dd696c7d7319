package pending

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/commands"
)

func TestPackRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"", "delete", "909494e3-558e-46b6-a9eb-07a8e18ca62f", "909494E3-558E-46B6-A9EB-07A8E18CA62F", "909494e3-558E-46b6-a9eb-07a8e18ca62f",
		"12345678-1234-1234-1234-123456789012", "909494e3-558e-46b6-a9eb-07a8e18ca62", "909494e3x558e-46b6-a9eb-07a8e18ca62f", "g09494e3-558e-46b6-a9eb-07a8e18ca62f",
		"l0123456789abcdef", "U0123456789abcdef", strings.Repeat("x", 200), "é“x”", "\x00\xff"}
	pick := func() string { return pieces[rng.IntN(len(pieces))] }
	for i := 0; i < 5000; i++ {
		r := Record{Requester: commands.Caller{Platform: pick(), UserID: pick(), Name: pick()}, Channel: pick(), Message: pick()}
		for n := rng.IntN(8); n > 0; n-- {
			r.Words = append(r.Words, pick())
		}
		for n := rng.IntN(3); n > 0; n-- {
			r.Approvers = append(r.Approvers, pick())
		}
		for n := rng.IntN(3); n > 0; n-- {
			r.Roles = append(r.Roles, pick())
		}
		if got := unpack(pack(&r)); !reflect.DeepEqual(got, r) {
			t.Fatalf("packed %#v\nunpacked %#v", r, got)
		}
	}
}

func FuzzPackRoundTrip(f *testing.F) {
	f.Add("U1", "alice", "C1", "https://hooks.slack.com/x", "delete 909494e3-558e-46b6-a9eb-07a8e18ca62f inc-2", "slack:U2")
	f.Fuzz(func(t *testing.T, user, name, channel, message, words, approvers string) {
		r := Record{Requester: commands.Caller{Platform: "slack", UserID: user, Name: name}, Channel: channel, Message: message, Words: strings.Split(words, " ")}
		if approvers != "" {
			r.Approvers = strings.Split(approvers, ",")
		}
		if got := unpack(pack(&r)); !reflect.DeepEqual(got, r) {
			t.Fatalf("packed %#v\nunpacked %#v", r, got)
		}
	})
}

func TestInstantRoundTrip(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Unix(0, 0), time.Date(2026, 11, 22, 3, 0, 0, 123456789, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		got := instantOf(tm).time()
		if !got.Equal(tm) || got.IsZero() != tm.IsZero() {
			t.Fatalf("%v came back as %v", tm, got)
		}
	}
	if !instantOf(time.Unix(5, 1)).after(instantOf(time.Unix(5, 0))) || instantOf(time.Time{}).after(instantOf(time.Unix(0, 0))) {
		t.Fatal("after is wrong")
	}
}

// A Confirm may name approvers (the policy changed since the request):
// the packed record keeps them.
func TestMemoryKeepsApproversNamedAtConfirm(t *testing.T) {
	m := NewMemory()
	alice := commands.Caller{Platform: "slack", UserID: "U-ALICE", Name: "alice"}
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	r := Record{Token: "tok", Words: []string{"delete", "909494e3-558e-46b6-a9eb-07a8e18ca62f"}, Requester: alice, Roles: []string{"oncall"},
		Channel: "C1", Message: "https://hooks.example/x", Count: 1, CreatedAt: at, ExpiresAt: at.Add(time.Minute)}
	if err := m.Put(t.Context(), r, Limits{}); err != nil {
		t.Fatal(err)
	}
	moved, err := m.Settle(t.Context(), "tok", Move{From: []State{Pending}, To: Confirmed, By: alice, At: at, RequesterOnly: true, Approvers: []string{"slack:U-BOB"}})
	if err != nil || moved.State != AwaitingApproval {
		t.Fatalf("confirm: %v, %v", moved.State, err)
	}
	got, _ := m.Get(t.Context(), "tok")
	if !reflect.DeepEqual(got.Approvers, []string{"slack:U-BOB"}) || !reflect.DeepEqual(got.Roles, []string{"oncall"}) || got.ConfirmedBy != alice ||
		!reflect.DeepEqual(got.Words, r.Words) || got.State != AwaitingApproval {
		t.Fatalf("read back %+v", got)
	}
}
