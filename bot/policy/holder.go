package policy

import "sync/atomic"

// Holder keeps the policy in force and swaps it atomically on reload
// (SIGHUP). Its zero value holds no policy; use NewHolder.
type Holder struct {
	cur    atomic.Pointer[Policy]
	verbs  []string
	groups GroupResolver
}

// NewHolder makes a Holder that checks files against knownVerbs and gives
// each loaded policy the groups resolver (keep one *GroupCache here so its
// answers survive reloads). It holds no policy until Reload succeeds.
func NewHolder(knownVerbs []string, groups GroupResolver) *Holder {
	return &Holder{verbs: knownVerbs, groups: groups}
}

// Policy returns the policy in force; nil means none (everything allowed).
func (h *Holder) Policy() *Policy { return h.cur.Load() }

// Reload loads the file at path and, if it is good, puts it in force. On
// any error the policy in force is kept and the error says why.
func (h *Holder) Reload(path string) error {
	p, err := Load(path, h.verbs)
	if err != nil {
		return err
	}
	h.cur.Store(p.WithGroups(h.groups))
	return nil
}
