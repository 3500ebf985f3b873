package httpbin

import "net/http"

// PLACEHOLDER file: status codes and failure.

func (b *Bin) Status(allow string) http.Handler { return todo() }

func (b *Bin) Unstable() http.Handler { return todo() }
