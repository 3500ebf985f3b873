package httpbin_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

func TestAuthBasic(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	basic := func(user, password string) http.Header {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, password)
		return req.Header
	}
	tests := []struct {
		name, method, path string
		h                  http.Header
		wantStatus         int
		wantBody           string
		wantChallenge      string
	}{
		{"right", "GET", "/basic-auth/u/p", basic("u", "p"), 200, `{"authenticated":true,"user":"u","authorized":true}` + "\n", ""},
		{"post", "POST", "/basic-auth/u/p", basic("u", "p"), 200, `{"authenticated":true,"user":"u","authorized":true}` + "\n", ""},
		{"head", "HEAD", "/basic-auth/u/p", basic("u", "p"), 200, "", ""},
		{"utf-8", "GET", "/basic-auth/%C3%A9/%E2%9C%93", basic("é", "✓"), 200, `"user":"é"`, ""},
		{"wrong password", "GET", "/basic-auth/u/p", basic("u", "q"), 401, `{"authenticated":false,"user":"u","authorized":false}` + "\n", `Basic realm="roundtrip"`},
		{"wrong user", "GET", "/basic-auth/u/p", basic("v", "p"), 401, `"authenticated":false`, `Basic realm="roundtrip"`},
		{"prefix", "GET", "/basic-auth/u/p", basic("u", "pp"), 401, `"authenticated":false`, `Basic realm="roundtrip"`},
		{"none", "GET", "/basic-auth/u/p", nil, 401, `"user":""`, `Basic realm="roundtrip"`},
		{"not basic", "GET", "/basic-auth/u/p", http.Header{"Authorization": {"Bearer x"}}, 401, `"authenticated":false`, `Basic realm="roundtrip"`},
		{"hidden right", "GET", "/hidden-basic-auth/u/p", basic("u", "p"), 200, `{"authenticated":true,"user":"u","authorized":true}` + "\n", ""},
		{"hidden wrong", "GET", "/hidden-basic-auth/u/p", basic("u", "q"), 404, "No route matches /hidden-basic-auth/u/p.", ""},
		{"hidden none", "GET", "/hidden-basic-auth/u/p", nil, 404, `"status":404`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, tt.method, base+tt.path, tt.h, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s (%s) = %d %q; want %d containing %q", tt.method, tt.path, tt.name, res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if got := res.Header.Get("WWW-Authenticate"); got != tt.wantChallenge {
				t.Errorf("%s %s (%s) WWW-Authenticate = %q; want %q", tt.method, tt.path, tt.name, got, tt.wantChallenge)
			}
		})
	}
}

func TestAuthBearer(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	secrets := startBin(t, server.Config{CaptureSecrets: true})
	tests := []struct {
		name, base, auth string
		wantStatus       int
		wantBody         string
	}{
		{"redacted", base, "Bearer t0k.en", 200, `{"authenticated":true,"token":"[redacted]"}` + "\n"},
		{"secrets kept", secrets, "Bearer t0k.en", 200, `{"authenticated":true,"token":"t0k.en"}` + "\n"},
		{"scheme in any case", secrets, "bearer abc", 200, `"token":"abc"`},
		{"none", base, "", 401, `"status":401`},
		{"no token", base, "Bearer", 401, `"status":401`},
		{"two tokens", base, "Bearer a b", 401, `"status":401`},
		{"basic", base, "Basic dTpw", 401, `"status":401`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h http.Header
			if tt.auth != "" {
				h = http.Header{"Authorization": {tt.auth}}
			}
			res, body := fetchBin(t, "GET", tt.base+"/bearer", h, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET /bearer with %q = %d %q; want %d containing %q", tt.auth, res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if challenge := res.Header.Get("WWW-Authenticate"); (tt.wantStatus == 401) != (challenge == "Bearer") {
				t.Errorf("GET /bearer with %q: WWW-Authenticate = %q; want Bearer with the 401 only", tt.auth, challenge)
			}
		})
	}
}

// digestClient answers Digest challenges as RFC 7616 says a client does,
// computed here independently of the server's code.
type digestClient struct {
	user, password string
	hash           func() hash.Hash
}

func (c digestClient) h(parts ...string) string {
	m := c.hash()
	m.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(m.Sum(nil))
}

// response is RFC 7616 §3.4.1's response for qop auth or auth-int.
func (c digestClient) response(realm, method, uri, nonce, nc, cnonce, qop, body string) string {
	ha1 := c.h(c.user, realm, c.password)
	ha2 := c.h(method, uri)
	if qop == "auth-int" {
		ha2 = c.h(method, uri, c.h(body))
	}
	return c.h(ha1, nonce, nc, cnonce, qop, ha2)
}

// challengeParams reads a challenge's parameters; this test's values
// hold no commas or escapes.
func challengeParams(t *testing.T, challenge string) map[string]string {
	t.Helper()
	rest, ok := strings.CutPrefix(challenge, "Digest ")
	if !ok {
		t.Fatalf("WWW-Authenticate = %q; want a Digest challenge", challenge)
	}
	p := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		p[k] = strings.Trim(v, `"`)
	}
	return p
}

// TestAuthDigestVectors checks this test's digest computation against
// RFC 7616 §3.9.1's example, so that it can judge the server's.
func TestAuthDigestVectors(t *testing.T) {
	t.Parallel()
	const (
		nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
		cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	)
	for _, tt := range []struct {
		name string
		hash func() hash.Hash
		want string
	}{
		{"MD5", md5.New, "8ca523f5e9506fed4657c9700eebdbec"},
		{"SHA-256", sha256.New, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		c := digestClient{user: "Mufasa", password: "Circle of Life", hash: tt.hash}
		if got := c.response("http-auth@example.org", "GET", "/dir/index.html", nonce, "00000001", cnonce, "auth", ""); got != tt.want {
			t.Errorf("RFC 7616 example with %s = %s; want %s", tt.name, got, tt.want)
		}
	}
}

func TestAuthDigest(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})

	// challenge asks path without credentials and returns the challenge.
	challenge := func(t *testing.T, method, path string) map[string]string {
		t.Helper()
		res, body := fetchBin(t, method, base+path, nil, "")
		if res.StatusCode != 401 || !strings.Contains(body, `"status":401`) {
			t.Fatalf("%s %s without credentials = %d %s; want a 401 problem", method, path, res.StatusCode, body)
		}
		return challengeParams(t, res.Header.Get("WWW-Authenticate"))
	}
	// answer is the Authorization for ch, as a client computes it; change
	// edits its parameters first.
	answer := func(c digestClient, ch map[string]string, method, uri, body string, change func(map[string]string)) http.Header {
		p := map[string]string{
			"username": c.user, "realm": ch["realm"], "nonce": ch["nonce"], "uri": uri, "qop": ch["qop"],
			"nc": "00000001", "cnonce": "0a4f113b", "opaque": ch["opaque"], "algorithm": ch["algorithm"],
		}
		p["response"] = c.response(p["realm"], method, uri, p["nonce"], p["nc"], p["cnonce"], p["qop"], body)
		if change != nil {
			change(p)
		}
		var parts []string
		for _, k := range []string{"username", "realm", "nonce", "uri", "algorithm", "qop", "nc", "cnonce", "response", "opaque", "userhash"} {
			if v, ok := p[k]; ok {
				if k == "qop" || k == "nc" || k == "algorithm" {
					parts = append(parts, k+"="+v)
				} else {
					parts = append(parts, fmt.Sprintf("%s=%q", k, v))
				}
			}
		}
		return http.Header{"Authorization": {"Digest " + strings.Join(parts, ", ")}}
	}

	t.Run("challenges", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct{ path, qop, algorithm string }{
			{"/digest-auth/auth/u/p", "auth", "MD5"},
			{"/digest-auth/auth/u/p/SHA-256", "auth", "SHA-256"},
			{"/digest-auth/AUTH-INT/u/p/md5", "auth-int", "MD5"},
		} {
			ch := challenge(t, "GET", tt.path)
			if ch["realm"] != "roundtrip" || ch["qop"] != tt.qop || ch["algorithm"] != tt.algorithm || len(ch["nonce"]) != 64 || ch["opaque"] == "" {
				t.Errorf("GET %s challenge = %v; want realm roundtrip, qop %s, algorithm %s, a nonce and an opaque", tt.path, ch, tt.qop, tt.algorithm)
			}
		}
		a, b := challenge(t, "GET", "/digest-auth/auth/u/p"), challenge(t, "GET", "/digest-auth/auth/u/p")
		if a["nonce"] == b["nonce"] {
			t.Errorf("two challenges gave the same nonce %s; want a new one each time", a["nonce"])
		}
	})

	md5User := digestClient{user: "u", password: "p", hash: md5.New}
	shaUser := digestClient{user: "u", password: "p", hash: sha256.New}
	tests := []struct {
		name, method, path, body string
		client                   digestClient
		change                   func(map[string]string)
		wantStatus               int
	}{
		{"md5", "GET", "/digest-auth/auth/u/p", "", md5User, nil, 200},
		{"md5 with a query", "GET", "/digest-auth/auth/u/p/MD5?a=1,2", "", md5User, nil, 200},
		{"sha-256", "GET", "/digest-auth/auth/u/p/SHA-256", "", shaUser, nil, 200},
		{"auth-int", "POST", "/digest-auth/auth-int/u/p/SHA-256", "the body", shaUser, nil, 200},
		{"auth-int empty", "GET", "/digest-auth/auth-int/u/p", "", md5User, nil, 200},
		{"no algorithm is MD5", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) { delete(p, "algorithm") }, 200},
		{"uppercase response", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) { p["response"] = strings.ToUpper(p["response"]) }, 200},
		{"userhash", "GET", "/digest-auth/auth/u/p/SHA-256", "", shaUser, func(p map[string]string) {
			p["username"], p["userhash"] = shaUser.h("u", "roundtrip"), "true"
		}, 200},
		{"wrong password", "GET", "/digest-auth/auth/u/p", "", digestClient{user: "u", password: "q", hash: md5.New}, nil, 401},
		{"wrong user", "GET", "/digest-auth/auth/u/p", "", digestClient{user: "v", password: "p", hash: md5.New}, nil, 401},
		{"wrong algorithm", "GET", "/digest-auth/auth/u/p/SHA-256", "", md5User, func(p map[string]string) { p["algorithm"] = "MD5" }, 401},
		{"other body", "POST", "/digest-auth/auth-int/u/p", "the body", md5User, func(p map[string]string) {
			p["response"] = md5User.response(p["realm"], "POST", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"], "another body")
		}, 401},
		{"other method", "POST", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) {
			p["response"] = md5User.response(p["realm"], "GET", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"], "")
		}, 401},
		{"other uri", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) {
			p["uri"] = "/digest-auth/auth/u/p?x"
			p["response"] = md5User.response(p["realm"], "GET", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"], "")
		}, 401},
		{"own nonce", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) {
			p["nonce"] = strings.Repeat("0", 64)
			p["response"] = md5User.response(p["realm"], "GET", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"], "")
		}, 401},
		{"other realm", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) {
			p["realm"] = "elsewhere"
			p["response"] = md5User.response(p["realm"], "GET", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"], "")
		}, 401},
		{"other qop", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) {
			p["qop"] = "auth-int"
			p["response"] = md5User.response(p["realm"], "GET", p["uri"], p["nonce"], p["nc"], p["cnonce"], p["qop"], "")
		}, 401},
		{"no opaque", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) { delete(p, "opaque") }, 401},
		{"no cnonce", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) { delete(p, "cnonce") }, 401},
		{"bad nc", "GET", "/digest-auth/auth/u/p", "", md5User, func(p map[string]string) { p["nc"] = "1" }, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ch := challenge(t, tt.method, tt.path)
			uri := strings.TrimPrefix(base+tt.path, base)
			res, body := fetchBin(t, tt.method, base+tt.path, answer(tt.client, ch, tt.method, uri, tt.body, tt.change), tt.body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s (%s) = %d %s; want %d", tt.method, tt.path, tt.name, res.StatusCode, body, tt.wantStatus)
			}
			if tt.wantStatus == 200 && body != `{"authenticated":true,"user":"u","authorized":true}`+"\n" {
				t.Errorf("%s %s (%s) = %s; want the user authenticated", tt.method, tt.path, tt.name, body)
			}
			if tt.wantStatus == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Digest ") {
				t.Errorf("%s %s (%s) = 401 with WWW-Authenticate %q; want a new challenge", tt.method, tt.path, tt.name, res.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("malformed", func(t *testing.T) {
		t.Parallel()
		for _, auth := range []string{
			"Digest", "Digest username", `Digest username="u`, `Digest username="u" realm="r"`, `Digest username="u", username="v"`,
			"Digest =x", "Basic dTpw", `Digest username=, realm="roundtrip"`,
		} {
			res, _ := fetchBin(t, "GET", base+"/digest-auth/auth/u/p", http.Header{"Authorization": {auth}}, "")
			if res.StatusCode != 401 {
				t.Errorf("GET /digest-auth/auth/u/p with %q = %d; want 401", auth, res.StatusCode)
			}
		}
	})
	t.Run("bad path", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct{ path, want string }{
			{"/digest-auth/auth-conf/u/p", "Bad parameter qop"},
			{"/digest-auth/auth/u/p/SHA-1", "Bad parameter algorithm"},
			{"/digest-auth/auth/u/p/SHA-512-256", "Bad parameter algorithm"},
		} {
			res, body := fetchBin(t, "GET", base+tt.path, nil, "")
			if res.StatusCode != 400 || !strings.Contains(body, tt.want) {
				t.Errorf("GET %s = %d %s; want 400 containing %q", tt.path, res.StatusCode, body, tt.want)
			}
		}
	})
	t.Run("too large for auth-int", func(t *testing.T) {
		t.Parallel()
		res, _ := fetchBin(t, "POST", base+"/digest-auth/auth-int/u/p", nil, strings.Repeat("a", 1<<20+1))
		if res.StatusCode != 413 {
			t.Errorf("POST /digest-auth/auth-int/u/p of 1 MiB + 1 = %d; want 413", res.StatusCode)
		}
	})
}

// TestAuthDigestStale: a right answer to an old nonce gets a new
// challenge marked stale, and the answer to that one passes.
func TestAuthDigestStale(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64 // how far the server's clock is ahead
	base := startBin(t, server.Config{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	c := digestClient{user: "u", password: "p", hash: md5.New}
	const path = "/digest-auth/auth/u/p"
	try := func(ch map[string]string) *http.Response {
		auth := fmt.Sprintf(`Digest username="u", realm=%q, nonce=%q, uri=%q, qop=auth, nc=00000001, cnonce="c", opaque=%q, response=%q`,
			ch["realm"], ch["nonce"], path, ch["opaque"], c.response(ch["realm"], "GET", path, ch["nonce"], "00000001", "c", "auth", ""))
		res, _ := fetchBin(t, "GET", base+path, http.Header{"Authorization": {auth}}, "")
		return res
	}
	res, _ := fetchBin(t, "GET", base+path, nil, "")
	ch := challengeParams(t, res.Header.Get("WWW-Authenticate"))
	offset.Store(int64(6 * time.Minute))
	res = try(ch)
	next := challengeParams(t, res.Header.Get("WWW-Authenticate"))
	if res.StatusCode != 401 || next["stale"] != "true" {
		t.Fatalf("GET %s with a 6-minute-old nonce = %d %q; want 401 with stale=true", path, res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	if res = try(next); res.StatusCode != 200 {
		t.Errorf("GET %s with the new nonce = %d; want 200", path, res.StatusCode)
	}
	offset.Store(0) // the clock goes back: a nonce from the future is none of ours
	if res = try(next); res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" || strings.Contains(res.Header.Get("WWW-Authenticate"), "stale") {
		t.Errorf("GET %s with a nonce from the future = %d %q; want 401, not stale", path, res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
}

// TestAuthDigestCurl: curl's own Digest implementation passes.
func TestAuthDigestCurl(t *testing.T) {
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	base := startBin(t, server.Config{})
	for _, path := range []string{"/digest-auth/auth/u/p", "/digest-auth/auth/u/p/SHA-256", "/digest-auth/auth/user/pass/MD5?x=1"} {
		user := "u:p"
		if strings.Contains(path, "/user/") {
			user = "user:pass"
		}
		out, err := exec.Command(curl, "-sS", "--digest", "-u", user, "-w", "\n%{http_code}", base+path).CombinedOutput()
		if err != nil {
			t.Fatalf("curl --digest %s: %v\n%s", path, err, out)
		}
		if got := string(out); !strings.HasSuffix(got, "\n200") || !strings.Contains(got, `"authenticated":true`) {
			t.Errorf("curl --digest -u %s %s = %q; want 200, authenticated", user, path, got)
		}
		out, _ = exec.Command(curl, "-sS", "--digest", "-u", "u:wrong", "-o", "/dev/null", "-w", "%{http_code}", base+path).CombinedOutput()
		if string(out) != "401" {
			t.Errorf("curl --digest -u u:wrong %s = %q; want 401", path, out)
		}
	}
}
