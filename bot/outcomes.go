package bot

import (
	"context"
	"errors"
	"log/slog"

	"github.com/incidentbot/incidentbot/commands"
	"github.com/incidentbot/incidentbot/vendors"
)

// Every ID's outcome on record: the audit line of a result names each ID
// under its outcome, so "which 73 of 200 were refused" is one query away.

// outcomeAttrs are the audit attributes of a batch result: each ID under
// its outcome, as JSON arrays (refused IDs as "id:code"). All four are
// always there, empty or not, so a reader can rely on them.
func outcomeAttrs(res vendors.BatchResult) []slog.Attr {
	done, refused, unknown, skipped := []string{}, []string{}, []string{}, []string{}
	for _, it := range res.Items {
		switch it.Outcome {
		case vendors.Done:
			done = append(done, it.ID)
		case vendors.Refused:
			if it.Code != "" {
				refused = append(refused, it.ID+":"+it.Code)
			} else {
				refused = append(refused, it.ID)
			}
		case vendors.Unknown:
			unknown = append(unknown, it.ID)
		default:
			skipped = append(skipped, it.ID)
		}
	}
	return []slog.Attr{slog.Any("done_ids", done), slog.Any("refused_ids", refused),
		slog.Any("unknown_ids", unknown), slog.Any("not_attempted_ids", skipped)}
}

// failedBatch is what a vendor error that answered a whole action means
// for each of its IDs: refused with the vendor's code, unknown, or not
// attempted (nothing was sent).
func failedBatch(s commands.Summary, err error) (vendors.BatchResult, bool) {
	if len(s.IDs) == 0 {
		return vendors.BatchResult{}, false
	}
	var res vendors.BatchResult
	var refused *vendors.Error
	var unknown *vendors.UnreachableError
	var notSent *vendors.NotSentError
	switch {
	case errors.As(err, &refused):
		res.MarkAll(s.IDs, vendors.Refused, refused.Code, refused.Error())
	case errors.As(err, &unknown):
		res.MarkAll(s.IDs, vendors.Unknown, "", err.Error())
	case errors.As(err, &notSent):
		res.MarkAll(s.IDs, vendors.NotAttempted, "", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded): // before the first call
		res.MarkAll(s.IDs, vendors.NotAttempted, "", "not attempted: the action was stopped before its first call")
	default:
		return res, false
	}
	return res, true
}

// batchVerdict is a batch result's verdict: unknown if the vendor may
// have acted on any ID without saying so, else done if it did anything,
// else refused or not sent.
func batchVerdict(res vendors.BatchResult) Verdict {
	switch {
	case res.Count(vendors.Unknown) > 0:
		return Unknown
	case res.Count(vendors.Done) > 0 || len(res.Items) == 0:
		return Done
	case res.Count(vendors.Refused) > 0:
		return Refused
	}
	return NotSent
}
