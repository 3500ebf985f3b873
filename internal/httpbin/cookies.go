package httpbin

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
)

// Cookies answers the cookies the request sent, by name; their values
// are redacted unless Config.Secrets is set, as a capture redacts Cookie.
func (b *Bin) Cookies() http.Handler {
	type answer struct {
		Cookies map[string]string `json:"cookies"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answer{Cookies: map[string]string{}}
		for _, c := range r.Cookies() {
			a.Cookies[c.Name] = c.Value
			if !b.cfg.Secrets {
				a.Cookies[c.Name] = observe.Redacted
			}
		}
		httpjson.Write(w, http.StatusOK, a)
	})
}

// SetCookies sets a cookie for each query parameter and redirects to
// /cookies. attr[Name] parameters set the cookies' attributes: Domain,
// HttpOnly, Path, SameSite and Secure.
func (b *Bin) SetCookies() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.setCookies(w, r, false)
	})
}

// DeleteCookies expires the cookie of each query parameter's name and
// redirects to /cookies; attr[Name] as for SetCookies.
func (b *Bin) DeleteCookies() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.setCookies(w, r, true)
	})
}

func (b *Bin) setCookies(w http.ResponseWriter, r *http.Request, expire bool) {
	q, p := strictQuery(r)
	if p != nil {
		problem.Write(w, r, p)
		return
	}
	attrs, p := cookieAttrs(q, r.TLS != nil)
	if p != nil {
		problem.Write(w, r, p)
		return
	}
	var names []string
	for k := range q {
		if !isCookieAttr(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names) // one order of Set-Cookie for one URL
	cookies := make([]*http.Cookie, 0, len(names))
	for _, name := range names {
		c := attrs // a copy
		c.Name, c.Value = name, q.Get(name)
		if expire {
			c.Value, c.MaxAge, c.Expires = "", -1, b.cfg.Now().Add(-365*24*time.Hour)
		}
		if err := c.Valid(); err != nil {
			problem.Write(w, r, badParam(name, c.Value, `a cookie's name is a token, and its value holds no control character, '"', ';' or '\' (RFC 6265 §4.1.1)`))
			return
		}
		cookies = append(cookies, &c)
	}
	for _, c := range cookies {
		http.SetCookie(w, c)
	}
	w.Header().Set("Location", "/cookies")
	w.WriteHeader(http.StatusFound)
}

func isCookieAttr(k string) bool { return strings.HasPrefix(k, "attr[") && strings.HasSuffix(k, "]") }

// cookieAttrs reads the attr[Name] parameters, names in any case, over
// go-httpbin's defaults: HttpOnly, Path=/, and Secure over HTTPS.
func cookieAttrs(q url.Values, https bool) (http.Cookie, *problem.Details) {
	c := http.Cookie{HttpOnly: true, Path: "/", Secure: https}
	for k, vs := range q {
		if !isCookieAttr(k) || len(vs) == 0 {
			continue
		}
		v := vs[0]
		switch strings.ToLower(k[len("attr[") : len(k)-1]) {
		case "domain":
			if (&http.Cookie{Name: "x", Domain: v}).Valid() != nil {
				return c, badParam(k, v, "use a domain name, such as localhost or example.com")
			}
			c.Domain = v
		case "path":
			if (&http.Cookie{Name: "x", Path: v}).Valid() != nil {
				return c, badParam(k, v, "a path holds no control character or ';'")
			}
			c.Path = v
		case "httponly":
			c.HttpOnly = v == "1" || strings.EqualFold(v, "true")
		case "secure":
			c.Secure = v == "1" || strings.EqualFold(v, "true")
		case "samesite":
			switch strings.ToLower(v) {
			case "strict":
				c.SameSite = http.SameSiteStrictMode
			case "lax":
				c.SameSite = http.SameSiteLaxMode
			case "none":
				c.SameSite = http.SameSiteNoneMode
			default:
				return c, badParam(k, v, "use Strict, Lax or None")
			}
		default:
			return c, badParam(k, v, "the attributes are attr[Domain], attr[HttpOnly], attr[Path], attr[SameSite] and attr[Secure]")
		}
	}
	return c, nil
}
