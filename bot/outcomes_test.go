package bot_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
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

// uuids are n incident IDs shaped like SecMaster's.
func uuids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%08d-1111-2222-3333-444444444444", i)
	}
	return out
}

// batchBot is a Bot over a SecMaster client of batch IDs per call against
// h, logging JSON audit lines to the returned buffer.
func batchBot(t *testing.T, h http.HandlerFunc, batch int) (*bot.Bot, *vendortest.Server, *bottest.Buffer) {
	t.Helper()
	srv := vendortest.New(t, h)
	logs := &bottest.Buffer{}
	b := bot.New(commands.New(bottest.HuaweiDepsBatch(t, srv.URL, "", batch)), bot.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), SweepEvery: -1})
	t.Cleanup(b.Close)
	return b, srv, logs
}

// confirmAndRun asks for line, confirms it and runs its work.
func confirmAndRun(t *testing.T, b *bot.Bot, line string) reply.Reply {
	t.Helper()
	o := b.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: line})
	if o.Token == "" {
		t.Fatalf("%q asked for no confirmation: %+v", line, o.Reply)
	}
	return click(b, reply.Confirm, alice, o.Token).Work(context.Background(), nil)
}

// resultLine reads back the audit line of the run's result.
func resultLine(t *testing.T, logs *bottest.Buffer) map[string]any {
	t.Helper()
	var found map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["log"] == "audit" && m["event"] == "result" {
			found = m
		}
	}
	if found == nil {
		t.Fatalf("no audit result line in:\n%s", logs.String())
	}
	return found
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func labels(r reply.Reply) []string {
	var out []string
	for _, l := range r.Lists {
		out = append(out, l.Label)
	}
	return out
}

func TestA200IDDeleteWhoseFirstCallFailsIs100Unknown100NotAttempted(t *testing.T) {
	b, srv, logs := batchBot(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 500, map[string]string{"code": "SecMaster.00040001", "message": "internal error"})
	}, 100)
	all := uuids(200)
	r := confirmAndRun(t, b, "delete "+strings.Join(all, " "))

	if n := srv.Count(http.MethodDelete); n != 1 {
		t.Fatalf("%d calls; after the first failed none may follow", n)
	}
	if want := []string{"Outcome unknown (100, first 10) — SecMaster gave no trustworthy answer (HTTP 500: SecMaster.00040001: internal error); it may have acted (request req-test-1)",
		"Not attempted (100, first 10) — an earlier call failed, so the rest were held back"}; !reflect.DeepEqual(labels(r), want) {
		t.Errorf("lists = %q, want %q", labels(r), want)
	}
	if !strings.Contains(strings.Join(r.Lines, "\n"), "100 ID(s) were never sent to SecMaster: safe to retry") {
		t.Errorf("lines = %q", r.Lines)
	}
	if r.Attachment == nil || strings.Count(r.Attachment.Text, "-1111-2222-") != 200 {
		t.Fatalf("the attachment does not hold every ID: %+v", r.Attachment)
	}
	if !strings.Contains(r.Attachment.Text, "Not attempted (safe to retry) (100)\n") {
		t.Errorf("attachment:\n%s", r.Attachment.Text)
	}

	// The audit line names every ID with its outcome.
	line := resultLine(t, logs)
	if line["outcome"] != "unknown" {
		t.Errorf("outcome = %v, want unknown", line["outcome"])
	}
	if got := strs(line["unknown_ids"]); !reflect.DeepEqual(got, all[:100]) {
		t.Errorf("unknown_ids = %v", got)
	}
	if got := strs(line["not_attempted_ids"]); !reflect.DeepEqual(got, all[100:]) {
		t.Errorf("not_attempted_ids = %v", got)
	}
	if len(line["done_ids"].([]any)) != 0 || len(line["refused_ids"].([]any)) != 0 {
		t.Errorf("done/refused = %v / %v", line["done_ids"], line["refused_ids"])
	}
}

func TestTheAuditLineOfAPartialResultNamesEveryIDWithItsOutcome(t *testing.T) {
	var calls atomic.Int32
	b, _, logs := batchBot(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 3: // a refusal of the third call's IDs, with the vendor's code
			vendortest.Reply(w, 400, map[string]string{"code": "SecMaster.00040102", "message": "incident is locked"})
		default:
			vendortest.SecMasterEcho(w, r)
		}
	}, 50)
	all := uuids(200)
	confirmAndRun(t, b, "delete "+strings.Join(all, " "))
	line := resultLine(t, logs)
	outcome := map[string]string{}
	for key, name := range map[string]string{"done_ids": "done", "refused_ids": "refused", "unknown_ids": "unknown", "not_attempted_ids": "not attempted"} {
		for _, v := range strs(append(line[key].([]any)[:0:0], line[key].([]any)...)) {
			id, code, _ := strings.Cut(v, ":")
			if _, twice := outcome[id]; twice {
				t.Errorf("%s is under two outcomes", id)
			}
			outcome[id] = name
			if name == "refused" && code != "SecMaster.00040102" {
				t.Errorf("refused %s carries code %q", id, code)
			}
		}
	}
	for i, id := range all {
		want := "done"
		switch {
		case i >= 150:
			want = "not attempted"
		case i >= 100:
			want = "refused"
		}
		if outcome[id] != want {
			t.Errorf("%s: audit says %q, want %q", id, outcome[id], want)
		}
	}
}

// blockingVendor answers the first n calls and holds every later one
// until release is closed.
func blockingVendor(n int32, calls *atomic.Int32, held chan<- struct{}, release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			vendortest.SecMasterEcho(w, r)
			return
		}
		held <- struct{}{}
		<-release
		vendortest.SecMasterEcho(w, r)
	}
}

func TestAStopDuringA200IDDeleteKeepsTheAnsweredBatchesAndSendsNoMore(t *testing.T) {
	var calls atomic.Int32
	held, release := make(chan struct{}, 1), make(chan struct{})
	b, _, logs := batchBot(t, blockingVendor(4, &calls, held, release), 10)
	all := uuids(200)
	o := b.Handle(context.Background(), bot.Request{Caller: alice, Channel: "C-WAR", Text: "delete " + strings.Join(all, " ")})
	c := click(b, reply.Confirm, alice, o.Token)
	result := make(chan reply.Reply)
	go func() { result <- c.Work(context.Background(), nil) }()
	<-held // the fifth call is in flight: 40 IDs answered
	notice := c.Unfinished()
	close(release)
	<-result

	if !strings.HasPrefix(notice.Title, "Stopped part way: SecMaster: deleted 40 of 200") {
		t.Errorf("title = %q", notice.Title)
	}
	want := []string{"Deleted (40, first 10)", "Outcome unknown (10) — its call was in flight when the bot stopped: the vendor may have acted",
		"Not attempted (150, first 10) — the bot stopped before its call was sent"}
	if !reflect.DeepEqual(labels(notice), want) {
		t.Errorf("lists = %q, want %q", labels(notice), want)
	}
	if n := calls.Load(); n != 5 {
		t.Errorf("%d calls; after the stop notice no call may go out", n)
	}
	if retry, ok := buttonOf(notice, reply.Retry); !ok || retry.Label != "Retry 150 not attempted" {
		t.Errorf("the stop notice offers %+v", notice.Buttons)
	}
	var stop map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"outcome":"unknown: the bot stopped before the action finished"`) {
			_ = json.Unmarshal([]byte(l), &stop)
		}
	}
	if stop == nil || !reflect.DeepEqual(strs(stop["done_ids"]), all[:40]) || !reflect.DeepEqual(strs(stop["unknown_ids"]), all[40:50]) ||
		!reflect.DeepEqual(strs(stop["not_attempted_ids"]), all[50:]) {
		t.Errorf("the stop's audit line does not name each ID's outcome: %v", stop)
	}
}

func buttonOf(r reply.Reply, kind reply.Kind) (reply.Button, bool) {
	for _, btn := range r.Buttons {
		if btn.Press.Kind == kind {
			return btn, true
		}
	}
	return reply.Button{}, false
}

func TestRetryAsksOneNewConfirmationForExactlyTheRetryableIDsAndWorksOnce(t *testing.T) {
	var calls atomic.Int32
	b, srv, _ := batchBot(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.Contains(string(body), "inc-3") { // throttled, however often tried
			w.Header().Set("Retry-After", "0")
			vendortest.Reply(w, 429, map[string]string{"code": "APIGW.0308", "message": "The throttling threshold has been reached"})
			return
		}
		vendortest.SecMasterEcho(w, r)
	}, 2)
	// inc-1 inc-2 done; inc-3 inc-4 throttled; the rest never sent.
	r := confirmAndRun(t, b, "delete inc-1 inc-2 inc-3 inc-4 inc-5 inc-6 inc-7")
	retry, ok := buttonOf(r, reply.Retry)
	if !ok || retry.Label != "Retry 5 (3 not attempted, 2 throttled)" {
		t.Fatalf("buttons = %+v", r.Buttons)
	}
	if _, ok := buttonOf(r, reply.Check); ok {
		t.Errorf("a Check button with no unknown IDs")
	}
	if len(retry.Press.ID()) > reply.MaxIDLen {
		t.Errorf("the button's ID %q is too long", retry.Press.ID())
	}
	before := srv.Count(http.MethodDelete)

	// Bob presses it: a new confirmation, his, for exactly those IDs.
	o := click(b, reply.Retry, bob, retry.Press.Value)
	if o.Token == "" || !o.Notice || o.Work != nil {
		t.Fatalf("Retry gave %+v, want a private confirmation", o)
	}
	if got := ids(o.Reply.Lists[0]); got != "inc-3,inc-4,inc-5,inc-6,inc-7" {
		t.Errorf("the new confirmation is for %s", got)
	}
	if again := click(b, reply.Retry, bob, retry.Press.Value); again.Token != "" || !strings.Contains(again.Reply.Title, "already used") {
		t.Errorf("a second press = %+v, want it refused", again.Reply)
	}
	if srv.Count(http.MethodDelete) != before {
		t.Fatal("Retry ran something before its confirmation")
	}
	if click(b, reply.Confirm, alice, o.Token).Work != nil {
		t.Fatal("alice confirmed bob's retry")
	}
	srv.SetHandler(vendortest.SecMasterEcho)
	res := click(b, reply.Confirm, bob, o.Token).Work(context.Background(), nil)
	reqs := srv.Requests()[before:]
	if len(reqs) != 3 { // five IDs in calls of two
		t.Fatalf("%d vendor calls for 5 IDs in batches of 2, want 3", len(reqs))
	}
	var sent []string
	for _, q := range reqs {
		var body map[string][]string
		q.JSON(t, &body)
		sent = append(sent, body["batch_ids"]...)
	}
	if strings.Join(sent, ",") != "inc-3,inc-4,inc-5,inc-6,inc-7" {
		t.Errorf("the retry sent %v", sent)
	}
	if !strings.Contains(res.Title, "deleted 5 of 5") || len(res.Buttons) != 0 {
		t.Errorf("retry result = %+v", res)
	}
}

func TestCheckLooksTheUnknownIDsUpAndNeverRetriesThem(t *testing.T) {
	faults, err := sandbox.ParseFaults("secmaster.delete=500*1")
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(faults))
	url, err := sb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	deps := bottest.HuaweiDepsBatch(t, url, "", 2)
	reader := lookup.New(lookup.Config{SecMaster: deps.SecMaster.(vendors.SecMasterReader)})
	b := bot.New(commands.New(deps), bot.Options{Logger: slog.New(slog.DiscardHandler), SweepEvery: -1, Lookup: reader})
	t.Cleanup(b.Close)

	r := confirmAndRun(t, b, "delete inc-1001 inc-1002 inc-1003 inc-1004")
	check, ok := buttonOf(r, reply.Check)
	if !ok || check.Label != "Check 2 unknown" {
		t.Fatalf("buttons = %+v", r.Buttons)
	}
	if retry, _ := buttonOf(r, reply.Retry); retry.Label != "Retry 2 not attempted" {
		t.Errorf("retry = %+v", retry)
	}
	o := click(b, reply.Check, bob, check.Press.Value)
	if !o.Notice || o.Work == nil {
		t.Fatalf("Check gave %+v", o)
	}
	got := o.Work(context.Background(), nil)
	if want := []string{"Still exist (not deleted) (2)"}; !reflect.DeepEqual(labels(got), want) || ids(got.Lists[0]) != "inc-1001,inc-1002" {
		t.Errorf("check = %q %+v", labels(got), got.Lists)
	}
	if again := click(b, reply.Check, bob, check.Press.Value); again.Work != nil {
		t.Error("Check worked twice")
	}
}

// The work deadline ends a batch like a stop: the call in flight is
// unknown, the calls never sent are not attempted, the answered keep
// their answer.
func TestTheWorkDeadlineLeavesTheCallsNeverSentNotAttempted(t *testing.T) {
	var calls atomic.Int32
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			<-r.Context().Done() // hangs until the bot gives up
			return
		}
		vendortest.SecMasterEcho(w, r)
	})
	b := bot.New(commands.New(bottest.HuaweiDepsBatch(t, srv.URL, "", 2)), bot.Options{
		Logger: slog.New(slog.DiscardHandler), SweepEvery: -1, WorkTimeout: 300 * time.Millisecond})
	t.Cleanup(b.Close)
	r := confirmAndRun(t, b, "delete inc-1 inc-2 inc-3 inc-4 inc-5 inc-6")
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d calls; none may follow the deadline", n)
	}
	want := []string{"Deleted (2)", "Outcome unknown (2) — SecMaster gave no trustworthy answer (no complete answer within the deadline, at most 30s); it may have acted",
		"Not attempted (2) — the action ran out of time before this call"}
	if !reflect.DeepEqual(labels(r), want) {
		t.Errorf("lists = %q, want %q", labels(r), want)
	}
}
