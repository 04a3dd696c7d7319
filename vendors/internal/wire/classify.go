package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/incidentbot/incidentbot/vendors"
)

// Judge turns an answer into nil (a complete 2xx whose body is JSON: the
// caller reads it), a *vendors.Error (the vendor refused: 4xx) or a
// *vendors.UnreachableError (no trustworthy answer: no response, a cut
// body, a 5xx, a 2xx that is not JSON). callErr says why the call's
// context ended, if it did; timeout is the per-call limit, for messages.
func Judge(vendor string, a *Answer, callErr error, timeout time.Duration) error {
	if a == nil {
		return &vendors.NotSentError{Vendor: vendor, Reason: "no request was sent", Err: callErr}
	}
	unknown := func(reason string, err error) *vendors.UnreachableError {
		return &vendors.UnreachableError{Vendor: vendor, Timeout: timeout, RequestID: a.RequestID(), Status: a.Status,
			Reason: reason, Detail: string(a.Body), Err: err}
	}
	if a.Err != nil {
		if notSent(a.Err) {
			return &vendors.NotSentError{Vendor: vendor, Reason: describe(a.Err, callErr, timeout, "the connection could not be made"), Err: a.Err}
		}
		return unknown(describe(a.Err, callErr, timeout, "before an answer came"), a.Err)
	}
	if a.ReadErr != nil || !a.Complete {
		err := a.ReadErr
		if err == nil {
			err = errors.New("the body was not read to its end")
		}
		return unknown(fmt.Sprintf("HTTP %d, but %s", a.Status, describe(err, callErr, timeout, fmt.Sprintf("the answer broke off after %d bytes", len(a.Body)))), err)
	}
	code, msg, isJSON := CodeMessage(a.Body)
	switch {
	case a.Status >= 500:
		reason := fmt.Sprintf("HTTP %d", a.Status)
		if said := join(code, msg); isJSON && said != "" {
			reason += ": " + vendors.Cap(said, vendors.MaxMessage)
		} else if s := Summary(a.Body); strings.HasPrefix(s, "an HTML page") {
			reason += " with " + s
		} else if s != "" {
			reason += ": " + s
		}
		u := unknown(reason, nil)
		u.Code = code
		return u
	case a.Status >= 200 && a.Status < 300:
		if isJSON {
			return nil
		}
		what := Summary(a.Body)
		switch {
		case what == "":
			what = "an empty body"
		case strings.HasPrefix(what, "an HTML page"):
			what += " instead of JSON"
		case !strings.HasPrefix(what, "broken JSON"):
			what = "a body that is not JSON: " + what
		}
		return unknown(fmt.Sprintf("HTTP %d with %s", a.Status, what), nil)
	}
	e := &vendors.Error{Vendor: vendor, Status: a.Status, Code: code, Message: vendors.Cap(msg, vendors.MaxMessage),
		RequestID: a.RequestID(), Detail: string(a.Body)}
	if !isJSON {
		e.Message = Summary(a.Body)
	}
	return e
}

// notSent reports whether err proves the request never left: the
// connection was refused or never made (a dial error, an unknown host).
// A reset or a timeout after connecting proves nothing of the kind.
func notSent(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dns):
		return true
	case errors.As(err, &op):
		return op.Op == "dial"
	}
	return false
}

func join(code, msg string) string {
	switch {
	case code != "" && msg != "":
		return code + ": " + msg
	default:
		return code + msg
	}
}

// describe says in a few words why no (complete) answer came.
func describe(err, callErr error, timeout time.Duration, otherwise string) string {
	var ne net.Error
	switch {
	case callErr != nil && errors.Is(callErr, context.Canceled):
		return "the call was cancelled before a complete answer came"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(callErr, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		if timeout > 0 {
			return fmt.Sprintf("no complete answer within the deadline, at most %s", timeout)
		}
		return "no complete answer within the deadline"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset " + strings.TrimPrefix(otherwise, "the answer ")
	default:
		return otherwise + ": " + vendors.Cap(err.Error(), 120)
	}
}

// CodeMessage reads a JSON error body the way the vendors write them:
// {"error_code", "error_msg"} (Huawei Cloud gateway, COC), {"code",
// "message"} (SecMaster, Coralogix's gRPC status) or {"error"}. A null or
// missing message keeps the code; numbers are written as sent.
func CodeMessage(body []byte) (code, msg string, isJSON bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || !json.Valid(body) {
		return "", "", false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", "", true // valid JSON, not an object
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if s := scalar(m[k]); s != "" {
				return s
			}
		}
		return ""
	}
	return first("error_code", "code"), first("error_msg", "message", "error"), true
}

func scalar(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// Summary describes a body that is not the JSON expected, in a form fit
// for a chat message: an HTML page by its title and size, text capped.
func Summary(body []byte) string {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return ""
	}
	if t[0] == '<' {
		s := "an HTML page (" + strconv.Itoa(len(body)) + " bytes)"
		if m := titleRE.FindSubmatch(t); m != nil {
			if title := strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " "); title != "" {
				s = fmt.Sprintf("an HTML page titled %q (%d bytes)", vendors.Cap(title, 80), len(body))
			}
		}
		return s
	}
	if json.Valid(t) {
		return vendors.Cap(string(t), vendors.MaxMessage)
	}
	if t[0] == '{' || t[0] == '[' {
		return "broken JSON (" + strconv.Itoa(len(body)) + " bytes)"
	}
	return vendors.Cap(strings.Join(strings.Fields(string(t)), " "), vendors.MaxMessage)
}
