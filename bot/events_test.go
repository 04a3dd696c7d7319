package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/bot"
	"github.com/incidentbot/incidentbot/bot/bottest"
	"github.com/incidentbot/incidentbot/bot/metrics"
	"github.com/incidentbot/incidentbot/bot/pending"
	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/commands/reply"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// The audit log and the metrics both observe one event per step, so every
// path a command can take must show in both. These tests walk each path
// through the real dispatcher (vendors on httptest servers, a real access
// policy file) and read what an operator reads: the audit log's JSON
// lines and the Prometheus registry.

var (
	walkBob     = commands.Caller{Platform: "slack", UserID: "U0BOB", Name: "bob"}
	walkCarol   = commands.Caller{Platform: "slack", UserID: "U0CAROL", Name: "carol"}
	walkMallory = commands.Caller{Platform: "slack", UserID: "U0MALLORY", Name: "mallory"}
)

const walkPolicy = "rules:\n" +
	"  - verbs: [delete]\n    request: [slack:U0ALICE, slack:U0CAROL]\n    second_approval_over: 2\n    approve: [slack:U0BOB]\n" +
	"  - verbs: [create]\n    request: [slack:U0ALICE]\n"

type walk struct {
	bot       *bot.Bot
	metrics   *metrics.Metrics
	logs      *bottest.Buffer
	clock     *bottest.Clock
	secmaster *vendortest.Server
	store     *flakyStore
	runs      *pending.MemoryRuns
	policy    string
	holder    interface{ Reload(string) error }
	seenLines int
	seen      map[string]float64
}

func newWalk(t *testing.T) *walk {
	t.Helper()
	w := &walk{metrics: metrics.New(), logs: &bottest.Buffer{}, clock: bottest.NewClock(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC))}
	w.secmaster = vendortest.New(t, vendortest.SecMasterEcho)
	coc := vendortest.New(t, func(rw http.ResponseWriter, r *http.Request) {
		vendortest.Reply(rw, 200, map[string]any{"error_code": "GOM.00000000", "data": map[string]string{"incident_num": "IM1"}})
	})
	w.policy = filepath.Join(t.TempDir(), "p.yaml")
	h := policyHolder(t, w.policy, walkPolicy)
	w.holder = h
	w.store = &flakyStore{Store: pending.NewMemory()}
	w.runs = pending.NewMemoryRuns(w.clock.Now)
	w.bot = bot.New(commands.New(bottest.HuaweiDeps(t, w.secmaster.URL, coc.URL)), bot.Options{
		Logger: slog.New(slog.NewJSONHandler(w.logs, nil)), Metrics: w.metrics, Access: h, Now: w.clock.Now,
		Store: w.store, Runs: w.runs, Values: w.runs, SweepEvery: -1, ConfirmTTL: time.Minute, ForgetOnStop: true,
	})
	t.Cleanup(w.bot.Close)
	w.seen = w.counters(t)
	return w
}

// counters reads every counter the bot's events feed from the registry.
func (w *walk) counters(t *testing.T) map[string]float64 {
	t.Helper()
	families, err := w.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		switch f.GetName() {
		case "incidentbot_commands_total", "incidentbot_confirmations_total", "incidentbot_action_results_total", "incidentbot_results_undelivered_total":
		default:
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out[strings.TrimPrefix(f.GetName(), "incidentbot_")+"{"+strings.Join(labels, ",")+"}"] = m.GetCounter().GetValue()
		}
	}
	return out
}

// step returns the audit lines ("event=outcome/reason") and the counter
// increments since the last step.
func (w *walk) step(t *testing.T) (audit []string, counted []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(w.logs.String()), "\n")
	for _, line := range lines[w.seenLines:] {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if e["log"] != "audit" {
			continue
		}
		a := fmt.Sprint(e["event"], "=", e["outcome"])
		if r, ok := e["reason"]; ok {
			a += "/" + fmt.Sprint(r)
		}
		audit = append(audit, a)
	}
	w.seenLines = len(lines)
	now := w.counters(t)
	for k, v := range now {
		for i := w.seen[k]; i < v; i++ {
			counted = append(counted, k)
		}
	}
	w.seen = now
	slices.Sort(counted)
	return audit, counted
}

func (w *walk) ask(who commands.Caller, line string) bot.Outcome {
	return w.bot.Handle(context.Background(), bot.Request{Caller: who, Channel: "C-WAR", Text: line, Message: "resp"})
}

func (w *walk) press(kind reply.Kind, who commands.Caller, token string) bot.Outcome {
	return w.bot.Press(context.Background(), bot.Click{Caller: who, Channel: "C-WAR", Press: reply.Press{Kind: kind, Value: token}})
}

func (w *walk) reload(t *testing.T, body string) {
	t.Helper()
	policyHolder(t, w.policy, body)
	if err := w.holder.Reload(w.policy); err != nil {
		t.Fatal(err)
	}
}

// flakyStore is the confirmation store with its connection cut while down
// is set, and, while stale holds a record, a replica's out-of-date read.
type flakyStore struct {
	pending.Store
	mu    sync.Mutex
	down  bool
	stale *pending.Record
}

var errStoreDown = errors.New("dial tcp 10.0.0.7:6379: connect: connection refused")

func (s *flakyStore) failing() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.down }

func (s *flakyStore) Put(ctx context.Context, r pending.Record, l pending.Limits) error {
	if s.failing() {
		return errStoreDown
	}
	return s.Store.Put(ctx, r, l)
}

func (s *flakyStore) Settle(ctx context.Context, token string, m pending.Move) (pending.Record, error) {
	if s.failing() {
		return pending.Record{}, errStoreDown
	}
	return s.Store.Settle(ctx, token, m)
}

func (s *flakyStore) Get(ctx context.Context, token string) (pending.Record, error) {
	s.mu.Lock()
	stale := s.stale
	s.mu.Unlock()
	if stale != nil && stale.Token == token {
		return *stale, nil
	}
	if s.failing() {
		return pending.Record{}, errStoreDown
	}
	return s.Store.Get(ctx, token)
}

func TestEveryStepIsBothAuditedAndCounted(t *testing.T) {
	w := newWalk(t)
	ctx := context.Background()
	var token, big string
	paths := []struct {
		name    string
		do      func(t *testing.T)
		audit   []string
		counted []string
	}{
		{"a usage error", func(*testing.T) { w.ask(slackAlice, "delete inc/1") },
			[]string{"request=rejected/usage"}, []string{"commands_total{platform=slack,result=usage_error,verb=delete}"}},
		{"an unknown verb", func(*testing.T) { w.ask(slackAlice, "delte inc-1") },
			[]string{"request=rejected/usage"}, []string{"commands_total{platform=slack,result=usage_error,verb=unknown}"}},
		{"a request the policy denies", func(*testing.T) { w.ask(walkMallory, "delete inc-1") },
			[]string{"request=denied/not_allowed"}, []string{"commands_total{platform=slack,result=denied,verb=delete}"}},
		{"a form the policy denies", func(t *testing.T) {
			o := w.bot.Press(ctx, bot.Click{Caller: walkMallory, Channel: "C-WAR", Press: reply.Press{Kind: reply.Form, Verb: "create"}})
			if o.Form != nil {
				t.Fatal("the form opened for a user the policy refuses")
			}
		}, []string{"request=denied/not_allowed"}, []string{"commands_total{platform=slack,result=denied,verb=create}"}},
		// help is counted; its audit line is written at debug level only
		// (writeAudit says why), so the audit log at info has none.
		{"help", func(*testing.T) { w.ask(walkMallory, "help") },
			nil, []string{"commands_total{platform=slack,result=ok,verb=help}"}},
		{"whoami", func(*testing.T) { w.ask(walkMallory, "whoami") },
			[]string{"request=answered"}, []string{"commands_total{platform=slack,result=ok,verb=whoami}"}},
		{"a dry run", func(*testing.T) { w.ask(slackAlice, "delete inc-1 --dry-run") },
			[]string{"request=dry run"}, []string{"commands_total{platform=slack,result=ok,verb=delete}"}},
		{"a create that runs", func(t *testing.T) {
			if r := w.ask(slackAlice, createLine).Work(ctx, nil); !strings.Contains(r.Title, "IM1") {
				t.Fatalf("create: %+v", r)
			}
		}, []string{"request=running", "result=done"},
			[]string{"action_results_total{result=done,verb=create}", "commands_total{platform=slack,result=ok,verb=create}"}},
		{"the same create again", func(*testing.T) { w.ask(slackAlice, createLine) },
			[]string{"request=ignored/repeat"}, []string{"commands_total{platform=slack,result=duplicate,verb=create}"}},
		{"a delete asked for", func(*testing.T) { token = w.ask(slackAlice, "delete inc-1").Token },
			[]string{"request=awaiting confirmation"}, []string{"commands_total{platform=slack,result=ok,verb=delete}"}},
		{"a Confirm by someone else", func(*testing.T) { w.press(reply.Confirm, walkBob, token) },
			[]string{"confirm=refused/not_requester"}, []string{"confirmations_total{outcome=refused}"}},
		{"the Confirm, and the run", func(t *testing.T) {
			if r := w.press(reply.Confirm, slackAlice, token).Work(ctx, nil); !strings.Contains(r.Title, "deleted 1 of 1") {
				t.Fatalf("run: %+v", r)
			}
		}, []string{"confirm=confirmed", "result=done"},
			[]string{"action_results_total{result=done,verb=delete}", "confirmations_total{outcome=confirmed}"}},
		{"a second Confirm", func(*testing.T) { w.press(reply.Confirm, slackAlice, token) },
			[]string{"confirm=ignored/already_settled"}, []string{"confirmations_total{outcome=refused}"}},
		{"an unknown token", func(*testing.T) { w.press(reply.Confirm, slackAlice, "abcdefghijklmnopqrstuvwxyz") },
			[]string{"confirm=refused/unknown_token"}, []string{"confirmations_total{outcome=refused}"}},
		{"a Cancel", func(*testing.T) { w.press(reply.Cancel, slackAlice, w.ask(slackAlice, "delete inc-2").Token) },
			[]string{"request=awaiting confirmation", "cancel=cancelled"},
			[]string{"commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=cancelled}"}},
		{"a Confirm after the expiry", func(*testing.T) {
			tok := w.ask(slackAlice, "delete inc-3").Token
			w.clock.Add(2 * time.Minute)
			w.press(reply.Confirm, slackAlice, tok)
		}, []string{"request=awaiting confirmation", "expire=expired", "confirm=refused/expired"},
			[]string{"commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=expired}", "confirmations_total{outcome=refused}"}},
		{"an expiry found by the sweep", func(*testing.T) {
			w.ask(slackAlice, "delete inc-4")
			w.clock.Add(2 * time.Minute)
			w.bot.Sweep(ctx)
		}, []string{"request=awaiting confirmation", "expire=expired"},
			[]string{"commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=expired}"}},
		{"a Confirm that now needs an approval", func(*testing.T) {
			big = w.ask(slackAlice, "delete inc-5 inc-6 inc-7").Token
			w.press(reply.Confirm, slackAlice, big)
		}, []string{"request=awaiting confirmation", "confirm=awaiting approval"},
			[]string{"commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=awaiting_approval}"}},
		{"an Approve by someone not named", func(*testing.T) { w.press(reply.Approve, walkMallory, big) },
			[]string{"approve=refused/not_approver"}, []string{"confirmations_total{outcome=refused}"}},
		{"an Approve by the requester", func(*testing.T) { w.press(reply.Approve, slackAlice, big) },
			[]string{"approve=refused/requester_approving"}, []string{"confirmations_total{outcome=refused}"}},
		{"an Approve against approvers that changed", func(*testing.T) {
			rec, err := w.store.Store.Get(ctx, big)
			if err != nil {
				t.Fatal(err)
			}
			// A stale read naming other approvers; bob, an approver by
			// today's policy, presses: the move finds the record changed.
			rec.Approvers = []string{"slack:U0MALLORY"}
			w.store.mu.Lock()
			w.store.stale = &rec
			w.store.mu.Unlock()
			w.press(reply.Approve, walkBob, big)
			w.store.mu.Lock()
			w.store.stale = nil
			w.store.mu.Unlock()
		}, []string{"approve=refused/approval_changed"}, []string{"confirmations_total{outcome=refused}"}},
		{"the Approve, and the run", func(*testing.T) { w.press(reply.Approve, walkBob, big).Work(ctx, nil) },
			[]string{"approve=confirmed", "result=done"},
			[]string{"action_results_total{result=done,verb=delete}", "confirmations_total{outcome=confirmed}"}},
		{"a Confirm the changed policy no longer allows", func(*testing.T) {
			tok := w.ask(walkCarol, "delete inc-8").Token
			w.reload(t, "rules:\n  - verbs: [delete]\n    request: [slack:U0ALICE]\n")
			w.press(reply.Confirm, walkCarol, tok)
			w.reload(t, walkPolicy)
			w.clock.Add(2 * time.Minute)
			w.bot.Sweep(ctx)
		}, []string{"request=awaiting confirmation", "confirm=refused/no_longer_allowed", "expire=expired"},
			[]string{"commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=expired}", "confirmations_total{outcome=refused}"}},
		{"a vendor's refusal", func(*testing.T) {
			w.secmaster.SetHandler(func(rw http.ResponseWriter, r *http.Request) {
				vendortest.Reply(rw, 403, map[string]string{"code": "SecMaster.00040301", "message": "no permission"})
			})
			defer w.secmaster.SetHandler(vendortest.SecMasterEcho)
			w.press(reply.Confirm, slackAlice, w.ask(slackAlice, "delete inc-9").Token).Work(ctx, nil)
		}, []string{"request=awaiting confirmation", "confirm=confirmed", "result=refused"},
			[]string{"action_results_total{result=refused,verb=delete}", "commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=confirmed}"}},
		{"a request while the store is down", func(*testing.T) {
			w.store.mu.Lock()
			w.store.down = true
			w.store.mu.Unlock()
			w.ask(slackAlice, "delete inc-10")
		}, []string{"request=failed/store_unavailable"}, []string{"commands_total{platform=slack,result=error,verb=delete}"}},
		{"a Cancel while the store is down", func(*testing.T) {
			defer func() { w.store.mu.Lock(); w.store.down = false; w.store.mu.Unlock() }()
			w.press(reply.Cancel, slackAlice, big)
		}, []string{"cancel=failed/store_unavailable"}, []string{"confirmations_total{outcome=refused}"}},
		{"a stop before the action returned", func(*testing.T) {
			w.press(reply.Confirm, slackAlice, w.ask(slackAlice, "delete inc-11").Token).Unfinished()
		}, []string{"request=awaiting confirmation", "confirm=confirmed", "result=unknown: the bot stopped before the action finished"},
			[]string{"action_results_total{result=unknown,verb=delete}", "commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=confirmed}"}},
		{"an action whose process died", func(t *testing.T) {
			tok := w.ask(slackAlice, "delete inc-12").Token
			rec, err := w.store.Settle(ctx, tok, pending.Move{From: []pending.State{pending.Pending}, To: pending.Confirmed, By: slackAlice, At: w.clock.Now(), RequesterOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.runs.Start(ctx, rec, time.Second); err != nil {
				t.Fatal(err)
			}
			w.clock.Add(2 * time.Second)
			w.bot.Sweep(ctx)
		}, []string{"request=awaiting confirmation", "result=unknown: the bot stopped while this was running"},
			[]string{"action_results_total{result=unknown,verb=delete}", "commands_total{platform=slack,result=ok,verb=delete}"}},
		{"a result no route could show", func(*testing.T) {
			w.bot.Undelivered(ctx, slackAlice, "C-WAR", reply.Reply{Title: "SecMaster: deleted 1 of 1"}, errors.New("every route failed"))
		}, []string{"deliver=undelivered"}, []string{"results_undelivered_total{platform=slack}"}},
		{"a stop that drops an open confirmation", func(*testing.T) {
			w.ask(slackAlice, "delete inc-13")
			w.bot.Stop(ctx)
		}, []string{"request=awaiting confirmation", "expire=dropped: the bot stopped"},
			[]string{"commands_total{platform=slack,result=ok,verb=delete}", "confirmations_total{outcome=dropped}"}},
	}
	for _, p := range paths {
		p.do(t)
		audit, counted := w.step(t)
		slices.Sort(p.counted)
		if !slices.Equal(audit, p.audit) {
			t.Errorf("%s: audited %q, want %q", p.name, audit, p.audit)
		}
		if !slices.Equal(counted, p.counted) {
			t.Errorf("%s: counted %q, want %q", p.name, counted, p.counted)
		}
	}
}

// A verb whose vendor is not configured is refused before its form opens:
// audited and counted like any other rejected command.
func TestANotConfiguredVerbIsAuditedAndCounted(t *testing.T) {
	m, logs := metrics.New(), &bottest.Buffer{}
	b := bot.New(commands.New(bottest.HuaweiDeps(t, "http://127.0.0.1:1", "")), bot.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, nil)), Metrics: m, SweepEvery: -1})
	t.Cleanup(b.Close)
	o := b.Press(context.Background(), bot.Click{Caller: slackAlice, Channel: "C-WAR", Press: reply.Press{Kind: reply.Form, Verb: "create"}})
	if o.Form != nil || !strings.Contains(o.Reply.Title, "COC is not configured") {
		t.Fatalf("the form of an unconfigured verb: %+v", o)
	}
	if !strings.Contains(logs.String(), `"outcome":"rejected","reason":"not_configured"`) {
		t.Errorf("not audited: %s", logs)
	}
	if body := scrape(t, m); !strings.Contains(body, `incidentbot_commands_total{platform="slack",result="error",verb="create"} 1`) {
		t.Errorf("not counted:\n%s", body)
	}
}
