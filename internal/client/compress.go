package client

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
)

// acceptEncoding is what Config.Decompress asks for: the codings the
// standard library decodes (brotli and zstd would need a dependency).
const acceptEncoding = "gzip, deflate"

// decoded is body read through decoders for codings, the Content-Encoding
// header's values in the order they were applied. A body with a coding
// other than gzip, x-gzip, deflate and identity is left as it came, that
// coding named in the second result: half-decoded bytes would be neither.
func decoded(body io.ReadCloser, codings []string) (io.ReadCloser, string) {
	var order []string
	for _, v := range codings {
		for c := range strings.SplitSeq(v, ",") {
			switch c = strings.ToLower(strings.TrimSpace(c)); c {
			case "", "identity":
			case "gzip", "x-gzip", "deflate":
				order = append(order, c)
			default:
				return body, c
			}
		}
	}
	if len(order) == 0 {
		return body, ""
	}
	return &decodedBody{raw: &watchedReader{r: body}, body: body, codings: order}, ""
}

// decodedBody decodes a coded body as it is read. Its decoders are made
// at the first Read, which waits for the body's first bytes: an empty
// body (a HEAD's, a 204's) is empty, not a broken gzip stream.
type decodedBody struct {
	raw     *watchedReader
	body    io.Closer
	codings []string
	r       io.Reader // nil until the first Read
	err     error     // the decoders' making failed
}

func (d *decodedBody) Read(p []byte) (int, error) {
	if d.r == nil && d.err == nil {
		d.r, d.err = d.decoders()
	}
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	return n, d.explain(err)
}

// decoders chains a decoder for each coding, the last applied first.
func (d *decodedBody) decoders() (io.Reader, error) {
	var r io.Reader = d.raw
	for i := len(d.codings) - 1; i >= 0; i-- {
		br := bufio.NewReader(r)
		if _, err := br.Peek(1); err != nil {
			return nil, d.explain(err) // io.EOF: an empty body
		}
		var err error
		switch d.codings[i] {
		case "deflate":
			r, err = inflater(br)
		default:
			r, err = gzip.NewReader(br)
		}
		if err != nil {
			return nil, d.explain(err)
		}
	}
	return r, nil
}

// inflater reads deflate as RFC 9110 §8.4.1.2 defines it, the zlib
// format, or raw deflate, which some servers send instead, as browsers
// and curl accept: a zlib stream opens with a header whose two bytes are
// a multiple of 31 and name method 8.
func inflater(br *bufio.Reader) (io.Reader, error) {
	if h, err := br.Peek(2); err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// explain keeps the transport's errors as they are, for Stream to
// describe, and makes a decoder's own a DecodeError.
func (d *decodedBody) explain(err error) error {
	switch {
	case err == nil, err == io.EOF:
		return err
	case d.raw.err != nil:
		return d.raw.err
	}
	return &DecodeError{Coding: strings.Join(d.codings, ", "), err: err}
}

func (d *decodedBody) Close() error { return d.body.Close() }

// watchedReader notes its reader's first error other than io.EOF.
type watchedReader struct {
	r   io.Reader
	err error
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}

// DecodeError is a coded body that does not decode, such as one whose
// Content-Encoding says gzip but whose bytes are not.
type DecodeError struct {
	Coding string
	err    error
}

func (e *DecodeError) Error() string {
	msg := e.err.Error()
	for _, p := range []string{"gzip: ", "zlib: ", "flate: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	if errors.Is(e.err, io.ErrUnexpectedEOF) {
		msg = "it ends early"
	}
	return fmt.Sprintf("the %s-coded body does not decode: %s", e.Coding, msg)
}

func (e *DecodeError) Unwrap() error { return e.err }
