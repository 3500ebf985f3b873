package httpbin

import "net/http"

// PLACEHOLDER file: authentication.

func (b *Bin) BasicAuth() http.Handler { return todo() }

func (b *Bin) HiddenBasicAuth() http.Handler { return todo() }

func (b *Bin) Bearer() http.Handler { return todo() }

func (b *Bin) DigestAuth() http.Handler { return todo() }
