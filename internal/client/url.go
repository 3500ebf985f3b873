package client

import (
	"fmt"
	"net/url"
)

// ParseURL parses raw as an http:// or https:// URL with a host: one the
// client can send a request to. request, greet, lab and bench all check
// their URLs with it.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return u, nil
}
