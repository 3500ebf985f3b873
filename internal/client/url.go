package client

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// ParseURL parses raw as an http:// or https:// URL with a host and a
// port a connection can go to: one the client can send a request to.
// request, greet, lab and bench all check their URLs with it. Its errors
// name what is wrong.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL after "parse"; its Err says what is wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%q is not a valid URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", raw)
	}
	// url.Parse takes any digits as a port; a dial fails on them later.
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%q: port out of range: %s (1 to 65535)", raw, p)
		}
	}
	return u, nil
}
