package pending

import (
	"encoding/binary"
	"slices"
	"sync"

	"github.com/incidentbot/incidentbot/bot/pending/internal/packed"
)

// pack writes what a Record holds in strings into one string (package
// packed's encoding), the one allocation the memory store makes for them:
// the requester's platform, user ID and name, the channel, the message,
// the words, the approvers and the requester's roles. unpack reverses it
// exactly.
func pack(r *Record) string {
	n := 5*binary.MaxVarintLen64 + len(r.Requester.Platform) + len(r.Requester.UserID) + len(r.Requester.Name) + len(r.Channel) + len(r.Message) +
		packed.MaxSize(r.Words) + packed.MaxSize(r.Approvers) + packed.MaxSize(r.Roles)
	// A scratch buffer from a pool: the one allocation is the string.
	bp := packBuffers.Get().(*[]byte)
	b := slices.Grow((*bp)[:0], n)
	defer func() {
		if cap(b) <= 64<<10 {
			*bp = b
			packBuffers.Put(bp)
		}
	}()
	for _, s := range [...]string{r.Requester.Platform, r.Requester.UserID, r.Requester.Name, r.Channel, r.Message} {
		b = packed.AppendString(b, s)
	}
	b = packed.AppendWords(b, r.Words)
	b = packed.AppendStrings(b, r.Approvers)
	b = packed.AppendStrings(b, r.Roles)
	return string(b) // the one copy, of exactly its size
}

var packBuffers = sync.Pool{New: func() any { return new([]byte) }}

// unpack reads what pack wrote into a Record. Its strings share p's
// memory, except UUIDs, which are written out again, all in one
// allocation. p is the store's own, so it cannot be corrupt.
func unpack(p string) Record {
	var r Record
	d := packed.NewReader(p)
	r.Requester.Platform, r.Requester.UserID, r.Requester.Name = d.String(), d.String(), d.String()
	r.Channel, r.Message = d.String(), d.String()
	r.Words = d.Words()
	r.Approvers, r.Roles = d.Strings(), d.Strings()
	return r
}
