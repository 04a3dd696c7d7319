package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/incidentbot/incidentbot/bot/picker"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// maxOptions is the most options Slack takes in an external select's answer.
const maxOptions = 100

// idBlockPrefix starts the block ID of an ID field in the bot's forms:
// "ids:VERB.ARG" says which verb's argument it fills, and so where its
// options come from.
const idBlockPrefix = "ids:"

// optionsAnswer is the answer to a block_suggestion: {"options": [...]},
// an empty list included (slack-go's OptionsResponse omits it).
type optionsAnswer struct {
	Options []option `json:"options"`
}

type option struct {
	Text  *slack.TextBlockObject `json:"text"`
	Value string                 `json:"value"`
}

// serveOptions is POST /slack/options, the options load URL of the
// external selects: verified like every other request (signature,
// staleness, replay) before anything is read.
func (a *Adapter) serveOptions(w http.ResponseWriter, r *http.Request) {
	form, ok := a.verified(w, r)
	if !ok {
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		a.log.Warn("options payload is not JSON", "error", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	writeAck(w, a.suggest(r.Context(), cb))
}

// suggest answers a block_suggestion (over HTTP or Socket Mode): the IDs
// for the field, filtered by what was typed, at most 100, each option's
// text at most 75 characters. Anyone the policy does not allow the verb,
// and any field the bot did not make, gets an empty list and no vendor
// read; so does a vendor with nothing in time.
func (a *Adapter) suggest(ctx context.Context, cb slack.InteractionCallback) optionsAnswer {
	answer := optionsAnswer{Options: []option{}}
	verb, arg, ok := idBlock(cb.BlockID)
	if !ok || a.picker == nil || !ourForm(cb.View.CallbackID) {
		return answer
	}
	var meta pickMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	who := picker.Who{Caller: caller(cb.User.ID, cb.User.Name), Channel: meta.Channel}
	values := map[string]string{"incident": chosenIncident(cb.View.State, meta.Values)}
	q := picker.Query{Who: who, Verb: verb, Arg: arg, Typed: reply.Clip(cb.Value, 200), Values: values, Limits: picker.Slack}
	for _, c := range a.picker.Choices(ctx, q) {
		answer.Options = append(answer.Options, option{Text: text(c.Name), Value: c.Value})
	}
	if len(answer.Options) > maxOptions {
		answer.Options = answer.Options[:maxOptions]
	}
	return answer
}

// maxSocketPayload is the most an ack's payload may take in Socket Mode:
// Slack drops an ack of 20 KB or more (slack-go refuses to send it), and
// the envelope around the payload takes the rest.
const maxSocketPayload = 20<<10 - 512

// within keeps the first options whose JSON fits in max bytes: a hundred
// long titles in a wide script (three bytes a character) pass 20 KB.
func (o optionsAnswer) within(max int) optionsAnswer {
	size := len(`{"options":[]}`)
	for i, opt := range o.Options {
		raw, err := json.Marshal(opt)
		if err != nil || size+len(raw)+1 > max {
			o.Options = o.Options[:i]
			break
		}
		size += len(raw) + 1
	}
	return o
}

// idBlock reads an ID field's block ID: "ids:delete.ids" is delete's "ids".
func idBlock(blockID string) (verb, arg string, ok bool) {
	rest, ok := strings.CutPrefix(blockID, idBlockPrefix)
	if !ok {
		return "", "", false
	}
	verb, arg, ok = strings.Cut(rest, ".")
	return verb, arg, ok
}

func idBlockID(verb, arg string) string { return idBlockPrefix + verb + "." + arg }

// chosenIncident is the SecMaster incident chosen so far in a form: the
// first selected in any field that takes them, else the one it was
// opened with. unlink's alerts are that incident's.
func chosenIncident(state *slack.ViewState, known map[string]string) string {
	if state != nil {
		for block, actions := range state.Values {
			verb, arg, ok := idBlock(block)
			if !ok || kindOf(verb, arg) != commands.SecMasterIncident {
				continue
			}
			if ids := selected(actions[inputAction]); len(ids) > 0 {
				return ids[0]
			}
		}
	}
	return known["incident"]
}

func kindOf(verb, arg string) commands.IDKind {
	v, ok := commands.Lookup(verb)
	if !ok {
		return ""
	}
	if a := v.Arg(arg); a != nil {
		return a.IDs
	}
	return ""
}

// selected are the values chosen in a select or multi-select.
func selected(ba slack.BlockAction) []string {
	var out []string
	if ba.SelectedOption.Value != "" {
		out = append(out, ba.SelectedOption.Value)
	}
	for _, o := range ba.SelectedOptions {
		if o.Value != "" {
			out = append(out, o.Value)
		}
	}
	return out
}
