package httpbin

import "net/http"

// PLACEHOLDER file: streaming protocols.

func (b *Bin) SSE() http.Handler { return todo() }

func (b *Bin) WebSocketEcho() http.Handler { return todo() }

func (b *Bin) Trailers() http.Handler { return todo() }
