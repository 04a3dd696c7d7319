package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The parsers of single values: each says what is wrong in words a
// person can act on.

func whole(problem func(string, ...any), name, s string, lo, hi int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		problem("%s: %q is not a whole number from %d to %d", name, s, lo, hi)
		return 0
	}
	return n
}

func duration(s string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90s or 5m", s)
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s is outside %s to %s", d, lo, hi)
	}
	return d, nil
}

func checkURL(problem func(string, ...any), name, value string) {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problem("%s: %q is not an http(s) URL such as https://host.example.com", name, value)
	}
}

func userMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		who, cloudID, ok := strings.Cut(pair, "=")
		platform, user, ok2 := strings.Cut(who, ":")
		if !ok || !ok2 || platform == "" || user == "" || cloudID == "" {
			return nil, fmt.Errorf("%q is not platform:user=cloud_user_id", pair)
		}
		m[strings.ToLower(platform)+":"+user] = cloudID
	}
	return m, nil
}
