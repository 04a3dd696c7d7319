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

// DefaultWaitTimeout bounds how long a settle waits for replicas to
// acknowledge it (wait_timeout=).
const DefaultWaitTimeout = 250 * time.Millisecond

// Open makes a client for a Redis URL (see ParseURL). It does not connect:
// call Store.Ping to find out whether Redis answers.
func Open(rawURL string) (redis.UniversalClient, error) {
	o, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return redis.NewUniversalClient(o), nil
}

// OpenStore makes a client for a Redis URL and a Store with the URL's
// wait_replicas and wait_timeout; keys start with prefix. The client is
// the caller's to close.
func OpenStore(rawURL, prefix string) (*Store, redis.UniversalClient, error) {
	o, err := ParseOptions(rawURL)
	if err != nil {
		return nil, nil, err
	}
	c := redis.NewUniversalClient(o.Client)
	return New(c, prefix).WaitForReplicas(o.WaitReplicas, o.WaitTimeout), c, nil
}

// Options is what a Redis URL says: how to reach Redis, and how many
// replicas must acknowledge a settle before the bot acts on it.
type Options struct {
	Client       *redis.UniversalOptions
	WaitReplicas int
	WaitTimeout  time.Duration
}

// ParseURL is ParseOptions' client options.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	o, err := ParseOptions(rawURL)
	return o.Client, err
}

// ParseOptions reads
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
//	wait_replicas=N     replicas that must acknowledge a Confirm, Cancel or
//	                    Approve before the bot acts on it (WAIT); default 1
//	                    with master_name (Sentinel), else 0
//	wait_timeout=250ms  how long to wait for them; shorter than read_timeout
//
// Errors never contain the user name or the password.
func ParseOptions(rawURL string) (Options, error) {
	o, waitReplicas, waitTimeout, err := parse(rawURL)
	if err != nil {
		return Options{}, err
	}
	if waitReplicas < 0 {
		waitReplicas = 0
		if o.MasterName != "" {
			waitReplicas = 1
		}
	}
	return Options{Client: o, WaitReplicas: waitReplicas, WaitTimeout: waitTimeout}, nil
}

func parse(rawURL string) (o *redis.UniversalOptions, waitReplicas int, waitTimeout time.Duration, err error) {
	o, waitReplicas, waitTimeout, err = parseClient(rawURL)
	if err == nil && waitTimeout >= o.ReadTimeout {
		err = fmt.Errorf("the Redis URL: wait_timeout (%s) must be shorter than read_timeout (%s)", waitTimeout, o.ReadTimeout)
	}
	return o, waitReplicas, waitTimeout, err
}

func parseClient(rawURL string) (*redis.UniversalOptions, int, time.Duration, error) {
	waitReplicas, waitTimeout := -1, DefaultWaitTimeout
	const what = "the Redis URL"
	scheme, rest, ok := strings.Cut(rawURL, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "redis" && scheme != "rediss") {
		return nil, 0, 0, fmt.Errorf("%s must start with redis:// (or rediss:// for TLS)", what)
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
		return nil, 0, 0, fmt.Errorf("%s %q is not valid: %v", what, shown, err)
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
		// RESP2: the store uses nothing RESP3 adds (push messages,
		// client-side caching), and on a RESP3 connection go-redis looks
		// for pending push messages before reading every reply, 2.5% of
		// the bot's CPU on a `delete` of 50 IDs.
		Protocol: 2,
		// A call's context bounds its reads and writes too, not only its
		// retries: a request's pre-ack budget then holds with Redis frozen
		// mid-read (the client's own timeout alone let the answer come
		// up to a read timeout after the budget).
		ContextTimeoutEnabled: true,
	}
	if userinfo != "" {
		user, pass, hasColon := strings.Cut(userinfo, ":")
		if o.Username, err = url.PathUnescape(user); err == nil {
			o.Password, err = url.PathUnescape(pass)
		}
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%s %q has a bad %%-escape in its user name or password (write @ : / %% as %%40 %%3A %%2F %%25)", what, shown)
		}
		if !hasColon {
			o.Username, o.Password = "", o.Username
		}
	}
	if u.Host == "" {
		return nil, 0, 0, fmt.Errorf("%s %q has no host", what, shown)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "6379"
	}
	if host == "" {
		return nil, 0, 0, fmt.Errorf("%s %q has no host", what, shown)
	}
	o.Addrs = []string{net.JoinHostPort(host, port)}
	if p := strings.Trim(u.Path, "/"); p != "" {
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return nil, 0, 0, fmt.Errorf("%s %q: the path must be a database number, such as /0", what, shown)
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
					return nil, 0, 0, fmt.Errorf("%s %q: addr=%q must be host:port", what, shown, a)
				}
				o.Addrs = append(o.Addrs, a)
			}
		case "master_name":
			o.MasterName = v
		case "dial_timeout", "read_timeout", "write_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, 0, 0, fmt.Errorf("%s %q: %s=%q must be a duration such as 500ms", what, shown, name, v)
			}
			switch name {
			case "dial_timeout":
				o.DialTimeout = d
			case "read_timeout":
				o.ReadTimeout = d
			default:
				o.WriteTimeout = d
			}
		case "wait_replicas":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, 0, 0, fmt.Errorf("%s %q: wait_replicas=%q must be a number of replicas, 0 or more", what, shown, v)
			}
			waitReplicas = n
		case "wait_timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, 0, 0, fmt.Errorf("%s %q: wait_timeout=%q must be a duration such as 250ms", what, shown, v)
			}
			waitTimeout = d
		case "pool_size":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return nil, 0, 0, fmt.Errorf("%s %q: pool_size=%q must be a positive number", what, shown, v)
			}
			o.PoolSize = n
		default:
			return nil, 0, 0, fmt.Errorf("%s %q: unknown parameter %q (known: addr, master_name, dial_timeout, read_timeout, write_timeout, pool_size, wait_replicas, wait_timeout)", what, shown, name)
		}
	}
	if len(o.Addrs) > 1 && o.MasterName == "" && o.DB != 0 {
		return nil, 0, 0, fmt.Errorf("%s %q: a Redis Cluster has only database 0", what, shown)
	}
	if scheme == "rediss" {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	}
	return o, waitReplicas, waitTimeout, nil
}
