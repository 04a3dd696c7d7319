package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/incidentbot/incidentbot/vendors/httpretry"
)

// rest runs a REST call, waiting out 429s and 503s as httpretry.Default
// allows (discordgo on its own would wait without limit).
func (a *Adapter) rest(ctx context.Context, call func() error) error {
	var err error
	stop := httpretry.Default.Do(ctx, func() (time.Duration, bool) {
		err = call()
		var rl *discordgo.RateLimitError
		if errors.As(err, &rl) {
			return rl.RetryAfter, true
		}
		var re *discordgo.RESTError
		if errors.As(err, &re) && re.Response != nil && httpretry.Retryable(re.Response.StatusCode) {
			return httpretry.After(re.Response.Header, time.Now()), true
		}
		return 0, false
	})
	var gaveUp *httpretry.GaveUpError
	switch {
	case errors.As(stop, &gaveUp):
		return fmt.Errorf("discord: gave up: %w", errors.Join(stop, err))
	case stop != nil:
		return stop
	}
	return err
}

// rewriteHost sends requests for discord.com to another base URL. discordgo
// computes its endpoints once, from a constant, so this is the one place an
// override can live.
type rewriteHost struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteHost) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "discord.com" {
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host = t.base.Scheme, t.base.Host
		req.URL.Path = strings.TrimRight(t.base.Path, "/") + req.URL.Path
		req.Host = t.base.Host
	}
	return t.next.RoundTrip(req)
}
