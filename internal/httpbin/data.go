package httpbin

import "net/http"

// PLACEHOLDER file: dynamic data.

func (b *Bin) Bytes() http.Handler { return todo() }

func (b *Bin) StreamBytes() http.Handler { return todo() }

func (b *Bin) Stream() http.Handler { return todo() }

func (b *Bin) Range() http.Handler { return todo() }

func (b *Bin) Drip() http.Handler { return todo() }

func (b *Bin) Delay() http.Handler { return todo() }

func (b *Bin) Links() http.Handler { return todo() }

func (b *Bin) Base64() http.Handler { return todo() }

func (b *Bin) UUID() http.Handler { return todo() }
