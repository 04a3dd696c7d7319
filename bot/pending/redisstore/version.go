package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// minMajor is the oldest Redis major version the store runs on: the
// replay check is SET NX GET, which Redis accepts from 7.0.
const minMajor = 7

// ErrTooOld means the server is older than Redis 7.0. On it every replay
// check would fail (and a command would be served unchecked), so the bot
// refuses to start on it and reports itself not ready.
var ErrTooOld = errors.New("redis: the server is too old")

// Ping reports whether Redis answers and, the first time it does, whether
// it is Redis 7.0 or later (ErrTooOld), for readiness checks and the
// start.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if s.versionOK.Load() {
		return nil
	}
	info, err := s.c.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("redis: reading its version: %w", err)
	}
	if err := checkVersion(info); err != nil {
		return err
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
