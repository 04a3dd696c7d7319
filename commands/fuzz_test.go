package commands_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/incidentbot/incidentbot/commands"
)

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// FuzzParse checks what must hold for any input: no panic, no vendor call,
// errors are always user errors, and a destructive action names between 1
// and MaxIDs distinct IDs that are safe to put in a URL.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"/incident delete a b", "delete a,b,,c", "unlink inc-1 al-1 --from alerts --to incidents",
		"unassign cx-1", `create --title "DB down" --description d --level p1 --type security --app a --interrupted yes --assignee u`,
		"verify IM1 --pass --comment 'ok'", "help delete", `delete "a b"`, "delete ../x", "delete a\\ b", "“", "--", "delete -- --x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rec := &recorder{}
		a, err := registry(rec).Parse(line, alice)
		if rec.calls != 0 {
			t.Fatalf("parsing %q called a vendor", line)
		}
		if err != nil {
			var ue *commands.UsageError
			var nc *commands.NotConfiguredError
			if !errors.As(err, &ue) && !errors.As(err, &nc) {
				t.Fatalf("parsing %q gave a non-user error %T: %v", line, err, err)
			}
			if err.Error() == "" {
				t.Fatalf("parsing %q gave an empty message", line)
			}
			return
		}
		if !a.Destructive() {
			return
		}
		ids := a.Summary().IDs
		if len(ids) == 0 || len(ids) > commands.MaxIDs {
			t.Fatalf("parsing %q gave %d IDs", line, len(ids))
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if !safeID.MatchString(id) || seen[id] {
				t.Fatalf("parsing %q gave a bad or repeated ID %q", line, id)
			}
			seen[id] = true
		}
	})
}
