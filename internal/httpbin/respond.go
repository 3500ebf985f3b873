package httpbin

import "net/http"

// PLACEHOLDER file: the composable endpoint.

func (b *Bin) Respond() http.Handler { return todo() }
