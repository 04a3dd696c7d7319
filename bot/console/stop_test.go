package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/console"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// A stop (ctx done) while a batch runs: after the grace the terminal shows
// what is known per ID, and no further call goes out.
func TestAStopOnTheTerminalShowsWhatIsKnownAndSendsNoMore(t *testing.T) {
	var calls atomic.Int32
	held, release := make(chan struct{}), make(chan struct{})
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			close(held)
			<-release
		}
		vendortest.SecMasterEcho(w, r)
	})
	defer close(release)
	b := bot.New(commands.New(bottest.HuaweiDepsBatch(t, srv.URL, "", 1)), bot.Options{Logger: slog.New(slog.DiscardHandler), SweepEvery: -1})
	t.Cleanup(b.Close)
	ctx, stop := context.WithCancel(context.Background())
	in, w := io.Pipe()
	out := &bottest.Buffer{}
	done := make(chan error)
	go func() { done <- console.New(b, in, out, "alice", "").StopGrace(time.Millisecond).Run(ctx) }()
	go func() { _, _ = io.WriteString(w, "delete inc-1 inc-2 inc-3\nconfirm\n") }()
	<-held
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"Stopped part way: SecMaster: deleted 1 of 3", "Deleted (1)", "Outcome unknown (1)", "- inc-2", "Not attempted (1)", "- inc-3"} {
		if !strings.Contains(got, want) {
			t.Errorf("the stop notice lacks %q:\n%s", want, got)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls; none may follow the stop", n)
	}
}
