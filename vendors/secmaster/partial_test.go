package secmaster_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "-" + string(rune('a'+i/26)) + string(rune('a'+i%26))
	}
	return out
}

func TestAFailedFirstCallLeavesTheOtherBatchesNotAttempted(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 500, map[string]string{"code": "SecMaster.00000500", "message": "internal error"})
	})
	all := ids("i", 10)
	res, err := newClient(t, srv.URL, 4).DeleteIncidents(context.Background(), all)
	if err != nil {
		t.Fatalf("a failed first call of three must give a per-ID result, got error %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("made %d calls; after a failure no more may be sent", n)
	}
	if got := res.IDs(vendors.Unknown); !reflect.DeepEqual(got, all[:4]) {
		t.Errorf("unknown = %v, want the first call's IDs %v", got, all[:4])
	}
	if got := res.IDs(vendors.NotAttempted); !reflect.DeepEqual(got, all[4:]) {
		t.Errorf("not attempted = %v, want the IDs never sent %v", got, all[4:])
	}
}

func TestAThrottledCallIsRefusedAndMarkedRetryable(t *testing.T) {
	calls := 0
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 2 {
			vendortest.Reply(w, 400, map[string]string{"code": "APIGW.0308", "message": "throttled"})
			return
		}
		echoSuccess("batch_ids")(w, r)
	})
	res, err := newClient(t, srv.URL, 2).DeleteIncidents(context.Background(), ids("i", 5))
	if err != nil {
		t.Fatal(err)
	}
	refused := res.With(vendors.Refused)
	if len(refused) != 2 || !refused[0].Retryable || refused[0].Code != "APIGW.0308" {
		t.Fatalf("refused = %+v, want two retryable APIGW.0308", refused)
	}
}

// A context cancelled while a call is in flight (a stop, a lost lease)
// leaves the answered IDs as answered, the call's IDs unknown and the
// rest not attempted; the Ledger says the same while the call hangs.
func TestACancelledRunKeepsAnsweredIDsAndLeavesTheRestNotAttempted(t *testing.T) {
	var calls atomic.Int32
	inSecond := make(chan struct{})
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			close(inSecond)
			<-r.Context().Done()
			return
		}
		echoSuccess("batch_ids")(w, r)
	})
	all := ids("i", 10)
	ledger := vendors.NewLedger()
	ctx, cancel := context.WithCancel(vendors.WithLedger(context.Background(), ledger))
	go func() {
		<-inSecond
		snap, ok := ledger.Stop(all, "the bot stopped")
		if !ok || !reflect.DeepEqual(snap.IDs(vendors.Done), all[:3]) || !reflect.DeepEqual(snap.IDs(vendors.Unknown), all[3:6]) ||
			!reflect.DeepEqual(snap.IDs(vendors.NotAttempted), all[6:]) {
			t.Errorf("snapshot during call 2 = %+v", snap)
		}
		cancel()
	}()
	res, err := newClient(t, srv.URL, 3).DeleteIncidents(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("made %d calls; a cancelled run must send no more", n)
	}
	if got := res.IDs(vendors.Done); !reflect.DeepEqual(got, all[:3]) {
		t.Errorf("done = %v", got)
	}
	if got := res.IDs(vendors.Unknown); !reflect.DeepEqual(got, all[3:6]) {
		t.Errorf("unknown = %v, want the call in flight", got)
	}
	if got := res.IDs(vendors.NotAttempted); !reflect.DeepEqual(got, all[6:]) {
		t.Errorf("not attempted = %v", got)
	}
	for _, it := range res.With(vendors.NotAttempted) {
		if !strings.HasPrefix(it.Message, "not attempted") {
			t.Errorf("%s: message %q", it.ID, it.Message)
		}
	}
}

func TestARunStoppedBeforeItsFirstCallSendsNothing(t *testing.T) {
	srv := vendortest.New(t, echoSuccess("batch_ids"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newClient(t, srv.URL, 3).DeleteIncidents(ctx, ids("i", 4))
	if !errors.Is(err, context.Canceled) || len(srv.Requests()) != 0 {
		t.Fatalf("requests = %d, error = %v; want none sent, and the context's error", len(srv.Requests()), err)
	}
}
