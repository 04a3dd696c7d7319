package redisstore

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Open: short, so that with Redis down a click fails (closed)
// within about a second instead of hanging.
const (
	DefaultDialTimeout  = 500 * time.Millisecond
	DefaultReadTimeout  = 500 * time.Millisecond
	DefaultWriteTimeout = 500 * time.Millisecond
)

// Open makes a client for a Redis URL (see ParseURL). It does not connect:
// call Store.Ping to find out whether Redis answers.
func Open(rawURL string) (redis.UniversalClient, error) {
	o, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return redis.NewUniversalClient(o), nil
}

// ParseURL reads
//
//	redis://[user:password@]host:port/db
//	rediss://[user:password@]host:port/db   (TLS)
//
// The port defaults to 6379 and the database to 0. A lone userinfo
// without a colon ("redis://secret@host") is a password, as go-redis and
// most Redis tools read it. Characters such as @ : / % in the user or
// password must be %-escaped. Query parameters:
//
//	addr=host:port      another address (repeatable): with several, a Redis Cluster
//	master_name=name    Sentinel: the addresses are sentinels watching master name
//	dial_timeout=500ms, read_timeout=500ms, write_timeout=500ms, pool_size=N
//
// Errors never contain the user name or the password.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	const what = "the Redis URL"
	scheme, rest, ok := strings.Cut(rawURL, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "redis" && scheme != "rediss") {
		return nil, fmt.Errorf("%s must start with redis:// (or rediss:// for TLS)", what)
	}
	// Split the credentials off before any parsing whose errors might
	// quote them: everything up to the last @ is userinfo.
	var userinfo string
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo, rest = rest[:at], rest[at+1:]
	}
	shown := scheme + "://" + rest
	if userinfo != "" {
		shown = scheme + "://xxxxx@" + rest
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %q is not valid: %v", what, shown, err)
	}
	o := &redis.UniversalOptions{
		DialTimeout:  DefaultDialTimeout,
		ReadTimeout:  DefaultReadTimeout,
		WriteTimeout: DefaultWriteTimeout,
		// Fail fast when Redis is down: one dial, two retries of a
		// command (which also heals pooled connections after a restart).
		DialerRetries:      1,
		DialerRetryTimeout: 50 * time.Millisecond,
		MaxRetries:         2,
	}
	if userinfo != "" {
		user, pass, hasColon := strings.Cut(userinfo, ":")
		if o.Username, err = url.PathUnescape(user); err == nil {
			o.Password, err = url.PathUnescape(pass)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %q has a bad %%-escape in its user name or password (write @ : / %% as %%40 %%3A %%2F %%25)", what, shown)
		}
		if !hasColon {
			o.Username, o.Password = "", o.Username
		}
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s %q has no host", what, shown)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "6379"
	}
	if host == "" {
		return nil, fmt.Errorf("%s %q has no host", what, shown)
	}
	o.Addrs = []string{net.JoinHostPort(host, port)}
	if p := strings.Trim(u.Path, "/"); p != "" {
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return nil, fmt.Errorf("%s %q: the path must be a database number, such as /0", what, shown)
		}
		o.DB = db
	}
	q := u.Query()
	for name, values := range q {
		v := values[len(values)-1]
		switch name {
		case "addr":
			for _, a := range values {
				if _, _, err := net.SplitHostPort(a); err != nil {
					return nil, fmt.Errorf("%s %q: addr=%q must be host:port", what, shown, a)
				}
				o.Addrs = append(o.Addrs, a)
			}
		case "master_name":
			o.MasterName = v
		case "dial_timeout", "read_timeout", "write_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s %q: %s=%q must be a duration such as 500ms", what, shown, name, v)
			}
			switch name {
			case "dial_timeout":
				o.DialTimeout = d
			case "read_timeout":
				o.ReadTimeout = d
			default:
				o.WriteTimeout = d
			}
		case "pool_size":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%s %q: pool_size=%q must be a positive number", what, shown, v)
			}
			o.PoolSize = n
		default:
			return nil, fmt.Errorf("%s %q: unknown parameter %q (known: addr, master_name, dial_timeout, read_timeout, write_timeout, pool_size)", what, shown, name)
		}
	}
	if len(o.Addrs) > 1 && o.MasterName == "" && o.DB != 0 {
		return nil, fmt.Errorf("%s %q: a Redis Cluster has only database 0", what, shown)
	}
	if scheme == "rediss" {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	}
	return o, nil
}
