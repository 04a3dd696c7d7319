// Package vendors holds what the vendor clients share: the error a vendor
// answered with, the result of a batch operation, and the splitting of large
// batches into calls of a bounded size.
package vendors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error is a vendor's own refusal: an HTTP error status or a success status
// whose body says the operation failed. It carries the vendor's code and
// message so the responder sees exactly what the vendor said.
type Error struct {
	Vendor    string // "SecMaster", "COC", "Coralogix"
	Status    int    // HTTP status, 0 when unknown
	Code      string // the vendor's error code, as sent
	Message   string // the vendor's error message, as sent
	RequestID string // the vendor's request ID, for a support ticket
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Vendor)
	b.WriteString(" refused the request")
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// UnreachableError means no answer came from the vendor: a timeout, a refused
// connection, a TLS failure. Whether the operation took effect is unknown.
type UnreachableError struct {
	Vendor  string
	Timeout time.Duration // the per-call limit, for the message
	Err     error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s did not answer within %s: %v", e.Vendor, e.Timeout, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Failure is one ID a batch operation did not apply to, and why.
type Failure struct {
	ID     string
	Reason string
}

// BatchResult is the per-ID outcome of a batch operation.
type BatchResult struct {
	Succeeded []string
	Failed    []Failure
}

// Merge appends other to r.
func (r *BatchResult) Merge(other BatchResult) {
	r.Succeeded = append(r.Succeeded, other.Succeeded...)
	r.Failed = append(r.Failed, other.Failed...)
}

// FailAll records every id as failed for the same reason.
func (r *BatchResult) FailAll(ids []string, reason string) {
	for _, id := range ids {
		r.Failed = append(r.Failed, Failure{ID: id, Reason: reason})
	}
}

// InBatches calls op on consecutive chunks of at most size IDs and merges the
// results. If the first call fails, nothing is known to have happened and its
// error is returned as is. If a later call fails, the IDs of that chunk are
// failed with the error's text, the remaining chunks are not attempted (a
// vendor that refused once is not hammered), and the partial result is
// returned with a nil error so the responder sees what did happen.
func InBatches(ctx context.Context, ids []string, size int, op func(ctx context.Context, chunk []string) (BatchResult, error)) (BatchResult, error) {
	if size <= 0 {
		size = len(ids)
	}
	var result BatchResult
	for start := 0; start < len(ids); start += size {
		end := min(start+size, len(ids))
		chunk := ids[start:end]
		if err := ctx.Err(); err != nil {
			if start == 0 {
				return BatchResult{}, err
			}
			result.FailAll(ids[start:], "not attempted: "+err.Error())
			return result, nil
		}
		part, err := op(ctx, chunk)
		if err != nil {
			if start == 0 {
				return BatchResult{}, err
			}
			result.FailAll(chunk, err.Error())
			result.FailAll(ids[end:], "not attempted: an earlier batch failed")
			return result, nil
		}
		result.Merge(part)
	}
	return result, nil
}

// IsUserVisible reports whether err is a vendor's answer or a failure to reach
// the vendor, both of which a responder should read in full. Anything else is
// an internal error.
func IsUserVisible(err error) bool {
	var ve *Error
	var ue *UnreachableError
	return errors.As(err, &ve) || errors.As(err, &ue)
}
