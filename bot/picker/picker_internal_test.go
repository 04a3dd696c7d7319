package picker

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// Whatever the vendor lists (300 objects, titles of 320 characters, UUIDs),
// each platform gets at most its count of choices, names and values within
// its lengths, and a list's earlier IDs are kept or the choice is left out.
func TestChoicesStayWithinEveryPlatformsLimits(t *testing.T) {
	items := make([]Item, 300)
	for i := range items {
		items[i] = Item{ID: fmt.Sprintf("%08d-1111-2222-3333-444444444444", i), Title: strings.Repeat("Very long title ", 20), Severity: "Critical"}
	}
	for name, lim := range map[string]Limits{"discord": Discord, "slack": Slack, "terminal": Terminal} {
		for _, earlier := range [][]string{nil, {items[0].ID}, {items[1].ID, items[2].ID}} {
			got := pick(items, earlier, "", lim)
			fits := utf8.RuneCountInString(strings.Join(append(earlier, items[9].ID), " ")) <= lim.Value
			if (len(got) == 0) == fits || len(got) > lim.Count {
				t.Errorf("%s, %d earlier: %d choices", name, len(earlier), len(got))
			}
			for _, c := range got {
				if n := utf8.RuneCountInString(c.Name); n < 1 || n > lim.Name {
					t.Errorf("%s: name of %d characters: %q", name, n, c.Name)
				}
				if n := utf8.RuneCountInString(c.Value); n < 1 || n > lim.Value {
					t.Errorf("%s: value of %d characters", name, n)
				}
				if !strings.HasPrefix(c.Value, strings.Join(earlier, " ")) {
					t.Errorf("%s: the earlier IDs were dropped: %q", name, c.Value)
				}
			}
		}
	}
	// Two UUIDs and a third do not fit Discord's 100: nothing is offered
	// rather than a value that drops the first two (the typed text stands).
	if got := pick(items, []string{items[0].ID, items[1].ID}, "", Discord); len(got) != 0 {
		t.Errorf("a value past 100 characters was offered: %v", got[0].Value)
	}
}

func TestLabelShowsTitleSeverityAndShortID(t *testing.T) {
	it := Item{ID: "909494e3-558e-46b6-a9eb-07a8e18ca62f", Title: "DB   down\nin eu-west", Severity: "High"}
	if got := Label(it, 0, 100); got != "DB down in eu-west · High · 909494e3-558…" {
		t.Errorf("label %q", got)
	}
	if got := Label(Item{ID: "inc-1", Title: strings.Repeat("x", 200), Severity: "Low"}, 2, 75); utf8.RuneCountInString(got) != 75 || !strings.HasPrefix(got, "+2 ") || !strings.HasSuffix(got, "… · Low · inc-1") {
		t.Errorf("cut label %q", got)
	}
}

func TestSplitLastKeepsTheEarlierIDs(t *testing.T) {
	for typed, want := range map[string]string{
		"":                       "|",
		"db":                     "|db",
		"inc-1, inc-2 db":        "inc-1,inc-2|db",
		"inc-1 inc-2 ":           "inc-1,inc-2|",
		"`inc-1`,inc-1,  `inc-2": "inc-1|inc-2",
	} {
		earlier, last := splitLast(typed)
		if got := strings.Join(earlier, ",") + "|" + last; got != want {
			t.Errorf("splitLast(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestScanFindsTheIDsAMessageNames(t *testing.T) {
	f := Scan(
		"SecMaster alert-2001 on <https://console.example.com/soc/incidents/inc-1001|inc-1001>, ticket IM202611220001.",
		"Alert ID: 6e1f0c7a-1b2c-4d3e-8f90-a1b2c3d4e5f6",
		"Coralogix incident cx-3002; see also 909494e3-558e-46b6-a9eb-07a8e18ca62f",
		"host db-1 runs v1.2.3 since 2026-11-22 08:00",
	)
	got := fmt.Sprintf("%v|%v|%v|%v", f.Incidents, f.Alerts, f.Coralogix, f.Tickets)
	want := "[inc-1001 909494e3-558e-46b6-a9eb-07a8e18ca62f]|[alert-2001 6e1f0c7a-1b2c-4d3e-8f90-a1b2c3d4e5f6]|[cx-3002]|[IM202611220001]"
	if got != want {
		t.Errorf("found %s\nwant  %s", got, want)
	}
	if !Scan("lunch at 12? <!channel> [click](https://evil.example/x)").Empty() {
		t.Error("IDs found in a message that names none")
	}
	many := strings.Repeat("inc-1 inc-2 inc-3 ", 1000)
	for i := 0; i < 100; i++ {
		many += fmt.Sprintf(" inc-%d", 100+i)
	}
	if n := len(Scan(many).Incidents); n != maxPerKind {
		t.Errorf("%d incidents kept, want at most %d", n, maxPerKind)
	}
}

func TestStringsReadsTheTextOfBlocksAndEmbeds(t *testing.T) {
	raw := []byte(`[{"type":"section","block_id":"inc-9","text":{"type":"mrkdwn","text":"Incident inc-1001"}},{"fields":[{"title":"Alert","value":"alert-2001"}]}]`)
	got := strings.Join(Strings(raw), "|")
	if got != "Incident inc-1001|Alert|alert-2001" {
		t.Errorf("strings: %q", got)
	}
}
