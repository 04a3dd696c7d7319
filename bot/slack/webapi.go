package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/commands/reply"
)

// The bot calls the Web API itself rather than through slack-go's
// methods: slack-go decodes the whole answer into its types, and fails on
// a shape it does not know (a views.open answer whose view has a block
// element added since it was written: "unsupported block element type"),
// though Slack said ok. Only ok, error and the ids the bot uses are read
// here, so only the call's own failure is an error.

// apiAnswer is what the bot reads of a Web API answer.
type apiAnswer struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
	TS     string `json:"ts"`      // chat.postMessage, chat.update
	Team   string `json:"team"`    // auth.test
	UserID string `json:"user_id"` // auth.test
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 1 << 20

// apiError is a Web API call that Slack answered and refused: ok false.
type apiError struct {
	method, code string
}

func (e *apiError) Error() string { return e.method + ": " + e.code }

// call posts body to a Web API method with the bot token.
func (a *Adapter) call(ctx context.Context, method, contentType string, body []byte) (apiAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.apiURL+method, bytes.NewReader(body))
	if err != nil {
		return apiAnswer{}, fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.http.Do(req)
	if err != nil {
		return apiAnswer{}, fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return apiAnswer{}, fmt.Errorf("%s: reading the answer: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		return apiAnswer{}, fmt.Errorf("%s: Slack answered HTTP %d", method, resp.StatusCode)
	}
	var ans apiAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return apiAnswer{}, fmt.Errorf("%s: the answer is not JSON: %w", method, err)
	}
	if !ans.OK {
		return ans, &apiError{method: method, code: reply.Clip(ans.Error, 64)}
	}
	return ans, nil
}

// callForm calls method with form values.
func (a *Adapter) callForm(ctx context.Context, method string, values url.Values) (apiAnswer, error) {
	return a.call(ctx, method, "application/x-www-form-urlencoded", []byte(values.Encode()))
}

// callJSON calls method with a JSON body.
func (a *Adapter) callJSON(ctx context.Context, method string, v any) (apiAnswer, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return apiAnswer{}, fmt.Errorf("%s: %w", method, err)
	}
	return a.call(ctx, method, "application/json; charset=utf-8", body)
}

// messageValues is r as the form fields of a chat.* call.
func messageValues(r reply.Reply) url.Values {
	blocks, _ := json.Marshal(Blocks(r))
	return url.Values{"text": {fallback(r)}, "blocks": {string(blocks)}}
}

// respond posts to a response_url. An answer of 200 is success unless it
// is JSON that says ok: false.
func (a *Adapter) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	if responseURL == "" {
		return errors.New("no response_url")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("posting to response_url: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("posting to response_url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("posting to response_url: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("posting to response_url: Slack answered HTTP %d", resp.StatusCode)
	}
	var ans struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(raw, &ans) == nil && ans.OK != nil && !*ans.OK {
		return fmt.Errorf("posting to response_url: %w", &apiError{method: "response_url", code: reply.Clip(ans.Error, 64)})
	}
	return nil
}

// postEphemeral shows r to the requester only, in the channel.
func (a *Adapter) postEphemeral(ctx context.Context, t target, r reply.Reply) error {
	if t.channel == "" || t.who.UserID == "" {
		return errors.New("chat.postEphemeral: no channel or user")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	v := messageValues(r)
	v.Set("channel", t.channel)
	v.Set("user", t.who.UserID)
	_, err := a.callForm(ctx, "chat.postEphemeral", v)
	return err
}

// postMessage posts r in the channel.
func (a *Adapter) postMessage(ctx context.Context, t target, r reply.Reply) error {
	if t.channel == "" {
		return errors.New("chat.postMessage: no channel")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), postTimeout)
	defer cancel()
	_, err := a.post(ctx, t.channel, r)
	return err
}

// post is chat.postMessage of r in channel; it returns the message's ts.
func (a *Adapter) post(ctx context.Context, channel string, r reply.Reply) (string, error) {
	v := messageValues(r)
	v.Set("channel", channel)
	ans, err := a.callForm(ctx, "chat.postMessage", v)
	return ans.TS, err
}

// update is chat.update of the message ts in channel with r.
func (a *Adapter) update(ctx context.Context, channel, ts string, r reply.Reply) error {
	v := messageValues(r)
	v.Set("channel", channel)
	v.Set("ts", ts)
	_, err := a.callForm(ctx, "chat.update", v)
	return err
}

// openView is views.open of a modal.
func (a *Adapter) openView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	if triggerID == "" {
		return errors.New("views.open: no trigger_id")
	}
	_, err := a.callJSON(ctx, "views.open", map[string]any{"trigger_id": triggerID, "view": view})
	return err
}

// authTest is auth.test: who the bot token is.
func (a *Adapter) authTest(ctx context.Context) (apiAnswer, error) {
	return a.callForm(ctx, "auth.test", url.Values{})
}
