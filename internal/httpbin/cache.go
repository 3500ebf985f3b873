package httpbin

import (
	"crypto/sha1"
	"encoding/hex"
	"html"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// Cache answers 304 to any conditional request (If-Modified-Since or
// If-None-Match), and otherwise /get's answer with a Last-Modified of now
// and an ETag.
func (b *Bin) Cache() http.Handler {
	get := b.Get()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-Modified-Since") != "" || r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		modified := b.cfg.Now().UTC().Format(http.TimeFormat)
		sum := sha1.Sum([]byte(modified))
		w.Header().Set("Last-Modified", modified)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		get.ServeHTTP(w, r)
	})
}

// CacheFor answers /get's answer with Cache-Control: public,
// max-age={seconds}.
func (b *Bin) CacheFor() http.Handler {
	get := b.Get()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, p := parseCount("seconds", r.PathValue("seconds"), MaxAge)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(n))
		get.ServeHTTP(w, r)
	})
}

// ETag answers as a resource whose entity tag is "{etag}": /get's answer,
// with If-Match and If-None-Match evaluated as RFC 9110 §13.2.2 orders.
func (b *Bin) ETag() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("etag")
		if !validOpaqueTag(raw) {
			problem.Write(w, r, badParam("etag", raw, `an entity tag holds no space, control character or '"'`))
			return
		}
		tag := `"` + raw + `"`
		w.Header().Set("ETag", tag)
		if im := r.Header.Values("If-Match"); len(im) > 0 && !matchesAny(im, tag, false) {
			problem.Write(w, r, problem.New(http.StatusPreconditionFailed, "If-Match names no entity tag of this resource, which is %s.", tag))
			return
		}
		// No Last-Modified: If-Unmodified-Since and If-Modified-Since are
		// ignored (RFC 9110 §13.1.3, §13.1.4).
		if inm := r.Header.Values("If-None-Match"); len(inm) > 0 && matchesAny(inm, tag, true) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			problem.Write(w, r, problem.New(http.StatusPreconditionFailed, "If-None-Match names %s, this resource's entity tag.", tag))
			return
		}
		httpjson.Write(w, http.StatusOK, b.describe(r))
	})
}

// validOpaqueTag reports whether s can stand between an entity tag's
// quotes: etagc (RFC 9110 §8.8.3).
func validOpaqueTag(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// matchesAny reports whether the lists of a conditional field (its lines
// joined) match tag: by "*", or by an entity tag compared weakly (both
// may be W/) or strongly (neither may be). A malformed list matches
// only by what precedes the error.
func matchesAny(lines []string, tag string, weak bool) bool {
	list := strings.TrimSpace(strings.Join(lines, ","))
	if list == "*" {
		return true
	}
	for list != "" {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			break
		}
		isWeak := strings.HasPrefix(list, "W/")
		if isWeak {
			list = list[2:]
		}
		if !strings.HasPrefix(list, `"`) {
			return false
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		t := list[:end+2]
		if t == tag && (weak || !isWeak) {
			return true
		}
		list = strings.TrimLeft(list[end+2:], " \t")
		if list != "" && list[0] != ',' {
			return false
		}
	}
	return false
}

// framing reports whether a canonical field name frames the message or
// the connection (RFC 9110 §7.6.1; RFC 9112 §6.1), Content-Length aside:
// /response-headers and /respond set none as a header, /trailers and
// /respond none as a trailer.
func framing(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// refusedHeader reports whether a canonical field name is one that
// /response-headers and /respond do not set: it frames the message or
// the connection (RFC 9110 §8.6 for Content-Length), or the server sets
// it itself.
func refusedHeader(k string) bool {
	return framing(k) || k == "Content-Length" || k == "Server-Timing" || k == "X-Request-Id"
}

// ResponseHeaders sets each query parameter as a response header and
// answers them as JSON (keys as given). It refuses what would break the
// framing or replace the server's own headers, and anything that is not
// a valid field name or value.
func (b *Bin) ResponseHeaders() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		args, p := strictQuery(r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		contentType := ""
		for k, vs := range args {
			canon := http.CanonicalHeaderKey(k)
			switch {
			case !servertiming.IsToken(k):
				problem.Write(w, r, badParam(k, strings.Join(vs, ","), "it is not a valid header field name"))
				return
			case refusedHeader(canon):
				problem.Write(w, r, badParam(k, strings.Join(vs, ","), "this server sets "+canon+" itself, for the message's framing or its own use"))
				return
			case canon == "Content-Type" && (contentType != "" || len(vs) > 1):
				problem.Write(w, r, badParam(k, strings.Join(vs, ","), "a response has one Content-Type"))
				return
			case canon == "Content-Type":
				contentType = vs[0]
			}
			for _, v := range vs {
				if !validFieldValue(v) {
					problem.Write(w, r, badParam(k, v, "it is not a valid header field value: no control characters, and no space at either end"))
					return
				}
			}
		}
		if contentType == "" {
			contentType = "application/json"
			args.Set("Content-Type", contentType)
		}
		h := w.Header()
		for k, vs := range args {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		mt, _, err := mime.ParseMediaType(contentType)
		escape := err != nil || !inert[mt] // a type a browser may render: the JSON is HTML-escaped, as go-httpbin escapes it
		shown := make(map[string][]string, len(args))
		for k, vs := range args {
			out := make([]string, len(vs))
			for i, v := range vs {
				switch {
				case !b.cfg.Secrets && observe.IsSecretHeader(http.CanonicalHeaderKey(k)):
					out[i] = observe.Redacted
				case escape:
					out[i] = html.EscapeString(v)
				default:
					out[i] = v
				}
			}
			if escape {
				k = html.EscapeString(k)
			}
			shown[k] = out
		}
		httpjson.Write(w, http.StatusOK, shown)
	})
}

// validFieldValue reports whether v is a field value (RFC 9110 §5.5):
// no control character but HTAB, and no whitespace at either end.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return strings.Trim(v, " \t") == v
}
