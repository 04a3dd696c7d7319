package logging

import (
	"bytes"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

func TestHasLongTokenMatchesPattern(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "Z", "9", "_", "-", ".", " ", "/", "é", strings.Repeat("x", 40), strings.Repeat("y", 129)}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(12); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := hasLongToken(s), longToken.MatchString(s); got != want {
			t.Fatalf("hasLongToken(%q) = %v, the pattern says %v", s, got, want)
		}
	}
}

// Values slog would log as JSON objects are checked too: a *url.URL, a map
// or a list may quote a response URL as well as a string can.
func TestRedactsCredentialsInsideOtherValues(t *testing.T) {
	const secret = "https://hooks.slack.com/commands/T1/2/SECRETTOKEN"
	u, _ := url.Parse(secret)
	var out bytes.Buffer
	l := slog.New(NewRedactHandler(slog.NewJSONHandler(&out, nil)))
	l.Info("x", "u", u, "m", map[string]string{"r": secret}, "l", []any{secret}, "n", 42, "ids", []string{"inc-1"})
	if strings.Contains(out.String(), "SECRETTOKEN") {
		t.Fatalf("a credential reached the log: %s", out.String())
	}
	if !strings.Contains(out.String(), `"n":42`) || !strings.Contains(out.String(), `"ids":["inc-1"]`) {
		t.Fatalf("clean values lost their shape: %s", out.String())
	}
}
