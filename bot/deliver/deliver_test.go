package deliver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/incidentbot/incidentbot/bot/deliver"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
)

// platform records what each route was asked to show; the routes named in
// down fail.
type platform struct {
	down  map[string]bool
	calls []string // "route: first line"
}

func (p *platform) route(name string) deliver.Route {
	return deliver.Route{Name: name, Send: func(_ context.Context, r reply.Reply) error {
		first := r.Title
		if len(r.Lines) > 0 {
			first = r.Lines[0]
		}
		p.calls = append(p.calls, name+": "+first)
		if p.down[name] {
			return errors.New(name + " is down")
		}
		return nil
	}}
}

func (p *platform) routes() deliver.Routes {
	return deliver.Routes{InPlace: p.route("edit"), Public: []deliver.Route{p.route("followup")}, Private: p.route("private"), Channel: p.route("channel")}
}

// TestTheChainTriesRoutesInOrderAndCountsEachOnce is the chain's decision
// table: which routes a result takes with which routes down, the note
// above a fallback, and what is recorded undelivered.
func TestTheChainTriesRoutesInOrderAndCountsEachOnce(t *testing.T) {
	private := reply.Reply{Title: "Result", Lines: []string{"done"}}
	public := reply.Reply{Title: "Result", Lines: []string{"done"}, Public: true}
	newMsg := reply.Reply{Title: "Approval needed", Lines: []string{"asks"}, Public: true, NewMessage: true}
	for _, tc := range []struct {
		name        string
		r           reply.Reply
		down        string
		calls       []string
		undelivered bool
		metrics     []string
	}{
		{name: "private result in place", r: private, calls: []string{"edit: done"},
			metrics: []string{`{platform="slack",result="in_place",route="edit"} 1`}},
		{name: "public result in place and in the channel", r: public, calls: []string{"edit: done", "followup: done"}},
		{name: "the edit fails", r: private, down: "edit", calls: []string{"edit: done", "private: " + deliver.NoteNotUpdated},
			metrics: []string{`{platform="slack",result="failed",route="edit"} 1`, `{platform="slack",result="fallback",route="private"} 1`}},
		{name: "the edit and the private note fail", r: private, down: "edit private",
			calls: []string{"edit: done", "private: " + deliver.NoteNotUpdated, "channel: For Alice: this could not be shown to you privately, so here it is."}},
		{name: "every route fails", r: private, down: "edit private channel", undelivered: true,
			calls: []string{"edit: done", "private: " + deliver.NoteNotUpdated, "channel: For Alice: this could not be shown to you privately, so here it is."}},
		{name: "the public follow-up fails", r: public, down: "followup", calls: []string{"edit: done", "followup: done", "channel: done"},
			metrics: []string{`{platform="slack",result="fallback",route="channel"} 1`}},
		{name: "a new message nobody else can see", r: newMsg, down: "followup channel",
			calls: []string{"followup: asks", "channel: asks", "private: " + deliver.NoteNotPosted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &platform{down: map[string]bool{}}
			for _, d := range strings.Fields(tc.down) {
				p.down[d] = true
			}
			m := metrics.New()
			var undelivered bool
			c := &deliver.Chain{Platform: "slack", Display: "Slack", Metrics: m, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Undelivered: func(context.Context, commands.Caller, string, reply.Reply, error) { undelivered = true }}
			c.Deliver(context.Background(), p.routes(), deliver.Target{Who: commands.Caller{UserID: "U1", Name: "Alice"}, Channel: "C1", InPlace: true}, tc.r)
			if strings.Join(p.calls, "\n") != strings.Join(tc.calls, "\n") {
				t.Errorf("routes tried:\n%s\nwant:\n%s", strings.Join(p.calls, "\n"), strings.Join(tc.calls, "\n"))
			}
			if undelivered != tc.undelivered {
				t.Errorf("undelivered = %v, want %v", undelivered, tc.undelivered)
			}
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			for _, want := range tc.metrics {
				if !strings.Contains(rec.Body.String(), "incidentbot_chat_deliveries_total"+want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		})
	}
}
