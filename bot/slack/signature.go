package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// verified reads a size-limited body and checks Slack's signature on it,
// and that it is no replay, before anything is parsed. On failure it
// answers and returns false.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	form, _, ok := a.verifiedUnchecked(w, r, false)
	return form, ok
}

// verifiedUnchecked is verified, but with keep (and Options.BotChecksReplays)
// it leaves the replay check to the caller: rp is the request's replay
// key, which the bot checks with its first store operation.
func (a *Adapter) verifiedUnchecked(w http.ResponseWriter, r *http.Request, keep bool) (url.Values, *pending.Replay, bool) {
	body, err := readBody(w, r)
	if err != nil {
		a.log.Warn("request body rejected", "error", err, "remote", r.RemoteAddr)
		a.metrics.WebhookRejected("slack", metrics.TooLarge)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, nil, false
	}
	if problem := a.checkSignature(r.Header, body); problem != "" {
		a.log.Warn("request refused: bad signature", "problem", problem, "path", r.URL.Path, "remote", r.RemoteAddr)
		a.metrics.WebhookRejected("slack", metrics.SignatureReason(problem))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, nil, false
	}
	// Slack re-sends a request it thinks timed out. The first one was
	// acknowledged and its work is under way: doing it again would run a
	// command twice.
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.Info("slack retry acknowledged without doing the work again", "retry", reply.Clip(n, 8), "reason", reply.Clip(r.Header.Get("X-Slack-Retry-Reason"), 64), "path", r.URL.Path)
		w.WriteHeader(http.StatusOK)
		return nil, nil, false
	}
	// An exact replay of a signed request within its freshness window: the
	// same signature twice. Slack never sends one (its retries carry a new
	// timestamp); answer 200 with nothing done, so a duplicate delivery
	// shows no error to anyone and an attacker learns nothing.
	key, ok := replayKey(r.Header.Get("X-Slack-Signature"))
	if !ok {
		a.log.Warn("request refused: signature is not v0= and lowercase hex", "path", r.URL.Path, "remote", r.RemoteAddr)
		a.metrics.WebhookRejected("slack", metrics.BadSignature)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, nil, false
	}
	rp := &pending.Replay{Key: key, TTL: 2 * maxSkew}
	if !keep || !a.botReplays {
		if a.replayedNow(r.Context(), rp, r) {
			w.WriteHeader(http.StatusOK)
			return nil, nil, false
		}
		rp = nil
	}
	form, err := parseForm(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, nil, false
	}
	return form, rp, true
}

// replayedNow checks rp (nil: checked already) in the replay cache, and
// logs and counts a replay. A cache that is down serves the request
// rather than stop answering.
func (a *Adapter) replayedNow(ctx context.Context, rp *pending.Replay, r *http.Request) bool {
	if rp == nil {
		return false
	}
	first, err := a.seen.SeenOnce(ctx, rp.Key, rp.TTL)
	if err != nil {
		a.log.Error("replay cache unavailable; serving the request", "error", err)
		return false
	}
	if !first {
		a.dropped(r)
	}
	return !first
}

// dropped logs and counts a replay. Slack never sends one (its retries
// carry a new timestamp): it is answered 200 with nothing done, so a
// duplicate delivery shows no error to anyone and an attacker learns
// nothing.
func (a *Adapter) dropped(r *http.Request) {
	if r != nil {
		a.log.Warn("replayed request dropped", "path", r.URL.Path, "remote", r.RemoteAddr)
	}
	a.metrics.WebhookRejected("slack", metrics.Replay)
}

// replayKey is the replay cache's key for a verified signature: its
// decoded bytes, so that however the header spells them, the same
// signature is the same key. Only the canonical spelling (v0= and
// lowercase hex, as Slack sends it) is accepted.
func replayKey(header string) (string, bool) {
	digits, ok := strings.CutPrefix(header, "v0=")
	if !ok {
		return "", false
	}
	sig, err := hex.DecodeString(digits)
	if err != nil || len(sig) != sha256.Size || hex.EncodeToString(sig) != digits {
		return "", false
	}
	return "slack-sig:" + string(sig), true
}

// preallocMax is the largest announced body read in one allocation made
// up front: Slack's requests are a few KiB. A larger one grows as its bytes
// arrive, so that a length announced by anyone (no signature is checked
// yet) but never sent costs nothing.
const preallocMax = 16 << 10

// readBody reads a body of at most maxBody bytes, in one allocation when
// its length is announced and usual.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	if n := r.ContentLength; n > 0 && n <= preallocMax {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(body)
}

// checkSignature returns what is wrong with the request's signature, or "".
func (a *Adapter) checkSignature(h http.Header, body []byte) string {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" {
		return "missing timestamp or signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "malformed timestamp"
	}
	if skew := a.now().Sub(time.Unix(secs, 0)); skew > maxSkew || skew < -maxSkew {
		return "stale timestamp"
	}
	if !a.signatureMatches(ts, body, sig) {
		return "signature mismatch"
	}
	return ""
}

// signatureMatches reports whether sig is Slack's v0 signature of body.
func (a *Adapter) signatureMatches(ts string, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(a.secret, ts, body)), []byte(sig))
}

// Sign computes Slack's v0 signature of a request body.
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
