package secmaster

import (
	"encoding/json"

	"github.com/incidentbot/incidentbot/vendors"
	"github.com/incidentbot/incidentbot/vendors/huaweicloud"
)

// successCode is the code SecMaster sends when a request succeeded.
const successCode = "00000000"

// batchAnswer is the body of a SecMaster batch answer (delete incidents,
// cancel an association); both pages document the same shape.
type batchAnswer struct {
	Code    *string  `json:"code"`
	Message *string  `json:"message"`
	Data    *idLists `json:"data"`
}

// idLists is SecMaster's BatchOperateDataobjectResult.
type idLists struct {
	SuccessIDs []string `json:"success_ids"`
	ErrorIDs   []string `json:"error_ids"`
}

// perID turns SecMaster's success_ids / error_ids into a per-ID result.
//
//   - An answer with no per-ID lists and a failure code is SecMaster
//     refusing the whole call (e.g. 200 {"code":"SecMaster.20010001",
//     "message":"workspace not found"}): a *vendors.Error with both.
//   - An answer with no per-ID lists and no failure code says nothing about
//     the IDs: unknown.
//   - An ID SecMaster puts in neither list is unknown: it gave no answer
//     about it, and it may have acted. Only what the vendor confirmed is
//     claimed either way.
func perID(requested []string, res huaweicloud.Result) (vendors.BatchResult, error) {
	var a batchAnswer
	if err := json.Unmarshal(res.Body, &a); err != nil {
		return vendors.BatchResult{}, &vendors.UnreachableError{Vendor: Vendor, RequestID: res.RequestID(), Status: 200,
			Reason: "a 2xx answer SecMaster's documented shape does not fit: " + vendors.Cap(err.Error(), 120), Detail: string(res.Body), Err: err}
	}
	code, message := deref(a.Code), deref(a.Message)
	if code == successCode {
		code = ""
	}
	if a.Data == nil || len(a.Data.SuccessIDs)+len(a.Data.ErrorIDs) == 0 {
		if code != "" {
			return vendors.BatchResult{}, &vendors.Error{Vendor: Vendor, Status: 200, Code: code, Message: vendors.Cap(message, vendors.MaxMessage),
				RequestID: res.RequestID(), Detail: string(res.Body)}
		}
	}
	ok := set(a.Data, true)
	bad := set(a.Data, false)
	reason := "listed in error_ids by SecMaster"
	if message != "" {
		reason += ": " + vendors.Cap(join(code, message), vendors.MaxMessage)
	}
	r := vendors.BatchResult{RequestIDs: res.RequestIDs}
	for _, id := range requested {
		switch {
		case bad[id]:
			r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Refused, Code: code, Message: reason})
		case ok[id]:
			r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Done})
		default:
			r.Items = append(r.Items, vendors.Item{ID: id, Outcome: vendors.Unknown,
				Message: "not confirmed: SecMaster listed it in neither success_ids nor error_ids; it may have acted"})
		}
	}
	return r, nil
}

func set(data *idLists, success bool) map[string]bool {
	m := map[string]bool{}
	if data == nil {
		return m
	}
	ids := data.ErrorIDs
	if success {
		ids = data.SuccessIDs
	}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func join(code, msg string) string {
	if code != "" && msg != "" {
		return code + ": " + msg
	}
	return code + msg
}
