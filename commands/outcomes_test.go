package commands_test

import (
	"reflect"
	"testing"

	"github.com/incidentbot/incidentbot/commands"
)

// A retry of the rest is the same command over fewer IDs: the words a
// batch writes for a subset parse back to the same operation on exactly
// that subset (unlink keeps its incident and data classes).
func TestWordsForASubsetParseBackToTheSameOperation(t *testing.T) {
	reg := registry(&recorder{})
	caller := commands.Caller{Platform: "slack", UserID: "U1"}
	for _, line := range []string{
		"delete inc-1 inc-2 inc-3",
		"unassign cx-1 cx-2 cx-3",
		"unlink alert-7 inc-1 inc-2 inc-3 --from alerts --to incidents",
	} {
		a, err := reg.Parse(line, caller)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		batch, ok := a.(commands.Batch)
		if !ok {
			t.Fatalf("%s is not a Batch", line)
		}
		subset := a.Summary().IDs[1:]
		again, err := reg.ParseWords(batch.WordsFor(subset), caller)
		if err != nil {
			t.Fatalf("%s: the retry's words %q do not parse: %v", line, batch.WordsFor(subset), err)
		}
		want, got := a.Summary(), again.Summary()
		if !reflect.DeepEqual(got.IDs, subset) || got.Operation != want.Operation || got.Target != want.Target || got.API != want.API || got.Verb != want.Verb {
			t.Errorf("%s: the retry is %+v, want %+v over %v", line, got, want, subset)
		}
	}
}
