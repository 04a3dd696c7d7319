package console_test

import (
	"strings"
	"testing"
)

func TestALineOverOneMiBIsRefusedAndTheSessionGoesOn(t *testing.T) {
	long := "delete " + strings.Repeat("inc-1 ", (1<<20)/6+10)
	for name, input := range map[string]string{
		"alone":             "help\n" + long + "\ndelete inc-1001\nconfirm\n",
		"continuing a line": "delete inc-1001,\n" + long + "\ndelete inc-1002\nconfirm\n",
		"without a newline": "delete inc-1001\nconfirm\n" + long,
	} {
		t.Run(name, func(t *testing.T) {
			out := runConsole(t, input)
			if !strings.Contains(out, "Nothing was run: that line is") || !strings.Contains(out, "over the 1 MiB a line may have") {
				t.Fatalf("no refusal of the long line:\n%.2000s", out)
			}
			if !strings.Contains(out, "SecMaster: deleted 1 of 1") {
				t.Fatalf("the session did not go on after the long line:\n%.2000s", out)
			}
			if strings.Contains(out, "deleted 2 of") || strings.Contains(out, "inc-1 inc-1") {
				t.Fatalf("part of the long line was run or echoed:\n%.2000s", out)
			}
		})
	}
}
