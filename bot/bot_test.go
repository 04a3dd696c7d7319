package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"log/slog"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

var (
	alice = commands.Caller{Platform: "slack", UserID: "U-ALICE", Name: "alice"}
	bob   = commands.Caller{Platform: "slack", UserID: "U-BOB", Name: "bob"}
)

type fixture struct {
	bot    *bot.Bot
	vendor *vendortest.Server
	clock  *bottest.Clock
	log    *bottest.Buffer
}

// newFixture wires a Bot to a real SecMaster client talking to a recording
// server that answers every delete with success.
func newFixture(t *testing.T, ttl time.Duration) *fixture {
	t.Helper()
	srv := vendortest.New(t, vendortest.SecMasterEcho)
	clk := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	logs := &bottest.Buffer{}
	b := bot.New(commands.New(bottest.HuaweiDeps(t, srv.URL, "")), bot.Options{
		ConfirmTTL: ttl, Now: clk.Now, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	})
	return &fixture{bot: b, vendor: srv, clock: clk, log: logs}
}

func (f *fixture) ask(t *testing.T, who commands.Caller, line string) bot.Outcome {
	t.Helper()
	o := f.bot.Handle(context.Background(), bot.Request{Caller: who, Channel: "C-WAR", Text: line})
	if o.Token == "" {
		t.Fatalf("%q did not ask for confirmation: %+v", line, o.Reply)
	}
	return o
}

// click presses a button of kind on the confirmation token.
func click(b *bot.Bot, kind reply.Kind, who commands.Caller, token string) bot.Outcome {
	return b.Press(context.Background(), bot.Click{Caller: who, Channel: "C-WAR", Press: reply.Press{Kind: kind, Value: token}})
}

func ids(l reply.List) string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.ID)
	}
	return strings.Join(out, ",")
}

func (f *fixture) deletes() int { return f.vendor.Count(http.MethodDelete) }

func TestDestructiveCommandWaitsForConfirmation(t *testing.T) {
	f := newFixture(t, time.Minute)
	o := f.ask(t, alice, "/incident delete inc-1 inc-2")
	if o.Work != nil || f.deletes() != 0 {
		t.Fatal("a destructive command ran before confirmation")
	}
	r := o.Reply
	if !strings.Contains(r.Title, "delete incidents (2)") || len(r.Lists) != 1 || ids(r.Lists[0]) != "inc-1,inc-2" {
		t.Errorf("confirmation = %+v", r)
	}
	if !strings.Contains(strings.Join(r.Lines, " "), "alice asked to delete incidents (2) in SecMaster") {
		t.Errorf("confirmation does not say who asked and where: %v", r.Lines)
	}
	if len(r.Buttons) != 2 || r.Buttons[0].Press.Kind != reply.Confirm || r.Buttons[0].Style != reply.Danger || r.Buttons[1].Press.Kind != reply.Cancel {
		t.Errorf("buttons = %+v", r.Buttons)
	}
	if !strings.Contains(r.Footer, "Expires in 1m") || r.Public {
		t.Errorf("footer %q / public %v", r.Footer, r.Public)
	}

	c := click(f.bot, reply.Confirm, alice, o.Token)
	if c.Work == nil || c.Notice || !strings.HasPrefix(c.Reply.Title, "Running:") {
		t.Fatalf("confirm outcome = %+v", c)
	}
	result := c.Work(context.Background(), nil)
	if result.Tone != reply.Success || result.Title != "SecMaster: deleted 2 of 2" {
		t.Errorf("result = %+v", result)
	}
	if f.deletes() != 1 {
		t.Fatalf("vendor got %d deletes, want 1", f.deletes())
	}
	var body map[string][]string
	f.vendor.Requests()[0].JSON(t, &body)
	if strings.Join(body["batch_ids"], ",") != "inc-1,inc-2" {
		t.Errorf("batch_ids = %v", body["batch_ids"])
	}
}

func TestManyConcurrentConfirmsRunOnce(t *testing.T) {
	f := newFixture(t, time.Minute)
	token := f.ask(t, alice, "delete inc-1").Token
	const clicks = 64
	var started, ran atomic.Int32
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < clicks; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			o := click(f.bot, reply.Confirm, alice, token)
			started.Add(1)
			if o.Work != nil {
				ran.Add(1)
				o.Work(context.Background(), nil)
			}
		}()
	}
	close(gate)
	wg.Wait()
	if started.Load() != clicks || ran.Load() != 1 || f.deletes() != 1 {
		t.Fatalf("%d clicks: %d got work, vendor saw %d deletes; want exactly 1", started.Load(), ran.Load(), f.deletes())
	}
}

func TestOnlyTheRequesterMayConfirmOrCancel(t *testing.T) {
	f := newFixture(t, time.Minute)
	token := f.ask(t, alice, "delete inc-1").Token
	for _, kind := range []reply.Kind{reply.Confirm, reply.Cancel} {
		o := click(f.bot, kind, bob, token)
		if o.Work != nil || !o.Notice || !strings.Contains(o.Reply.Title, "Only alice can") {
			t.Fatalf("bob's click = %+v", o)
		}
	}
	// Same user ID on another platform is someone else.
	o := click(f.bot, reply.Confirm, commands.Caller{Platform: "discord", UserID: alice.UserID, Name: "x"}, token)
	if o.Work != nil {
		t.Fatal("a user of another platform with the same ID confirmed")
	}
	if o := click(f.bot, reply.Confirm, alice, token); o.Work == nil {
		t.Fatalf("alice could not confirm after refused clicks: %+v", o.Reply)
	}
	if f.deletes() != 0 {
		t.Fatal("work ran before its Work func was called")
	}
}

func TestSecondClickChangesNothing(t *testing.T) {
	f := newFixture(t, time.Minute)
	token := f.ask(t, alice, "delete inc-1").Token
	click(f.bot, reply.Confirm, alice, token).Work(context.Background(), nil)
	o := click(f.bot, reply.Confirm, alice, token)
	if o.Work != nil || !o.Notice || !strings.Contains(o.Reply.Title, "already confirmed by alice") {
		t.Fatalf("second click = %+v", o)
	}
	if o := click(f.bot, reply.Cancel, alice, token); !o.Notice {
		t.Fatalf("cancel after confirm = %+v", o)
	}
	if f.deletes() != 1 {
		t.Fatalf("deletes = %d", f.deletes())
	}
}

func TestExpiredTokenNeverRuns(t *testing.T) {
	f := newFixture(t, time.Minute)
	token := f.ask(t, alice, "delete inc-1").Token
	f.clock.Add(time.Minute)
	o := click(f.bot, reply.Confirm, alice, token)
	if o.Work != nil || o.Notice || !strings.HasPrefix(o.Reply.Title, "Expired:") || !strings.Contains(strings.Join(o.Reply.Lines, ""), "Nothing was changed") {
		t.Fatalf("click after expiry = %+v", o)
	}
	if o := click(f.bot, reply.Confirm, alice, token); o.Work != nil {
		t.Fatal("ran on a second click after expiry")
	}
	if f.deletes() != 0 {
		t.Fatal("an expired action reached the vendor")
	}
	if !strings.Contains(f.log.String(), `"event":"expire"`) {
		t.Error("expiry was not audited")
	}
}

func TestExpiryUpdatesTheMessage(t *testing.T) {
	f := newFixture(t, time.Minute)
	type update struct {
		message string
		r       reply.Reply
	}
	updated := make(chan update, 2)
	f.bot.SetUpdater("slack", func(_ context.Context, message string, r reply.Reply) { updated <- update{message, r} })
	o := f.bot.Handle(context.Background(), bot.Request{Caller: alice, Text: "delete inc-1", Message: "https://hooks.example/1"})
	if n := f.bot.Sweep(context.Background()); n != 0 {
		t.Fatalf("swept %d before the deadline", n)
	}
	f.clock.Add(time.Minute)
	if n := f.bot.Sweep(context.Background()); n != 1 {
		t.Fatalf("swept %d at the deadline, want 1", n)
	}
	select {
	case u := <-updated:
		if u.message != "https://hooks.example/1" || !strings.HasPrefix(u.r.Title, "Expired:") || len(u.r.Buttons) != 0 {
			t.Fatalf("expiry update = %+v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no update when the confirmation expired")
	}
	if n := f.bot.Sweep(context.Background()); n != 0 {
		t.Fatalf("the same expiry was swept again: %d", n)
	}
	if c := click(f.bot, reply.Confirm, alice, o.Token); c.Work != nil {
		t.Fatal("ran after expiry")
	}
}

func TestCancelledAndUnknownTokens(t *testing.T) {
	f := newFixture(t, time.Minute)
	token := f.ask(t, alice, "delete inc-1").Token
	o := click(f.bot, reply.Cancel, alice, token)
	if !strings.HasPrefix(o.Reply.Title, "Cancelled:") || !strings.Contains(strings.Join(o.Reply.Lines, ""), "Nothing was changed") {
		t.Fatalf("cancel = %+v", o.Reply)
	}
	if o := click(f.bot, reply.Confirm, alice, token); o.Work != nil || !strings.Contains(o.Reply.Title, "already cancelled by alice") {
		t.Fatalf("confirm after cancel = %+v", o.Reply)
	}
	if o := click(f.bot, reply.Confirm, alice, "not-a-token"); o.Work != nil || !strings.Contains(o.Reply.Title, "not known") {
		t.Fatalf("unknown token = %+v", o.Reply)
	}
	if f.deletes() != 0 {
		t.Fatal("vendor called")
	}
}

func TestAuditLinesSayWhoWhereWhatOutcome(t *testing.T) {
	f := newFixture(t, time.Minute)
	token := f.ask(t, alice, "delete inc-1 inc-2").Token
	click(f.bot, reply.Confirm, alice, token).Work(context.Background(), nil)
	var events []string
	for _, line := range strings.Split(strings.TrimSpace(f.log.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if e["log"] != "audit" {
			continue
		}
		events = append(events, e["event"].(string)+"="+e["outcome"].(string))
		if e["user"] != "U-ALICE" || e["channel"] != "C-WAR" || e["vendor"] != "SecMaster" || e["count"] != float64(2) {
			t.Errorf("audit line lacks who/where/what: %s", line)
		}
		if strings.Contains(line, token) {
			t.Errorf("audit line carries a usable token: %s", line)
		}
	}
	if strings.Join(events, " ") != "request=awaiting confirmation confirm=confirmed result=done" {
		t.Fatalf("audit events = %v", events)
	}
}

func TestVendorErrorIsShownWithItsCode(t *testing.T) {
	f := newFixture(t, time.Minute)
	f.vendor.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 403, map[string]string{"code": "SecMaster.00040301", "message": "no permission on workspace w"})
	})
	token := f.ask(t, alice, "delete inc-1").Token
	r := click(f.bot, reply.Confirm, alice, token).Work(context.Background(), nil)
	text := r.Title + " " + strings.Join(r.Lines, " ")
	if r.Tone != reply.Failure || !strings.Contains(text, "SecMaster refused the request (HTTP 403)") ||
		!strings.Contains(text, "SecMaster.00040301") || !strings.Contains(text, "no permission on workspace w") {
		t.Fatalf("vendor error reply = %+v", r)
	}
}

func TestInternalErrorsShowOnlyAReference(t *testing.T) {
	logs := &bottest.Buffer{}
	b := bot.New(commands.New(commands.Deps{SecMaster: brokenSecMaster{}}), bot.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	o := b.Handle(context.Background(), bot.Request{Caller: alice, Text: "delete inc-1"})
	r := click(b, reply.Confirm, alice, o.Token).Work(context.Background(), nil)
	if !strings.HasPrefix(r.Title, "Something went wrong on our side (ref ") || strings.Contains(r.Title+strings.Join(r.Lines, ""), "db password") {
		t.Fatalf("internal error reply = %+v", r)
	}
	ref := strings.TrimSuffix(strings.TrimPrefix(r.Title, "Something went wrong on our side (ref "), ").")
	if !strings.Contains(logs.String(), `"ref":"`+ref+`"`) || !strings.Contains(logs.String(), "db password") {
		t.Fatalf("the log does not hold the reference %s with the error: %s", ref, logs)
	}
}

func TestUsageErrorsAreShownAsWritten(t *testing.T) {
	f := newFixture(t, time.Minute)
	o := f.bot.Handle(context.Background(), bot.Request{Caller: alice, Text: "delete inc/1"})
	if o.Token != "" || o.Work != nil || o.Reply.Tone != reply.Failure ||
		!strings.Contains(o.Reply.Title, `Nothing was run: "inc/1" is not a valid ID`) || !strings.Contains(o.Reply.Code, "/incident delete") {
		t.Fatalf("reply = %+v", o.Reply)
	}
}

type brokenSecMaster struct{}

func (brokenSecMaster) DeleteIncidents(context.Context, []string) (res vendors.BatchResult, err error) {
	return res, errString("decoding answer: unexpected token near db password=hunter2")
}

func (brokenSecMaster) CancelAssociation(context.Context, vendors.Association, []string) (res vendors.BatchResult, err error) {
	return res, errString("unused")
}

type errString string

func (e errString) Error() string { return string(e) }
