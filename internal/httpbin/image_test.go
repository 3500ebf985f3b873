package httpbin_test

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the decoders image.DecodeConfig needs
	_ "image/png"
	"net/http"
	"os"
	"testing"
)

// imageSize is the picture's width and height in every type.
const imageSize = 64

func TestImageKinds(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	tests := []struct {
		kind, contentType string
		size              func([]byte) (int, int, error)
	}{
		{"png", "image/png", decodedSize},
		{"jpeg", "image/jpeg", decodedSize},
		{"webp", "image/webp", webpSize},
		{"svg", "image/svg+xml", svgSize},
		{"avif", "image/avif", avifSize},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			path := "/image/" + tt.kind
			res, body := get(t, dataClient, "GET", base+path, nil)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tt.contentType || res.ContentLength != int64(len(body)) {
				t.Fatalf("GET %s = %d, %q, Content-Length %d of %d; want 200 %s", path, res.StatusCode, res.Header.Get("Content-Type"), res.ContentLength, len(body), tt.contentType)
			}
			w, h, err := tt.size(body)
			if err != nil || w != imageSize || h != imageSize {
				t.Errorf("GET %s: a %dx%d picture (%v); want %dx%d", path, w, h, err, imageSize, imageSize)
			}
			file, err := os.ReadFile("images/image." + tt.kind)
			if err != nil || !bytes.Equal(body, file) {
				t.Errorf("GET %s: %d bytes; want images/image.%s's %d (%v)", path, len(body), tt.kind, len(file), err)
			}
		})
	}
	for _, kind := range []string{"gif", "jpg", "PNG", "image.png", "svg+xml"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/image/"+kind, nil)
			wantProblem(t, "GET /image/"+kind, res, body, http.StatusNotFound, "png, webp, svg, jpeg, avif")
		})
	}
}

func decodedSize(b []byte) (int, int, error) {
	c, _, err := image.DecodeConfig(bytes.NewReader(b))
	return c.Width, c.Height, err
}

// webpSize reads a lossless WebP's size: a RIFF file of form WEBP whose
// one chunk, VP8L, starts with the signature 0x2f and the width and height
// less one, in 14 bits each (RFC 9649).
func webpSize(b []byte) (int, int, error) {
	if len(b) < 25 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" || string(b[12:16]) != "VP8L" || b[20] != 0x2f {
		return 0, 0, errors.New("not a lossless WebP")
	}
	if riff := binary.LittleEndian.Uint32(b[4:8]); int(riff) != len(b)-8 {
		return 0, 0, fmt.Errorf("RIFF size %d; the file has %d bytes after it", riff, len(b)-8)
	}
	if chunk := binary.LittleEndian.Uint32(b[16:20]); int(chunk)+20+int(chunk&1) != len(b) {
		return 0, 0, fmt.Errorf("VP8L chunk of %d bytes in a file of %d", chunk, len(b))
	}
	bits := binary.LittleEndian.Uint32(b[21:25])
	return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
}

func svgSize(b []byte) (int, int, error) {
	var v struct {
		XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
		Width   int      `xml:"width,attr"`
		Height  int      `xml:"height,attr"`
	}
	err := xml.Unmarshal(b, &v)
	return v.Width, v.Height, err
}

// avifSize reads an AVIF's size from its ispe box (ISO/IEC 23008-12),
// after checking that its ftyp box names the avif brand.
func avifSize(b []byte) (int, int, error) {
	if len(b) < 12 || string(b[4:8]) != "ftyp" || string(b[8:12]) != "avif" {
		return 0, 0, errors.New("not an AVIF")
	}
	i := bytes.Index(b, []byte("ispe"))
	if i < 0 || len(b) < i+16 {
		return 0, 0, errors.New("no ispe box")
	}
	return int(binary.BigEndian.Uint32(b[i+8:])), int(binary.BigEndian.Uint32(b[i+12:])), nil
}

func TestImageNegotiation(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	tests := []struct {
		accept string
		want   string
	}{
		{"", "image/png"},
		{"*/*", "image/png"},
		{"image/*", "image/png"},
		{"image/png", "image/png"},
		{"image/webp", "image/webp"},
		{"image/svg+xml", "image/svg+xml"},
		{"image/jpeg", "image/jpeg"},
		{"image/avif", "image/avif"},
		{"IMAGE/JPEG", "image/jpeg"},
		{"text/html, image/jpeg;q=0.5", "image/jpeg"},
		{"image/webp;q=0.9, image/jpeg", "image/jpeg"},
		{"image/*;q=0.5, image/webp", "image/webp"},
		{"image/png;q=0, image/*", "image/webp"},
		{"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image/png"}, // a browser's <img>
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "image/png"},  // a browser's navigation
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/image", http.Header{"Accept": {tt.accept}})
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tt.want || len(body) == 0 {
				t.Errorf("GET /image with Accept %q = %d, %q; want 200 %s", tt.accept, res.StatusCode, res.Header.Get("Content-Type"), tt.want)
			}
			if res.Header.Get("Vary") != "Accept" {
				t.Errorf("GET /image: Vary %q; want Accept", res.Header.Get("Vary"))
			}
		})
	}
	t.Run("a browser's page", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "GET", base+"/image", http.Header{"Accept": {"text/html"}})
		if res.StatusCode != http.StatusNotAcceptable || !bytes.Contains(body, []byte("image/png, image/webp")) {
			t.Errorf("GET /image with Accept text/html = %d %q; want 406 naming the types", res.StatusCode, body)
		}
	})
	for _, accept := range []string{"text/html;q=0.9, application/json", "application/json", "image/gif", "image/*;q=0", "*/*;q=0"} {
		t.Run(accept, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/image", http.Header{"Accept": {accept}})
			wantProblem(t, "GET /image with Accept "+accept, res, body, http.StatusNotAcceptable, "image/png, image/webp, image/svg+xml, image/jpeg, image/avif")
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "HEAD", base+"/image", http.Header{"Accept": {"image/webp"}})
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Type") != "image/webp" {
			t.Errorf("HEAD /image = %d, %d bytes, %q; want 200, none, image/webp", res.StatusCode, len(body), res.Header.Get("Content-Type"))
		}
	})
}
