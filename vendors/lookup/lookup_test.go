package lookup_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coc"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/lookup"
	"github.com/incidentbot/incidentbot/vendors/sandbox"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

// world is the sandbox behind a recording server, the three real clients
// over it and a Reader over them.
type world struct {
	srv     *vendortest.Server
	sm      *secmaster.Client
	coc     *coc.Client
	cx      *coralogix.Client
	reader  *lookup.Reader
	metrics *recorder
}

func newWorld(t *testing.T, faults string, cfg lookup.Config) *world {
	t.Helper()
	f, err := sandbox.ParseFaults(faults)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.WithFaults(f))
	w := &world{srv: vendortest.New(t, sb.Handler().ServeHTTP), metrics: &recorder{}}
	t.Cleanup(sb.Close)
	hw := huaweicloud.Settings{AccessKey: "ak", SecretKey: "sk", ProjectID: "p", DomainID: "d", Endpoint: w.srv.URL, Timeout: 5 * time.Second}
	if w.sm, err = secmaster.New(secmaster.Config{Settings: hw, WorkspaceID: "w", BatchSize: 100}); err != nil {
		t.Fatal(err)
	}
	if w.coc, err = coc.New(hw); err != nil {
		t.Fatal(err)
	}
	if w.cx, err = coralogix.New(coralogix.Config{Endpoint: w.srv.URL, APIKey: "k", Timeout: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	cfg.SecMaster, cfg.COC, cfg.Coralogix, cfg.Metrics = w.sm, w.coc, w.cx, w.metrics
	w.reader = lookup.New(cfg)
	return w
}

// recorder keeps what the Metrics hooks heard.
type recorder struct {
	mu     sync.Mutex
	reads  []string
	hits   int
	misses int
}

func (r *recorder) Read(vendor, op string, outcome lookup.Outcome, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads = append(r.reads, vendor+" "+op+" "+string(outcome))
}

func (r *recorder) Cache(_, _ string, hit bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if hit {
		r.hits++
	} else {
		r.misses++
	}
}

func TestASecondLookupIsServedFromTheCache(t *testing.T) {
	w := newWorld(t, "", lookup.Config{})
	ctx := context.Background()
	first := w.reader.SecMasterIncidents(ctx, []string{"inc-1001", "inc-9999"})
	second := w.reader.SecMasterIncidents(ctx, []string{"inc-9999", "inc-1001"})
	if n := len(w.srv.Requests()); n != 1 {
		t.Fatalf("SecMaster received %d searches, want 1", n)
	}
	if first[0].Presence != vendors.Found || first[0].Item.Title != "Brute-force logins against bastion-eu-1" || first[1].Presence != vendors.NotFound {
		t.Fatalf("first = %+v", first)
	}
	if second[0].ID != "inc-9999" || second[0].Presence != vendors.NotFound || second[1].Item.Severity != "High" {
		t.Fatalf("second = %+v", second)
	}
	if w.metrics.hits != 2 || w.metrics.misses != 2 || len(w.metrics.reads) != 1 || w.metrics.reads[0] != "SecMaster incidents ok" {
		t.Fatalf("metrics = %+v", w.metrics)
	}
}

// A look-up mixing cached and uncached IDs, one repeated, asks the vendor
// only about the misses, each once, and answers every position in the
// order asked.
func TestMixedCachedAndUncachedIDsAnswerInTheOrderAsked(t *testing.T) {
	w := newWorld(t, "", lookup.Config{})
	ctx := context.Background()
	w.reader.CoralogixIncidents(ctx, []string{"cx-3001", "cx-9001"})
	ids := []string{"cx-9002", "cx-3001", "cx-3002", "cx-9001", "cx-9002"}
	got := w.reader.CoralogixIncidents(ctx, ids)
	reqs := w.srv.Requests()
	if len(reqs) != 2 || strings.Join(reqs[1].Query["ids"], " ") != "cx-9002 cx-3002" {
		t.Fatalf("Coralogix was asked %d times, last about %v; want a second request for the misses cx-9002 cx-3002", len(reqs), reqs[len(reqs)-1].Query["ids"])
	}
	want := []string{"", "Checkout API 5xx rate above 2%", "db-primary replication lag over 30s", "", ""}
	for i, l := range got {
		found := want[i] != ""
		if l.ID != ids[i] || (l.Presence == vendors.Found) != found || (!found && l.Presence != vendors.NotFound) || l.Item.Title != want[i] {
			t.Errorf("answer %d = %s %v %q, want %s %q", i, l.ID, l.Presence, l.Item.Title, ids[i], want[i])
		}
	}
	if w.metrics.hits != 2 || w.metrics.misses != 2+3 {
		t.Errorf("cache metrics: %d hits, %d misses; want 2 hits (cx-3001, cx-9001) and 5 misses", w.metrics.hits, w.metrics.misses)
	}
}

// After a delete the write path invalidates what it touched: the next
// confirmation reads SecMaster again and shows the incident gone.
func TestInvalidateAfterAWriteShowsTheVendorsNewState(t *testing.T) {
	w := newWorld(t, "", lookup.Config{})
	ctx := context.Background()
	if got := w.reader.SecMasterIncidents(ctx, []string{"inc-1003"}); got[0].Presence != vendors.Found {
		t.Fatalf("before = %+v", got[0])
	}
	if _, err := w.sm.DeleteIncidents(ctx, []string{"inc-1003"}); err != nil {
		t.Fatal(err)
	}
	if got := w.reader.SecMasterIncidents(ctx, []string{"inc-1003"}); got[0].Presence != vendors.Found {
		t.Fatalf("without Invalidate the cached answer should still show, got %+v", got[0])
	}
	w.reader.Invalidate(ctx, "inc-1003")
	if got := w.reader.SecMasterIncidents(ctx, []string{"inc-1003"}); got[0].Presence != vendors.NotFound {
		t.Fatalf("after Invalidate = %+v, want not found", got[0])
	}

	// Unassign: the Coralogix incident's assignees are read anew.
	if got := w.reader.CoralogixIncidents(ctx, []string{"cx-3001"}); len(got[0].Item.Owners) != 1 {
		t.Fatalf("cx-3001 = %+v", got[0])
	}
	if _, err := w.cx.UnassignIncidents(ctx, []string{"cx-3001"}); err != nil {
		t.Fatal(err)
	}
	w.reader.Invalidate(ctx, "cx-3001")
	if got := w.reader.CoralogixIncidents(ctx, []string{"cx-3001"}); got[0].Presence != vendors.Found || len(got[0].Item.Owners) != 0 {
		t.Fatalf("after unassign = %+v", got[0])
	}

	// A ticket step: the ticket's new state.
	if got := w.reader.Ticket(ctx, sandbox.DemoTicket); got.Item.Status != "created" {
		t.Fatalf("ticket = %+v", got)
	}
	if _, err := w.coc.HandleIncident(ctx, vendors.TicketOp{Step: vendors.Accept, Ticket: sandbox.DemoTicket, Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	w.reader.Invalidate(ctx, sandbox.DemoTicket)
	if got := w.reader.Ticket(ctx, sandbox.DemoTicket); got.Item.Status != "accepted" {
		t.Fatalf("after accept = %+v", got)
	}
}

func TestUnlinkedAlertIsNoLongerLinked(t *testing.T) {
	w := newWorld(t, "", lookup.Config{})
	ctx := context.Background()
	linked := w.reader.LinkedAlerts(ctx, "inc-1001")
	if linked.Presence != vendors.Found || len(linked.Item) != 3 {
		t.Fatalf("linked = %+v", linked)
	}
	if _, err := w.sm.CancelAssociation(ctx, vendors.Association{DataClass: "incidents", ObjectID: "inc-1001", RelatedDataClass: "alerts"}, []string{"alert-2002"}); err != nil {
		t.Fatal(err)
	}
	w.reader.Invalidate(ctx, "inc-1001", "alert-2002")
	linked = w.reader.LinkedAlerts(ctx, "inc-1001")
	for _, a := range linked.Item {
		if a.ID == "alert-2002" {
			t.Fatalf("alert-2002 still listed as linked: %+v", linked.Item)
		}
	}
	if len(linked.Item) != 2 {
		t.Fatalf("linked = %+v", linked.Item)
	}
}

// A failed look-up is never cached: the next one asks again.
func TestCouldNotLookUpIsNotCached(t *testing.T) {
	w := newWorld(t, "secmaster.search=500*1", lookup.Config{})
	ctx := context.Background()
	if got := w.reader.SecMasterIncidents(ctx, []string{"inc-1001"}); got[0].Presence != vendors.CouldNotLookUp || !strings.Contains(vendors.LookupReason(got[0].Err), "HTTP 500") {
		t.Fatalf("first = %+v", got[0])
	}
	if got := w.reader.SecMasterIncidents(ctx, []string{"inc-1001"}); got[0].Presence != vendors.Found {
		t.Fatalf("second = %+v", got[0])
	}
	if n := len(w.srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

// A vendor that never answers: the look-up ends at the deadline, saying so.
func TestTheDeadlineEndsALookup(t *testing.T) {
	w := newWorld(t, "coralogix.get=timeout,coc.show=timeout,secmaster.search=timeout", lookup.Config{Deadline: 150 * time.Millisecond})
	ctx := context.Background()
	check := func(what string, p vendors.Presence, err error) {
		t.Helper()
		var le *vendors.LookupError
		if p != vendors.CouldNotLookUp || !errors.As(err, &le) || vendors.LookupReason(err) != "timed out after 150ms" {
			t.Errorf("%s: %v, %v (%q)", what, p, err, vendors.LookupReason(err))
		}
	}
	got := w.reader.CoralogixIncidents(ctx, []string{"cx-3001"})
	check("coralogix", got[0].Presence, got[0].Err)
	tk := w.reader.Ticket(ctx, sandbox.DemoTicket)
	check("coc", tk.Presence, tk.Err)
	sm := w.reader.SecMasterIncidents(ctx, []string{"inc-1001"})
	check("secmaster", sm[0].Presence, sm[0].Err)
	if !strings.Contains(strings.Join(w.metrics.reads, ","), "Coralogix incidents timed_out") {
		t.Errorf("metrics = %v", w.metrics.reads)
	}
}

// At most PerVendor calls to one vendor are in flight at once.
func TestConcurrentReadsPerVendorAreBounded(t *testing.T) {
	var inFlight, most atomic.Int32
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		vendortest.Reply(w, 200, map[string]any{"incidents": map[string]any{}, "notFoundIds": r.URL.Query()["ids"]})
	})
	cx, _ := coralogix.New(coralogix.Config{Endpoint: srv.URL, APIKey: "k", Timeout: 5 * time.Second})
	reader := lookup.New(lookup.Config{Coralogix: cx, PerVendor: 2, Deadline: 5 * time.Second})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			got := reader.CoralogixIncidents(context.Background(), []string{"cx-" + string(rune('a'+i))})
			if got[0].Presence != vendors.NotFound {
				t.Errorf("lookup = %+v", got[0])
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m > 2 {
		t.Fatalf("%d calls in flight at once, want at most 2", m)
	}
	if n := len(srv.Requests()); n != 8 {
		t.Fatalf("%d requests, want 8", n)
	}
}

// An answer read while the write path invalidated is not stored: it may
// predate the write.
func TestAnAnswerRacingAnInvalidationIsNotCached(t *testing.T) {
	release := make(chan struct{})
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		vendortest.Reply(w, 200, map[string]any{"incidents": map[string]any{"cx-1": map[string]any{"id": "cx-1", "name": "n"}}, "notFoundIds": []string{}})
	})
	cx, _ := coralogix.New(coralogix.Config{Endpoint: srv.URL, APIKey: "k", Timeout: 5 * time.Second})
	reader := lookup.New(lookup.Config{Coralogix: cx, Deadline: 5 * time.Second})
	done := make(chan struct{})
	go func() {
		defer close(done)
		reader.CoralogixIncidents(context.Background(), []string{"cx-1"})
	}()
	for len(srv.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	reader.Invalidate(context.Background(), "cx-1")
	close(release)
	<-done
	reader.CoralogixIncidents(context.Background(), []string{"cx-1"})
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("%d requests, want 2: the raced answer must not be reused", n)
	}
}

func TestAVendorNotConfiguredSaysSo(t *testing.T) {
	reader := lookup.New(lookup.Config{})
	got := reader.Ticket(context.Background(), "IM1")
	if got.Presence != vendors.CouldNotLookUp || !errors.Is(got.Err, lookup.ErrNotConfigured) || vendors.LookupReason(got.Err) != "COC is not configured" {
		t.Fatalf("ticket = %+v", got)
	}
	if _, err := reader.ListSecMaster(context.Background(), vendors.ListQuery{}); !errors.Is(err, lookup.ErrNotConfigured) {
		t.Fatalf("list: %v", err)
	}
}

func TestListsAreReadFreshWithinTheBound(t *testing.T) {
	w := newWorld(t, "", lookup.Config{})
	ctx := context.Background()
	p, err := w.reader.ListSecMaster(ctx, vendors.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, inc := range p.Items {
		ids = append(ids, inc.ID)
	}
	// Open ones, newest first: inc-1004 is closed, inc-1005 blocked.
	if strings.Join(ids, " ") != "inc-1003 inc-1002 inc-1001" {
		t.Fatalf("open incidents = %v", ids)
	}
	if _, err := w.sm.DeleteIncidents(ctx, []string{"inc-1002"}); err != nil {
		t.Fatal(err)
	}
	p, _ = w.reader.ListSecMaster(ctx, vendors.ListQuery{})
	if len(p.Items) != 2 {
		t.Fatalf("after delete = %+v", p.Items)
	}
}
