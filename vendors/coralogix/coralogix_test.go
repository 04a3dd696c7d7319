package coralogix_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/coralogix"
	"github.com/incidentbot/incidentbot/vendors/vendortest"
)

func newClient(t *testing.T, url string, batch int) *coralogix.Client {
	t.Helper()
	c, err := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "cxkey-SECRET", Timeout: 2 * time.Second, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// echo returns the requested incidents with no assignments, as Coralogix does.
func echo(w http.ResponseWriter, r *http.Request) {
	var incidents []map[string]any
	for _, id := range r.URL.Query()["incident_ids"] {
		incidents = append(incidents, map[string]any{"id": id, "name": "n-" + id, "assignments": []any{}})
	}
	vendortest.Reply(w, 200, map[string]any{"incidents": incidents})
}

// onlyAt serves h at one path and answers 404 everywhere else, as a
// Coralogix that serves one of the two API versions would.
func onlyAt(path string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		h(w, r)
	}
}

func newVersioned(t *testing.T, url, version string) *coralogix.Client {
	t.Helper()
	c, err := coralogix.New(coralogix.Config{Endpoint: url, APIKey: "cxkey-SECRET", APIVersion: version, Timeout: 2 * time.Second, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Each CORALOGIX_API_VERSION sends the OpenAPI's request to its own path:
// 5 (the default) the published spec's /mgmt/openapi/5 .../all/by-user,
// latest the reference page's path.
func TestUnassignSendsTheSpecsRequest(t *testing.T) {
	for _, tc := range []struct{ version, path string }{
		{"", "/mgmt/openapi/5/incidents/incidents/v1/all/by-user"},
		{"5", "/mgmt/openapi/5/incidents/incidents/v1/all/by-user"},
		{"latest", "/mgmt/openapi/latest/incidents/incidents/v1/by-user"},
	} {
		t.Run("version="+tc.version, func(t *testing.T) {
			srv := vendortest.New(t, onlyAt(tc.path, echo))
			res, err := newVersioned(t, srv.URL, tc.version).UnassignIncidents(context.Background(), []string{"cx-1", "cx-2"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.IDs(vendors.Done), []string{"cx-1", "cx-2"}) {
				t.Fatalf("result = %+v", res)
			}
			r := srv.Requests()[0]
			if r.Method != http.MethodDelete || r.Path != tc.path {
				t.Errorf("request line = %s %s", r.Method, r.Path)
			}
			if got := newVersioned(t, srv.URL, tc.version).UnassignRoute(); got != "DELETE "+tc.path {
				t.Errorf("UnassignRoute = %q", got)
			}
			if got := r.Query["incident_ids"]; !reflect.DeepEqual(got, []string{"cx-1", "cx-2"}) {
				t.Errorf("incident_ids = %v, want one repeated parameter per ID", got)
			}
			if len(r.Query) != 1 {
				t.Errorf("query = %v, want only incident_ids", r.Query)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer cxkey-SECRET" {
				t.Errorf("Authorization = %q", got)
			}
			if len(r.Body) != 0 {
				t.Errorf("body = %q, want none", r.Body)
			}
		})
	}
}

// A Coralogix that serves only the other version's path answers 404: the
// responder reads which setting chose the path and the value to try.
func TestA404NamesTheSettingAndItsOtherValue(t *testing.T) {
	for _, tc := range []struct{ version, served, says string }{
		{"5", "/mgmt/openapi/latest/incidents/incidents/v1/by-user", "CORALOGIX_API_VERSION=5; if your Coralogix serves the other path, set CORALOGIX_API_VERSION=latest"},
		{"latest", "/mgmt/openapi/5/incidents/incidents/v1/all/by-user", "CORALOGIX_API_VERSION=latest; if your Coralogix serves the other path, set CORALOGIX_API_VERSION=5"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			srv := vendortest.New(t, onlyAt(tc.served, echo))
			_, err := newVersioned(t, srv.URL, tc.version).UnassignIncidents(context.Background(), []string{"cx-1"})
			var ve *vendors.Error
			if !errors.As(err, &ve) || ve.Status != 404 {
				t.Fatalf("err = %v (%T), want a 404 refusal", err, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("the responder reads %q\nwant it to say %q", err, tc.says)
			}
		})
	}
}

func TestUnknownAPIVersionIsRefused(t *testing.T) {
	if _, err := coralogix.New(coralogix.Config{Endpoint: "https://api.coralogix.com", APIVersion: "4"}); err == nil || !strings.Contains(err.Error(), "5 or latest") {
		t.Fatalf("New with version 4: %v", err)
	}
}

// An incident Coralogix does not return is unknown, not failed: it said
// nothing about it.
func TestIncidentsNotReturnedAreUnknown(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"incidents": []map[string]any{{"id": "cx-1"}}})
	})
	res, err := newClient(t, srv.URL, 100).UnassignIncidents(context.Background(), []string{"cx-1", "cx-404"})
	if err != nil {
		t.Fatal(err)
	}
	want := []vendors.Item{{ID: "cx-1", Outcome: vendors.Done}, {ID: "cx-404", Outcome: vendors.Unknown, Message: "not confirmed: Coralogix did not return this incident; it may have acted"}}
	if !reflect.DeepEqual(res.Items, want) {
		t.Fatalf("result = %+v", res)
	}
}

func TestBatchesSplit(t *testing.T) {
	srv := vendortest.New(t, echo)
	if _, err := newClient(t, srv.URL, 2).UnassignIncidents(context.Background(), []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || len(reqs[0].Query["incident_ids"]) != 2 || len(reqs[1].Query["incident_ids"]) != 1 {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestErrorShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		status    int
		body      string
		code, msg string
	}{
		"grpc status":  {403, `{"code": 7, "message": "missing permission incidents:assign"}`, "7", "missing permission incidents:assign"},
		"error string": {401, `{"error": "invalid api key"}`, "401", "invalid api key"},
		"plain text":   {400, `bad request`, "400", "bad request"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := newClient(t, srv.URL, 100).UnassignIncidents(context.Background(), []string{"a"})
			var ve *vendors.Error
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if ve.Status != tc.status || ve.Code != tc.code || ve.Message != tc.msg {
				t.Fatalf("vendor error = %+v", ve)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatal("the error carries the API key")
			}
		})
	}
}

// An incident Coralogix returns still assigned is not done.
func TestStillAssignedIsRefused(t *testing.T) {
	srv := vendortest.New(t, func(w http.ResponseWriter, r *http.Request) {
		vendortest.Reply(w, 200, map[string]any{"incidents": []map[string]any{{"id": "cx-1", "assignments": []any{map[string]any{"assignedTo": map[string]any{"userId": "u-7"}}}}}})
	})
	res, err := newClient(t, srv.URL, 100).UnassignIncidents(context.Background(), []string{"cx-1"})
	if err != nil || len(res.Items) != 1 || res.Items[0].Outcome != vendors.Refused || !strings.Contains(res.Items[0].Message, "u-7") {
		t.Fatalf("result = %+v, %v", res, err)
	}
}

// 100 IDs of 128 characters would make a 14 kB URL: calls are split so each
// stays under coralogix.MaxURL.
func TestLongIDsAreSplitByURLLength(t *testing.T) {
	srv := vendortest.New(t, echo)
	var ids []string
	for i := range 100 {
		ids = append(ids, fmt.Sprintf("%03d%s", i, strings.Repeat("x", 125)))
	}
	res, err := newClient(t, srv.URL, 100).UnassignIncidents(context.Background(), ids)
	if err != nil || len(res.IDs(vendors.Done)) != 100 {
		t.Fatalf("result = %+v, %v", res, err)
	}
	reqs := srv.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d requests, want the batch split", len(reqs))
	}
	for _, r := range reqs {
		u := srv.URL + r.Path + "?" + url.Values(r.Query).Encode()
		if len(u) >= coralogix.MaxURL {
			t.Errorf("URL of %d bytes", len(u))
		}
	}
}
