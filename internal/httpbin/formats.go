package httpbin

import "net/http"

// PLACEHOLDER file: formats.

func (b *Bin) JSON() http.Handler { return todo() }

func (b *Bin) JSONL() http.Handler { return todo() }

func (b *Bin) XML() http.Handler { return todo() }

func (b *Bin) HTML() http.Handler { return todo() }

func (b *Bin) Robots() http.Handler { return todo() }

func (b *Bin) Deny() http.Handler { return todo() }

func (b *Bin) UTF8() http.Handler { return todo() }

func (b *Bin) Gzip() http.Handler { return todo() }

func (b *Bin) Deflate() http.Handler { return todo() }

func (b *Bin) Brotli() http.Handler { return todo() }

func (b *Bin) FormsPost() http.Handler { return todo() }

func (b *Bin) Image() http.Handler { return todo() }

func (b *Bin) ImageKind() http.Handler { return todo() }
