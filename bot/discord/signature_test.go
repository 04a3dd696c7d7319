package discord_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func (f *fixture) signAt(at time.Time, ts string) func(h http.Header, b []byte) {
	return func(h http.Header, b []byte) {
		if ts == "" {
			ts = strconv.FormatInt(at.Unix(), 10)
		}
		h.Set("X-Signature-Timestamp", ts)
		h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(f.key, append([]byte(ts), b...))))
	}
}

func TestStaleOrFutureTimestampsAreRefused(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	for name, sign := range map[string]func(http.Header, []byte){
		"six minutes old":   f.signAt(now.Add(-6*time.Minute), ""),
		"six minutes ahead": f.signAt(now.Add(6*time.Minute), ""),
		"zero":              f.signAt(now, "0"),
		"not a number":      f.signAt(now, "not-a-number"),
		"2020":              f.signAt(now, "1577836800"),
	} {
		if status, _ := f.send(t, slash("s-"+name, "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"}), sign); status != http.StatusUnauthorized {
			t.Errorf("%s: answered %d, want 401", name, status)
		}
	}
	if n := f.coc.Count(http.MethodPost); n != 0 {
		t.Fatalf("a stale request reached COC %d times", n)
	}
	if status, _ := f.send(t, slash("fresh", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"}), f.signAt(now.Add(-4*time.Minute), "")); status != 200 {
		t.Fatalf("a request 4 minutes old answered %d", status)
	}
}

func TestReplayedInteractionIsRefused(t *testing.T) {
	f := newFixture(t)
	verify := slash("r1", "U-ALICE", "verify", map[string]any{"ticket": "IM1", "result": "pass"})
	verify["seq"] = 0
	sign := f.signAt(f.clock.Now(), "")
	if status, _ := f.send(t, verify, sign); status != 200 {
		t.Fatalf("first: %d", status)
	}
	f.adapter.Wait()
	f.clock.Add(time.Minute)
	if status, _ := f.send(t, verify, sign); status != http.StatusUnauthorized {
		t.Fatalf("replay answered %d, want 401", status)
	}
	f.adapter.Wait()
	if n := f.coc.Count(http.MethodPost); n != 1 {
		t.Fatalf("verify and its replay made %d COC calls, want 1", n)
	}
}
