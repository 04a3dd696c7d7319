package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/bot/work"
)

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		a.metrics.WebhookRejected("discord", metrics.TooLarge)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	sig, problem := a.checkSignature(r.Header, body)
	if problem != "" {
		a.log.Warn("request refused: bad signature", "problem", problem, "remote", r.RemoteAddr)
		a.metrics.WebhookRejected("discord", metrics.SignatureReason(problem))
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	// The same signature twice is a replay: Discord sends each interaction
	// once. It gets 401 like any request Discord did not just sign. The key
	// is the signature's bytes, not the header's text: hex in upper or mixed
	// case verifies too, and must not make a replay look new.
	rp := &pending.Replay{Key: "discord-sig:" + string(sig), TTL: 2 * maxSkew}
	var i discordgo.Interaction
	err = json.Unmarshal(body, &i)
	ctx := r.Context()
	var held *replayHolder
	if !a.botReplays || err != nil || !goesToBot(&i) {
		if a.replayedNow(ctx, rp, r) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
	} else { // the bot checks it with its first store operation
		ctx, held = withReplay(ctx, rp)
	}
	if err != nil {
		a.log.Warn("interaction is not JSON", "error", err)
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	resp, after := a.safeHandle(ctx, &i)
	if held != nil && (held.replayed || held.rp != nil && a.replayedNow(ctx, held.rp, r)) {
		// (held.rp is set only if no path took it to the bot: checked late
		// rather than never.)
		if held.replayed {
			a.dropped(r)
		}
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	// Count the work before answering, so Wait (a graceful stop) cannot miss
	// it; start it after the answer is flushed, so edits follow the response.
	start := a.work.Later(after)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	start()
}

// checkSignature returns Discord's Ed25519 signature over timestamp+body,
// decoded, or what is wrong with it. The timestamp must be within maxSkew
// of our clock, so a captured request cannot be replayed later.
func (a *Adapter) checkSignature(h http.Header, body []byte) (sig []byte, problem string) {
	if a.publicKey == nil {
		return nil, "no public key configured"
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	ts := h.Get("X-Signature-Timestamp")
	if err != nil || len(sig) != ed25519.SignatureSize || ts == "" {
		return nil, "missing or malformed signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, "malformed timestamp"
	}
	if skew := a.now().Sub(time.Unix(secs, 0)); skew > maxSkew || skew < -maxSkew {
		return nil, "stale timestamp"
	}
	if !ed25519.Verify(a.publicKey, append([]byte(ts), body...), sig) {
		return nil, "signature mismatch"
	}
	return sig, ""
}

// safeHandle is handle with a recover: a malformed interaction that makes
// anything panic gets a short answer with a reference (the log has the
// stack), and the process lives.
func (a *Adapter) safeHandle(ctx context.Context, i *discordgo.Interaction) (resp *discordgo.InteractionResponse, after func(context.Context)) {
	defer func() {
		if p := work.Recovered(recover()); p != nil {
			resp, after = say(a.bot.InternalError(ctx, "discord: recovered from a panic", p, "interaction_type", int(i.Type), "stack", p.Stack)), nil
		}
	}()
	return a.handle(ctx, i)
}
