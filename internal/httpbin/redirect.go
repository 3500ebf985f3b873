package httpbin

import "net/http"

// PLACEHOLDER file: redirects.

func (b *Bin) Redirect() http.Handler { return todo() }

func (b *Bin) RelativeRedirect() http.Handler { return todo() }

func (b *Bin) AbsoluteRedirect() http.Handler { return todo() }

func (b *Bin) RedirectTo() http.Handler { return todo() }
