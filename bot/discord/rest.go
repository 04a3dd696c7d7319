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

	"github.com/incidentbot/incidentbot/bot"
)

// rest runs a REST call, waiting out 429s as bot.RateLimits allows
// (discordgo on its own would wait without limit).
func (a *Adapter) rest(ctx context.Context, call func() error) error {
	for tries := 1; ; tries++ {
		err := call()
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) {
			return err
		}
		wait, again := bot.RateLimits.Wait(tries, rl.RetryAfter)
		if !again {
			return fmt.Errorf("discord rate limit: gave up after %d tries (retry after %s): %w", tries, rl.RetryAfter, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
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
