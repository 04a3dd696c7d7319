package policy

import (
	"context"
	"errors"
	"sync"
	"time"
)

// GroupResolver lists the members of a Slack user group.
type GroupResolver interface {
	// Members returns the user IDs (U…) in the group with the given ID (S…).
	Members(ctx context.Context, groupID string) ([]string, error)
}

var errNoResolver = errors.New("the bot has no Slack user-group resolver configured")

// GroupTTL is how long NewGroupCache keeps a group's members by default.
const GroupTTL = time.Minute

// GroupCache is a GroupResolver that keeps each group's members for a TTL
// and asks its underlying resolver once for concurrent look-ups of the
// same group. Failures are not kept: the next request asks again.
type GroupCache struct {
	next GroupResolver
	ttl  time.Duration
	now  func() time.Time

	mu       sync.Mutex
	entries  map[string]cached
	inflight map[string]*call
}

type cached struct {
	members []string
	at      time.Time
}

// call is one look-up in progress; done is closed when it ends.
type call struct {
	done    chan struct{}
	members []string
	err     error
}

// NewGroupCache wraps next. A ttl of 0 means GroupTTL; a nil now means
// time.Now (tests pass a fake clock).
func NewGroupCache(next GroupResolver, ttl time.Duration, now func() time.Time) *GroupCache {
	if ttl <= 0 {
		ttl = GroupTTL
	}
	if now == nil {
		now = time.Now
	}
	return &GroupCache{next: next, ttl: ttl, now: now, entries: map[string]cached{}, inflight: map[string]*call{}}
}

// Members returns the group's members from the cache when fresh, else from
// the underlying resolver. A waiter whose ctx ends stops waiting; the
// look-up itself runs with the context of the caller that started it.
func (c *GroupCache) Members(ctx context.Context, groupID string) ([]string, error) {
	c.mu.Lock()
	if e, ok := c.entries[groupID]; ok && c.now().Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.members, nil
	}
	if cl, ok := c.inflight[groupID]; ok {
		c.mu.Unlock()
		select {
		case <-cl.done:
			return cl.members, cl.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	cl := &call{done: make(chan struct{})}
	c.inflight[groupID] = cl
	c.mu.Unlock()

	cl.members, cl.err = c.next.Members(ctx, groupID)

	c.mu.Lock()
	delete(c.inflight, groupID)
	if cl.err == nil {
		c.entries[groupID] = cached{members: cl.members, at: c.now()}
	}
	c.mu.Unlock()
	close(cl.done)
	return cl.members, cl.err
}
