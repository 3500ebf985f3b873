package client

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Jar is a cookie jar as curl keeps one (-b FILE, -c FILE): RFC 6265's
// rules for which cookies to keep and send, read from and written to the
// Netscape cookie file format curl, wget and browsers' exporters use.
// net/http/cookiejar cannot list what it holds, which writing a file
// needs. Like curl built without libpsl, it has no public suffix list: a
// Domain attribute without an inner dot (Domain=com) is refused, and any
// other the request's host domain-matches is kept.
type Jar struct {
	mu      sync.Mutex
	cookies []*jarCookie
	seq     int              // creation order, for the order cookies are sent in
	now     func() time.Time // time.Now; tests set it
}

// jarCookie is one stored cookie, as RFC 6265 §5.3 keeps it.
type jarCookie struct {
	name, value, domain, path  string
	hostOnly, secure, httpOnly bool
	expires                    time.Time // zero for a session cookie
	seq                        int
}

// NewJar returns an empty Jar.
func NewJar() *Jar { return &Jar{now: time.Now} }

// SetCookies keeps the cookies an answer from u set, replacing those of
// the same name, domain and path; an expired one deletes its match.
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	host := strings.ToLower(u.Hostname())
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	for _, c := range cookies {
		jc, ok := j.fromHTTP(c, host, u.EscapedPath(), now)
		if !ok {
			continue
		}
		i := slices.IndexFunc(j.cookies, func(o *jarCookie) bool {
			return o.name == jc.name && o.domain == jc.domain && o.path == jc.path
		})
		expired := !jc.expires.IsZero() && !jc.expires.After(now)
		switch {
		case i >= 0 && expired:
			j.cookies = slices.Delete(j.cookies, i, i+1)
		case i >= 0:
			jc.seq = j.cookies[i].seq // RFC 6265 §5.3 step 11: the old creation time
			j.cookies[i] = jc
		case !expired:
			j.seq++
			jc.seq = j.seq
			j.cookies = append(j.cookies, jc)
		}
	}
}

// fromHTTP is c as set by host for a request to path, or false when
// host may not set it.
func (j *Jar) fromHTTP(c *http.Cookie, host, path string, now time.Time) (*jarCookie, bool) {
	if c.Name == "" {
		return nil, false
	}
	jc := &jarCookie{name: c.Name, value: c.Value, secure: c.Secure, httpOnly: c.HttpOnly}
	switch d := strings.ToLower(strings.TrimPrefix(c.Domain, ".")); {
	case d == "":
		jc.domain, jc.hostOnly = host, true
	case d == host:
		jc.domain = d
	case net.ParseIP(host) != nil, !strings.HasSuffix(host, "."+d), !strings.Contains(d, "."):
		return nil, false
	default:
		jc.domain = d
	}
	jc.path = c.Path
	if !strings.HasPrefix(jc.path, "/") {
		jc.path = defaultPath(path)
	}
	switch {
	case c.MaxAge < 0:
		jc.expires = now.Add(-time.Second)
	case c.MaxAge > 0:
		jc.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
	case !c.Expires.IsZero():
		jc.expires = c.Expires
	}
	return jc, true
}

// defaultPath is RFC 6265 §5.1.4's default-path of a request's path:
// its directory.
func defaultPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// Cookies is what to send to u: cookies whose domain and path match it,
// Secure ones over https only, the longest paths first (RFC 6265 §5.4).
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	host := strings.ToLower(u.Hostname())
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	var match []*jarCookie
	for _, c := range j.cookies {
		if c.live(now) && c.domainMatch(host) && pathMatch(path, c.path) && (!c.secure || u.Scheme == "https") {
			match = append(match, c)
		}
	}
	slices.SortStableFunc(match, func(a, b *jarCookie) int {
		return cmp.Or(cmp.Compare(len(b.path), len(a.path)), cmp.Compare(a.seq, b.seq))
	})
	out := make([]*http.Cookie, len(match))
	for i, c := range match {
		out[i] = &http.Cookie{Name: c.name, Value: c.value}
	}
	return out
}

func (c *jarCookie) live(now time.Time) bool { return c.expires.IsZero() || c.expires.After(now) }

func (c *jarCookie) domainMatch(host string) bool {
	return host == c.domain || !c.hostOnly && strings.HasSuffix(host, "."+c.domain) && net.ParseIP(host) == nil
}

// pathMatch is RFC 6265 §5.1.4's path-match.
func pathMatch(path, cookiePath string) bool {
	rest, ok := strings.CutPrefix(path, cookiePath)
	return ok && (rest == "" || strings.HasSuffix(cookiePath, "/") || rest[0] == '/')
}

// Load adds the cookies of a Netscape cookie file: a line per cookie of
// seven tab-separated fields (domain, whether subdomains match, path,
// secure, expiry in Unix seconds or 0 for the session, name, value),
// #HttpOnly_ before the domain of an HttpOnly one. As curl does, it
// skips comments and lines it cannot read, and cookies already expired.
func (j *Jar) Load(r io.Reader) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		httpOnly := false
		if rest, ok := strings.CutPrefix(line, "#HttpOnly_"); ok {
			line, httpOnly = rest, true
		} else if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) == 6 {
			f = append(f, "") // curl writes an empty value so
		}
		if len(f) != 7 || f[0] == "" || f[5] == "" {
			continue
		}
		exp, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			continue
		}
		c := &jarCookie{
			name: f[5], value: f[6], domain: strings.ToLower(strings.TrimPrefix(f[0], ".")), path: f[2],
			hostOnly: f[1] != "TRUE", secure: f[3] == "TRUE", httpOnly: httpOnly,
		}
		if exp != 0 {
			c.expires = time.Unix(exp, 0)
		}
		if !c.live(now) || !strings.HasPrefix(c.path, "/") {
			continue
		}
		j.cookies = slices.DeleteFunc(j.cookies, func(o *jarCookie) bool {
			return o.name == c.name && o.domain == c.domain && o.path == c.path
		})
		j.seq++
		c.seq = j.seq
		j.cookies = append(j.cookies, c)
	}
	return sc.Err()
}

// Save writes the cookies still live, session cookies included (expiry
// 0), in the Netscape format Load reads, ordered by domain, path and name.
func (j *Jar) Save(w io.Writer) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	cookies := slices.Clone(j.cookies)
	slices.SortFunc(cookies, func(a, b *jarCookie) int {
		return cmp.Or(strings.Compare(a.domain, b.domain), strings.Compare(a.path, b.path), strings.Compare(a.name, b.name))
	})
	bw := bufio.NewWriter(w)
	bw.WriteString("# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n# This file was generated by roundtrip. Edit at your own risk.\n\n")
	for _, c := range cookies {
		if !c.live(now) {
			continue
		}
		domain, sub := c.domain, "FALSE"
		if !c.hostOnly {
			domain, sub = "."+c.domain, "TRUE"
		}
		if c.httpOnly {
			domain = "#HttpOnly_" + domain
		}
		var exp int64
		if !c.expires.IsZero() {
			exp = c.expires.Unix()
		}
		fmt.Fprintf(bw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", domain, sub, c.path, upperBool(c.secure), exp, c.name, c.value)
	}
	return bw.Flush()
}

func upperBool(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
