package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// minMajor is the oldest Redis major version the store runs on: the
// replay check is SET NX GET, which Redis accepts from 7.0.
const minMajor = 7

// ErrTooOld means the server refuses SET NX GET, as Redis before 7.0
// does. On it every replay check would fail (and a command would be
// served unchecked), so the bot refuses to start on it and reports itself
// not ready.
var ErrTooOld = errors.New("redis: the server is too old")

// Ping reports whether Redis answers and, until it once has, whether it
// takes SET NX GET (ErrTooOld when not), for readiness checks and the
// start. The probe writes a key of its own that lives one second.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if s.versionOK.Load() {
		return nil
	}
	// Probe the one feature the store needs from 7.0 (SET NX GET) with
	// the rights the store already uses, rather than INFO, which an ACL
	// such as "+@all -@dangerous" or a proxy may refuse.
	err := s.c.SetArgs(ctx, s.tag+":probe", "1", redis.SetArgs{Mode: "NX", Get: true, TTL: time.Second}).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		if !strings.Contains(err.Error(), "syntax error") {
			return fmt.Errorf("redis: probing SET NX GET: %w", err)
		}
		// The version, for the message, where INFO is allowed.
		if info, ierr := s.c.Info(ctx, "server").Result(); ierr == nil {
			if verr := checkVersion(info); verr != nil {
				return verr
			}
		}
		return fmt.Errorf("%w: it refuses SET NX GET (%v), and incidentbot needs Redis %d.0 or later", ErrTooOld, err, minMajor)
	}
	s.versionOK.Store(true)
	return nil
}

// checkVersion reads redis_version from INFO server's text.
func checkVersion(info string) error {
	for line := range strings.Lines(info) {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:")
		if !ok {
			continue
		}
		major, _, _ := strings.Cut(v, ".")
		n, err := strconv.Atoi(major)
		if err != nil {
			return fmt.Errorf("redis: cannot read its version %q", v)
		}
		if n < minMajor {
			return fmt.Errorf("%w: it is Redis %s, and incidentbot needs Redis %d.0 or later (its replay check uses SET NX GET)", ErrTooOld, v, minMajor)
		}
		return nil
	}
	return errors.New("redis: INFO server does not give redis_version")
}
