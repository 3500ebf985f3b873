package observe

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestIsSecretHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true},
		{"Proxy-Authorization", true},
		{"Cookie", true},
		{"Set-Cookie", true},
		{"X-Api-Key", true},
		{"X-Auth-Token", true},
		{"X-Amz-Security-Token", true},
		{"X-Csrf-Token", true},
		{"X-Client-Secret", true},
		{"X-Db-Password", true},
		{"X-Rapidapi-Key", true},
		{"X-Goog-Api-Key", true},
		{"X-Credentials", true},
		{"X-" + strings.Repeat("a", 80) + "-Token", true}, // longer than the stack buffer
		{"Www-Authenticate", false},
		{"Accept", false},
		{"Content-Type", false},
		{"X-Request-Id", false},
		{"X-Tokenizer-Version", true}, // the rule is a substring: it errs on the side of hiding
	}
	for _, tt := range tests {
		if got := IsSecretHeader(tt.name); got != tt.want {
			t.Errorf("IsSecretHeader(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestIsSecretParam(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"token", "access_token", "refresh_token", "api_key", "apikey", "API_KEY", "key", "password", "secret", "client_secret", "signature", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "sig", "pwd", "auth"} {
		if !IsSecretParam(name) {
			t.Errorf("IsSecretParam(%q) = false; want true", name)
		}
	}
	for _, name := range []string{"q", "name", "page", "keyword", "monkey", "code", "id"} {
		if IsSecretParam(name) {
			t.Errorf("IsSecretParam(%q) = true; want false", name)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   http.Header
		want http.Header
	}{
		{"nothing secret", http.Header{"Accept": {"*/*"}}, http.Header{"Accept": {"*/*"}}},
		{"every secret", http.Header{
			"Authorization":        {"Bearer abc"},
			"Proxy-Authorization":  {"Basic eDp5"},
			"Cookie":               {"a=1", "b=2"},
			"Set-Cookie":           {"s=3; HttpOnly"},
			"X-Api-Key":            {"k"},
			"X-Amz-Security-Token": {"t"},
			"Accept":               {"*/*"},
		}, http.Header{
			"Authorization":        {Redacted},
			"Proxy-Authorization":  {Redacted},
			"Cookie":               {Redacted, Redacted},
			"Set-Cookie":           {Redacted},
			"X-Api-Key":            {Redacted},
			"X-Amz-Security-Token": {Redacted},
			"Accept":               {"*/*"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.in.Clone()
			if got := Redact(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Redact(%v) = %v; want %v", tt.in, got, tt.want)
			}
			if !reflect.DeepEqual(tt.in, before) {
				t.Errorf("Redact changed its input to %v", tt.in)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/hello", "/hello"},
		{"/hello?q=1", "/hello?q=1"},
		{"/x?token=abc", "/x?token=[redacted]"},
		{"/x?q=1&access_token=abc&page=2", "/x?q=1&access_token=[redacted]&page=2"},
		{"/x?api%5Fkey=abc", "/x?api%5Fkey=[redacted]"},
		{"/x?key", "/x?key=[redacted]"},
		{"/x?password=a&password=b", "/x?password=[redacted]&password=[redacted]"},
		{"/x?X-Amz-Signature=abc#frag", "/x?X-Amz-Signature=[redacted]#frag"},
		{"/x?q=a@b", "/x?q=a@b"},
		{"/x?&&=1", "/x?&&=1"},
		{"http://user:pw@evil.example/x?sig=1", "http://user:[redacted]@evil.example/x?sig=[redacted]"},
		{"http://user@evil.example/x", "http://user@evil.example/x"},
		{"http://evil.example/a@b", "http://evil.example/a@b"},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkIsSecretHeader(b *testing.B) {
	names := []string{"Accept", "User-Agent", "X-Forwarded-For", "Sec-Fetch-Mode", "Authorization", "X-Api-Key"}
	for b.Loop() {
		for _, n := range names {
			IsSecretHeader(n)
		}
	}
}

// BenchmarkRedactURL: a query with no secret, as most are, costs a scan
// and no allocation.
func BenchmarkRedactURL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		RedactURL("/api/greeting?name=Alice&lang=en")
	}
}
