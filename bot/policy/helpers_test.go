package policy

import (
	"context"
	"errors"
	"sync"
	"testing"
)

var known = []string{"create", "verify", "accept", "resolve", "delete", "unlink", "unassign", "help", "whoami"}

// fakeGroups is a GroupResolver that counts its calls.
type fakeGroups struct {
	mu      sync.Mutex
	members map[string][]string
	err     error
	calls   int
}

func (f *fakeGroups) Members(_ context.Context, group string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return f.members[group], nil
}

func (f *fakeGroups) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

var errSlackDown = errors.New("usergroups.users.list: HTTP 503")

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := Parse("policy.yaml", []byte(src), known)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func example(t *testing.T, g GroupResolver) *Policy {
	t.Helper()
	p, err := Load("testdata/example.yaml", known)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p.WithGroups(g)
}

// Subjects used across tests.
var (
	alice     = Subject{Platform: Slack, UserID: "U024BE7LH", Channel: "C0123"} // named in rule 1
	oncall    = Subject{Platform: Slack, UserID: "UONCALL", Channel: "C0123"}   // in group S0614TZR7
	secops    = Subject{Platform: Slack, UserID: "USECOPS", Channel: "C0123"}   // in group S0SECOPS
	mallory   = Subject{Platform: Slack, UserID: "UMALLORY", Channel: "C0123"}  // in no group
	discRole  = Subject{Platform: Discord, UserID: "999", Roles: []string{"1", "41771983423143936"}, Channel: "1122"}
	discUser  = Subject{Platform: Discord, UserID: "80351110224678912", Channel: "1122"}
	discOther = Subject{Platform: Discord, UserID: "999", Roles: []string{"1"}, Channel: "1122"}
	terminal  = Subject{Platform: Console, UserID: "ops"}
)

func groups() *fakeGroups {
	return &fakeGroups{members: map[string][]string{
		"S0614TZR7": {"UONCALL", "U0THER"},
		"S0SECOPS":  {"USECOPS", "U024BE7LH"},
	}}
}

func in(s Subject, channel string) Subject { s.Channel = channel; return s }
