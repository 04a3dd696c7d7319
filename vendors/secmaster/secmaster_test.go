package secmaster_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
	"github.com/incidentbot/incidentbot/vendors/secmaster"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

func newClient(t *testing.T, url string, batch int) *secmaster.Client {
	t.Helper()
	c, err := secmaster.New(secmaster.Config{
		Settings:    huaweicloud.Settings{AccessKey: "AKTEST", SecretKey: "SKSECRET", ProjectID: "proj-1", Endpoint: url, Timeout: 2 * time.Second},
		WorkspaceID: "ws-1",
		BatchSize:   batch,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// echoSuccess answers as SecMaster does when every ID in the body succeeded.
func echoSuccess(field string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body map[string][]string
		_ = jsonDecode(r, &body)
		vendortest.Reply(w, 200, map[string]any{"code": "00000000", "message": "", "data": map[string]any{"success_ids": body[field], "error_ids": []string{}}})
	}
}

func TestDeleteIncidentsSendsThePagesRequest(t *testing.T) {
	srv := vendortest.New(t, echoSuccess("batch_ids"))
	res, err := newClient(t, srv.URL, 100).DeleteIncidents(context.Background(), []string{"a-1", "b-2"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.IDs(vendors.Done), []string{"a-1", "b-2"}) || len(res.Items) != 2 {
		t.Fatalf("result = %+v", res)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodDelete || r.Path != "/v1/proj-1/workspaces/ws-1/soc/incidents" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	var body map[string][]string
	r.JSON(t, &body)
	if !reflect.DeepEqual(body, map[string][]string{"batch_ids": {"a-1", "b-2"}}) {
		t.Errorf("body = %s", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("content-type = %q", ct)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "SDK-HMAC-SHA256 Access=AKTEST,") || strings.Contains(auth, "SKSECRET") {
		t.Errorf("Authorization = %q: want an AK/SK signature that does not carry the secret", auth)
	}
	if got := r.Header.Get("X-Project-Id"); got != "proj-1" {
		t.Errorf("X-Project-Id = %q", got)
	}
}

func TestDeleteIncidentsReportsErrorIDsOfA200(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"code": "SecMaster.20048004", "message": "incident not found",
			"data": map[string]any{"success_ids": []string{"a-1"}, "error_ids": []string{"b-2"}}})
	})
	res, err := newClient(t, srv.URL, 100).DeleteIncidents(context.Background(), []string{"a-1", "b-2", "c-3"})
	if err != nil {
		t.Fatal(err)
	}
	want := []vendors.Item{
		{ID: "a-1", Outcome: vendors.Done},
		{ID: "b-2", Outcome: vendors.Refused, Code: "SecMaster.20048004", Message: "listed in error_ids by SecMaster: SecMaster.20048004: incident not found"},
		// SecMaster said nothing about c-3: it may have acted, so unknown, not refused.
		{ID: "c-3", Outcome: vendors.Unknown, Message: "not confirmed: SecMaster listed it in neither success_ids nor error_ids; it may have acted"},
	}
	if !reflect.DeepEqual(res.Items, want) || !reflect.DeepEqual(res.RequestIDs, []string{"req-test-1"}) {
		t.Fatalf("result = %+v\nwant     %+v", res, want)
	}
}

func TestVendorErrorCarriesCodeAndMessage(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 400, map[string]string{"code": "SecMaster.00040001", "message": "workspace ws-1 does not exist"})
	})
	_, err := newClient(t, srv.URL, 100).DeleteIncidents(context.Background(), []string{"a-1"})
	var ve *vendors.Error
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want *vendors.Error", err, err)
	}
	if ve.Vendor != "SecMaster" || ve.Status != 400 || ve.Code != "SecMaster.00040001" || ve.Message != "workspace ws-1 does not exist" || ve.RequestID != "req-test-1" {
		t.Fatalf("vendor error = %+v", ve)
	}
}

func TestLargeBatchesAreSplitAndMerged(t *testing.T) {
	srv := vendortest.New(t, echoSuccess("batch_ids"))
	ids := []string{"i1", "i2", "i3", "i4", "i5"}
	res, err := newClient(t, srv.URL, 2).DeleteIncidents(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.IDs(vendors.Done), ids) {
		t.Fatalf("done = %v", res.IDs(vendors.Done))
	}
	var sizes []int
	for _, r := range srv.Requests() {
		var body map[string][]string
		r.JSON(t, &body)
		sizes = append(sizes, len(body["batch_ids"]))
	}
	if !reflect.DeepEqual(sizes, []int{2, 2, 1}) {
		t.Fatalf("batch sizes = %v, want [2 2 1]", sizes)
	}
}

func TestAFailedLaterBatchStopsAndIsReportedPerID(t *testing.T) {
	calls := 0
	srv := vendortest.New(t, nil)
	srv.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls >= 2 { // the second batch is refused on every try
			w.Header().Set("Retry-After", "0")
			vendortest.Reply(w, 429, map[string]string{"code": "APIGW.0308", "message": "throttled"})
			return
		}
		echoSuccess("batch_ids")(w, r)
	})
	res, err := newClient(t, srv.URL, 2).DeleteIncidents(context.Background(), []string{"i1", "i2", "i3", "i4", "i5"})
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Requests()) != 4 {
		t.Fatalf("made %d calls, want 4 (one batch, then three tries of the next); a refused batch must stop the rest", len(srv.Requests()))
	}
	if !reflect.DeepEqual(res.IDs(vendors.Done), []string{"i1", "i2"}) || len(res.Items) != 5 {
		t.Fatalf("result = %+v", res)
	}
	failed := res.Items[2:]
	if !strings.Contains(failed[0].Message, "APIGW.0308: throttled") || !strings.Contains(failed[2].Message, "not attempted") {
		t.Fatalf("reasons = %+v", failed)
	}
}

func TestCancelAssociationSendsThePagesRequest(t *testing.T) {
	srv := vendortest.New(t, echoSuccess("ids"))
	a := vendors.Association{DataClass: "incidents", ObjectID: "inc-9", RelatedDataClass: "alerts"}
	res, err := newClient(t, srv.URL, 100).CancelAssociation(context.Background(), a, []string{"al-1", "al-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IDs(vendors.Done)) != 2 {
		t.Fatalf("result = %+v", res)
	}
	r := srv.Requests()[0]
	if r.Method != http.MethodDelete || r.Path != "/v1/proj-1/workspaces/ws-1/soc/incidents/inc-9/alerts" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	var body map[string][]string
	r.JSON(t, &body)
	if !reflect.DeepEqual(body, map[string][]string{"ids": {"al-1", "al-2"}}) {
		t.Errorf("body = %s", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("content-type = %q", ct)
	}
}

// A refused connection proves nothing was sent: a plain failure the
// responder may retry, never "it may have acted".
func TestUnreachableVendorIsReportedAsSuch(t *testing.T) {
	srv := vendortest.New(t, nil)
	url := srv.URL
	srv.Close()
	_, err := newClient(t, url, 100).DeleteIncidents(context.Background(), []string{"a-1"})
	var ns *vendors.NotSentError
	if !errors.As(err, &ns) || ns.Vendor != "SecMaster" || !strings.Contains(err.Error(), "nothing was sent") {
		t.Fatalf("err = %v (%T), want *vendors.NotSentError", err, err)
	}
	if strings.Contains(err.Error(), "SKSECRET") {
		t.Fatal("the error text carries the secret key")
	}
}
