package slack

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// parseForm must answer exactly as url.ParseQuery does.
func TestParseFormIsParseQuery(t *testing.T) {
	many := strings.Repeat("a=1&", 100) + "b=2"
	for _, body := range []string{
		"", "&", "&&a=1&&", "a", "a=", "=b", "a=1&a=2&b=3",
		"command=%2Fincident&text=delete+inc-1+inc-2&response_url=https%3A%2F%2Fhooks.slack.com%2Fx",
		"text=a+b%2Bc", "text=100%25+sure", "text=%zz&user_id=U1", "text=%&a=1", "a%20b=c+d",
		"a=1;b=2", "a=1&b=2;c", "text=+++", "text=%E2%80%A6", "text=%e2%80", many,
	} {
		want, wantErr := url.ParseQuery(body)
		got, gotErr := parseForm(body)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("parseForm(%q) = %v, %v; url.ParseQuery: %v, %v", body, got, gotErr, want, wantErr)
		}
	}
}

func FuzzParseForm(f *testing.F) {
	f.Add("command=%2Fincident&text=delete+inc-1")
	f.Add("a=1;b=%zz&&c")
	f.Fuzz(func(t *testing.T, body string) {
		want, wantErr := url.ParseQuery(body)
		got, gotErr := parseForm(body)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("parseForm(%q) = %v, %v; url.ParseQuery: %v, %v", body, got, gotErr, want, wantErr)
		}
	})
}
