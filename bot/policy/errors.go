package policy

import "fmt"

// Error is one problem in a policy file. Load and Parse return several of
// them joined with errors.Join; each prints as "file:line: message".
type Error struct {
	File string // the name given to Parse, or the path given to Load
	Line int    // 1-based; 0 when the problem has no line
	Msg  string // what is wrong, in words an operator can act on
}

// Error formats the problem as "file:line: message".
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
