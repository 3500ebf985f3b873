package httpbin

import "net/http"

// PLACEHOLDER file: caching.

func (b *Bin) Cache() http.Handler { return todo() }

func (b *Bin) CacheFor() http.Handler { return todo() }

func (b *Bin) ETag() http.Handler { return todo() }

func (b *Bin) ResponseHeaders() http.Handler { return todo() }
