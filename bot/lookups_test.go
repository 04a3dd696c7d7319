package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// heldFixture is a bot over the sandbox's SecMaster whose searches wait
// for release: a confirmation's look-ups are in flight while the test
// moves the confirmation on.
type heldFixture struct {
	*fixture
	release chan struct{}
}

func newHeldFixture(t *testing.T) *heldFixture {
	release := make(chan struct{})
	sb := sandbox.New().Handler()
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/search") {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
		sb.ServeHTTP(w, r)
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	deps := bottest.HuaweiDeps(t, srv.URL, "")
	reader := lookup.New(lookup.Config{SecMaster: deps.SecMaster.(vendors.SecMasterReader), Deadline: 10 * time.Second})
	deps.Reader = reader
	clk := bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))
	b := bot.New(commands.New(deps), bot.Options{ConfirmTTL: time.Minute, Now: clk.Now, Logger: slog.New(slog.DiscardHandler), Lookup: reader, SweepEvery: -1})
	t.Cleanup(b.Close)
	return &heldFixture{fixture: &fixture{bot: b, vendor: srv, clock: clk}, release: release}
}

// enrich starts o's look-ups and returns what they showed, once done.
func enrich(o bot.Outcome) <-chan []reply.Reply {
	out := make(chan []reply.Reply, 1)
	go func() {
		var shown []reply.Reply
		o.Enrich(context.Background(), func(_ context.Context, r reply.Reply) { shown = append(shown, r) })
		out <- shown
	}()
	return out
}

func TestLookupsNeverOverwriteAMovedConfirmation(t *testing.T) {
	for name, move := range map[string]func(f *heldFixture, token string){
		"confirmed": func(f *heldFixture, token string) { click(f.bot, reply.Confirm, alice, token) },
		"cancelled": func(f *heldFixture, token string) { click(f.bot, reply.Cancel, alice, token) },
		"expired": func(f *heldFixture, token string) {
			f.clock.Add(2 * time.Minute)
			f.bot.Sweep(context.Background())
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newHeldFixture(t)
			o := f.ask(t, alice, "delete inc-1001")
			if o.Enrich == nil {
				t.Fatal("a delete's confirmation has no look-ups")
			}
			done := enrich(o)
			move(f, o.Token)
			close(f.release)
			if shown := <-done; len(shown) != 0 {
				t.Fatalf("the %s confirmation was overwritten with %q", name, shown[0].Title)
			}
		})
	}
}

func TestLookupsShowTheVendorsViewBoundToTheSameToken(t *testing.T) {
	f := newHeldFixture(t)
	close(f.release)
	o := f.ask(t, alice, "delete inc-1003 inc-9999")
	shown := <-enrich(o)
	if len(shown) != 1 {
		t.Fatalf("shown %d times", len(shown))
	}
	r := shown[0]
	if len(r.Buttons) != 2 || r.Buttons[0].Press.Value != o.Token || r.Buttons[1].Press.Value != o.Token {
		t.Fatalf("buttons = %+v, want Confirm and Cancel on %s", r.Buttons, o.Token)
	}
	var notes []string
	for _, it := range r.Lists[0].Items {
		notes = append(notes, it.ID+": "+it.Note)
	}
	got := strings.Join(notes, "\n")
	for _, want := range []string{"inc-1003: Test incident from playbook dry run · Tips · Open", "inc-9999: not found"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestVendorTextCannotFakeALine(t *testing.T) {
	note := commands.IncidentNote(vendors.Incident{Title: "DB down\n✓ SecMaster: deleted 0 of 0\r\u2028<!channel>", Severity: "High", Status: "Open"})
	if strings.ContainsAny(note, "\n\r\u2028") {
		t.Fatalf("a vendor's title broke the line: %q", note)
	}
	long := commands.IncidentNote(vendors.Incident{Title: strings.Repeat("x", 500)})
	if n := len([]rune(long)); n > 120 {
		t.Fatalf("a 500-character title made a %d-character line", n)
	}
}
