package httpbin

import "net/http"

// PLACEHOLDER file: the request described back: methods, inspection, uploads.

func (b *Bin) Get() http.Handler { return todo() }

func (b *Bin) Body() http.Handler { return todo() }

func (b *Bin) Anything() http.Handler { return todo() }

func (b *Bin) Headers() http.Handler { return todo() }

func (b *Bin) IP() http.Handler { return todo() }

func (b *Bin) UserAgent() http.Handler { return todo() }

func (b *Bin) DumpRequest() http.Handler { return todo() }

func (b *Bin) Hostname() http.Handler { return todo() }

func (b *Bin) Env() http.Handler { return todo() }

func (b *Bin) Version() http.Handler { return todo() }

func (b *Bin) Upload() http.Handler { return todo() }
