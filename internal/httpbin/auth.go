package httpbin

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

// authRealm is the protection space every challenge names.
const authRealm = "roundtrip"

// basicChallenge is the Basic challenge (RFC 7617) of /basic-auth, and of
// /status/401 and /status/407.
const basicChallenge = `Basic realm="` + authRealm + `"`

// authAnswer is go-httpbin's answer to a request that authenticates.
type authAnswer struct {
	Authenticated bool   `json:"authenticated"`
	User          string `json:"user"`
	Authorized    bool   `json:"authorized"` // go-httpbin's older name, kept by it too
}

// BasicAuth answers 200 to the user and password of the path, sent with
// Basic authentication, and 401 with a challenge to anything else.
func (b *Bin) BasicAuth() http.Handler { return b.basicAuth(false) }

// HiddenBasicAuth is BasicAuth answering 404 rather than 401, so that a
// client is not told to authenticate.
func (b *Bin) HiddenBasicAuth() http.Handler { return b.basicAuth(true) }

func (b *Bin) basicAuth(hidden bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, _ := r.BasicAuth()
		// Both compared, in constant time: no timing tells which was wrong.
		userOK := subtle.ConstantTimeCompare([]byte(user), []byte(r.PathValue("user")))
		passwordOK := subtle.ConstantTimeCompare([]byte(password), []byte(r.PathValue("password")))
		ok := userOK&passwordOK == 1
		switch {
		case ok:
			httpjson.Write(w, http.StatusOK, authAnswer{Authenticated: true, User: user, Authorized: true})
		case hidden:
			// The server's own 404, word for word: nothing tells that a
			// password would open this path.
			problem.Write(w, r, problem.New(http.StatusNotFound, "No route matches %s.", r.URL.Path))
		default:
			w.Header().Set("WWW-Authenticate", basicChallenge)
			httpjson.Write(w, http.StatusUnauthorized, authAnswer{User: user})
		}
	})
}

// Bearer answers 200 to any bearer token (RFC 6750) and 401 with a
// challenge to a request without one.
func (b *Bin) Bearer() http.Handler {
	type answer struct {
		Authenticated bool   `json:"authenticated"`
		Token         string `json:"token"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fields := strings.Fields(r.Header.Get("Authorization"))
		if len(fields) != 2 || !strings.EqualFold(fields[0], "Bearer") { // schemes are case-insensitive (RFC 9110 §11.1)
			w.Header().Set("WWW-Authenticate", "Bearer")
			problem.Write(w, r, problem.New(http.StatusUnauthorized, "Send a token as Authorization: Bearer <token>."))
			return
		}
		token := fields[1]
		if !b.cfg.Secrets {
			token = observe.Redacted
		}
		httpjson.Write(w, http.StatusOK, answer{Authenticated: true, Token: token})
	})
}

// digestAlgorithms are the RFC 7616 algorithms /digest-auth takes, by the
// names challenges give them.
var digestAlgorithms = map[string]func() hash.Hash{"MD5": md5.New, "SHA-256": sha256.New}

// nonceLife is how long a nonce is good for; an older one gets a new
// challenge with stale=true, which clients answer without asking again.
const nonceLife = 5 * time.Minute

// digestKey signs the nonces, so that they need no state: a nonce is its
// time of issue, random bytes and their HMAC.
var digestKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails (crypto/rand)
	return k
})

// digestOpaque is the opaque value every challenge sends and every
// answer must return.
var digestOpaque = sync.OnceValue(func() string {
	m := hmac.New(sha256.New, digestKey())
	m.Write([]byte("opaque"))
	return hex.EncodeToString(m.Sum(nil)[:16])
})

// DigestAuth answers 200 to the user and password of
// /digest-auth/{qop}/{user}/{password}[/{algorithm}], sent with Digest
// authentication (RFC 7616) for qop auth or auth-int and algorithm MD5
// (the default) or SHA-256, and 401 with a challenge to anything else.
func (b *Bin) DigestAuth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		qop := strings.ToLower(r.PathValue("qop"))
		if qop != "auth" && qop != "auth-int" {
			problem.Write(w, r, badParam("qop", r.PathValue("qop"), "use auth or auth-int"))
			return
		}
		alg := strings.ToUpper(r.PathValue("algorithm"))
		if alg == "" {
			alg = "MD5"
		}
		newHash, ok := digestAlgorithms[alg]
		if !ok {
			problem.Write(w, r, badParam("algorithm", r.PathValue("algorithm"), "use MD5 or SHA-256"))
			return
		}
		var body []byte
		if qop == "auth-int" { // the body is part of the digest
			var p *problem.Details
			if body, p = reqbody.Read(w, r); p != nil {
				problem.Write(w, r, p)
				return
			}
		}
		d := digest{alg: alg, hash: newHash, qop: qop, user: r.PathValue("user"), password: r.PathValue("password")}
		why, stale := d.check(r, body, b.cfg.Now())
		if why != "" {
			challenge := `Digest realm="` + authRealm + `", qop="` + qop + `", algorithm=` + alg +
				`, nonce="` + newNonce(b.cfg.Now()) + `", opaque="` + digestOpaque() + `"`
			if stale {
				challenge += ", stale=true"
			}
			w.Header().Set("WWW-Authenticate", challenge)
			problem.Write(w, r, problem.New(http.StatusUnauthorized, "Answer the Digest challenge in WWW-Authenticate (RFC 7616) with the user and password of the path: %s.", why))
			return
		}
		httpjson.Write(w, http.StatusOK, authAnswer{Authenticated: true, User: d.user, Authorized: true})
	})
}

// digest is what a Digest answer must prove.
type digest struct {
	alg            string
	hash           func() hash.Hash
	qop            string
	user, password string
}

// h is the lowercase hex digest of parts joined by colons.
func (d digest) h(parts ...string) string {
	m := d.hash()
	m.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(m.Sum(nil))
}

// check checks r's Authorization against d: it returns why it fails, ""
// when it does not, and whether the answer was right but for a nonce
// gone stale.
func (d digest) check(r *http.Request, body []byte, now time.Time) (why string, stale bool) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "no Authorization was sent", false
	}
	p, ok := parseDigest(auth)
	if !ok {
		return "Authorization is not a Digest answer", false
	}
	for _, name := range [...]string{"username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce", "opaque"} {
		if _, ok := p[name]; !ok {
			return "the answer has no " + name, false
		}
	}
	alg, ok := p["algorithm"]
	if !ok {
		alg = "MD5" // RFC 7616 §3.4: the default
	}
	switch {
	case p["realm"] != authRealm:
		return `the realm is not "` + authRealm + `"`, false
	case !strings.EqualFold(alg, d.alg):
		return "the algorithm is not " + d.alg, false
	case p["qop"] != d.qop:
		return "the qop is not " + d.qop, false
	case p["uri"] != r.RequestURI:
		return "the uri is not the request's target", false // RFC 7616 §3.4.6
	case p["opaque"] != digestOpaque():
		return "the opaque value is not the challenge's", false
	case !isHex(p["nc"], 8):
		return "nc is not 8 hexadecimal digits", false
	}
	issued, ok := nonceTime(p["nonce"])
	if !ok || issued.After(now) {
		return "the nonce is not one this server issued", false
	}
	user := d.user
	if strings.EqualFold(p["userhash"], "true") {
		user = d.h(d.user, authRealm) // RFC 7616 §3.4.4
	}
	ha1 := d.h(d.user, authRealm, d.password)
	ha2 := d.h(r.Method, p["uri"])
	if d.qop == "auth-int" {
		ha2 = d.h(r.Method, p["uri"], d.h(string(body)))
	}
	want := d.h(ha1, p["nonce"], p["nc"], p["cnonce"], d.qop, ha2)
	userOK := subtle.ConstantTimeCompare([]byte(p["username"]), []byte(user))
	responseOK := subtle.ConstantTimeCompare([]byte(strings.ToLower(p["response"])), []byte(want))
	if userOK&responseOK != 1 {
		return "the user, the password or the digest is wrong", false
	}
	if now.Sub(issued) > nonceLife {
		return "the nonce is stale; answer the new one", true
	}
	return "", false
}

// newNonce is a nonce issued at now: its time, random bytes and their
// HMAC, in hex.
func newNonce(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	_, _ = rand.Read(b[8:])
	m := hmac.New(sha256.New, digestKey())
	m.Write(b[:])
	return hex.EncodeToString(b[:]) + hex.EncodeToString(m.Sum(nil)[:16])
}

// nonceTime is when a nonce of newNonce's was issued, or false for one
// it did not make.
func nonceTime(nonce string) (time.Time, bool) {
	raw, err := hex.DecodeString(nonce)
	if err != nil || len(raw) != 32 {
		return time.Time{}, false
	}
	m := hmac.New(sha256.New, digestKey())
	m.Write(raw[:16])
	if !hmac.Equal(m.Sum(nil)[:16], raw[16:]) {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8]))), true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// parseDigest reads a Digest credentials field (RFC 9110 §11.4): the
// scheme, then auth-params, each a token or a quoted-string, whose names
// are case-insensitive and may not repeat.
func parseDigest(field string) (map[string]string, bool) {
	scheme, s, _ := strings.Cut(strings.TrimLeft(field, " \t"), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return nil, false
	}
	params := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return params, true
		}
		n := tokenLen(s)
		if n == 0 {
			return nil, false
		}
		name := strings.ToLower(s[:n])
		s = strings.TrimLeft(s[n:], " \t")
		if !strings.HasPrefix(s, "=") {
			return nil, false
		}
		s = strings.TrimLeft(s[1:], " \t")
		var value string
		if strings.HasPrefix(s, `"`) {
			var v strings.Builder
			i, closed := 1, false
			for i < len(s) && !closed {
				switch c := s[i]; {
				case c == '\\' && i+1 < len(s):
					v.WriteByte(s[i+1])
					i += 2
				case c == '"':
					closed = true
					i++
				default:
					v.WriteByte(c)
					i++
				}
			}
			if !closed {
				return nil, false
			}
			value, s = v.String(), s[i:]
		} else {
			n := tokenLen(s)
			if n == 0 {
				return nil, false
			}
			value, s = s[:n], s[n:]
		}
		if _, dup := params[name]; dup {
			return nil, false
		}
		params[name] = value
		s = strings.TrimLeft(s, " \t")
		if s != "" && s[0] != ',' {
			return nil, false
		}
	}
}

// tokenLen is the length of the RFC 9110 token s starts with.
func tokenLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return i
	}
	return len(s)
}
