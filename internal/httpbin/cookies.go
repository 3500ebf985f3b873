package httpbin

import "net/http"

// PLACEHOLDER file: cookies.

func (b *Bin) Cookies() http.Handler { return todo() }

func (b *Bin) SetCookies() http.Handler { return todo() }

func (b *Bin) DeleteCookies() http.Handler { return todo() }
