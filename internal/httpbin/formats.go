package httpbin

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/problem"
)

// The formats: fixed documents of each common type, the request described
// in each content coding, and the same picture in each image type.

type slide struct {
	Title string   `json:"title"`
	Type  string   `json:"type"`
	Items []string `json:"items,omitempty"`
}

type slideshow struct {
	Author string  `json:"author"`
	Date   string  `json:"date"`
	Slides []slide `json:"slides"`
	Title  string  `json:"title"`
}

// sample is /json's document: httpbin's slide show, which clients' tests
// read back by these names.
var sample = struct {
	Slideshow slideshow `json:"slideshow"`
}{slideshow{
	Author: "Yours Truly",
	Date:   "date of publication",
	Slides: []slide{
		{Title: "Wake up to WonderWidgets!", Type: "all"},
		{Title: "Overview", Type: "all", Items: []string{"Why <em>WonderWidgets</em> are great", "Who <em>buys</em> WonderWidgets"}},
	},
	Title: "Sample Slide Show",
}}

// JSON answers /json with a sample JSON document.
func (b *Bin) JSON() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, sample)
	})
}

// JSONL answers /jsonl?count=&duration=&delay=&jitter=&seed=: count lines
// (10 unless asked) of JSON, each the request described and its "id",
// spread over duration after delay, each pause varied by ±jitter (0 to 1).
func (b *Bin) JSONL() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pc, p := parsePacing(r, pacing{count: 10}, false)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		if !sleep(r, pc.delay) {
			return // the client left
		}
		pause := pausePerWrite(pc.duration, pc.count)
		b.streamLines(w, r, pc.count, func() time.Duration { return jittered(pause, pc.jitter, pc.rand) })
	})
}

const sampleXML = `<?xml version="1.0" encoding="UTF-8"?>
<!-- A sample set of slides -->
<slideshow title="Sample Slide Show" date="Date of publication" author="Yours Truly">
  <!-- the title slide -->
  <slide type="all">
    <title>Wake up to WonderWidgets!</title>
  </slide>
  <!-- the overview -->
  <slide type="all">
    <title>Overview</title>
    <item>Why <em>WonderWidgets</em> are great</item>
    <item/>
    <item>Who <em>buys</em> WonderWidgets</item>
  </slide>
</slideshow>
`

// XML answers /xml with a sample XML document.
func (b *Bin) XML() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/xml", []byte(sampleXML))
	})
}

const sampleHTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Moby-Dick</title>
  </head>
  <body>
    <h1>Herman Melville - Moby-Dick</h1>
    <div>
      <p>
        Call me Ishmael. Some years ago, never mind how long precisely, having
        little or no money in my purse, and nothing particular to interest me on
        shore, I thought I would sail about a little and see the watery part of
        the world. It is a way I have of driving off the spleen and regulating
        the circulation.
      </p>
      <p>
        There now is your insular city of the Manhattoes, belted round by
        wharves as Indian isles by coral reefs; commerce surrounds it with her
        surf. Right and left, the streets take you waterward.
      </p>
    </div>
  </body>
</html>
`

// HTML answers /html with a sample HTML page: the opening of Moby-Dick,
// under the heading httpbin's page has.
func (b *Bin) HTML() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, htmlType, []byte(sampleHTML))
	})
}

// Robots answers /robots.txt: robots keep out of /deny.
func (b *Bin) Robots() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, textType, []byte("User-agent: *\nDisallow: /deny\n"))
	})
}

// Deny answers /deny, the page robots.txt keeps robots out of.
func (b *Bin) Deny() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, textType, []byte("YOU SHOULDN'T BE HERE\n"))
	})
}

const utf8Page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>UTF-8 demo</title>
</head>
<body>
<h1>Unicode Demo</h1>
<p>Every line below is UTF-8, from one byte a character to four.</p>
<pre>
ASCII           The quick brown fox jumps over the lazy dog. 0123456789 !?&amp;
Latin           Voix ambiguë d’un cœur qui, au zéphyr, préfère les jattes de kiwis.
German          Falsches Üben von Xylophonmusik quält jeden größeren Zwerg.
Icelandic       Kæmi ný öxi hér, ykist þjófum nú bæði víl og ádrepa.
Polish          Pchnąć w tę łódź jeża lub ośm skrzyń fig.
Greek           Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.
Russian         Съешь же ещё этих мягких французских булок, да выпей чаю.
Hebrew          דג סקרן שט בים מאוכזב ולפתע מצא חברה
Arabic          نص حكيم له سر قاطع وذو شأن عظيم
Hindi           ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले
Thai            เป็นมนุษย์สุดประเสริฐเลิศคุณค่า
Japanese        いろはにほへと ちりぬるを わかよたれそ つねならむ
Chinese         天地玄黄，宇宙洪荒。
Korean          키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다.
Math            ∀x∈ℝ: ⌈x⌉ = −⌊−x⌋, ∑ᵢ₌₁ⁿ i = n(n+1)/2, ∮ E⋅da = Q/ε₀
Arrows, boxes   ← ↑ → ↓ ↔ ⇒ ┌─┬─┐ │ │ │ └─┴─┘ ░▒▓█
Currency        $ € £ ¥ ₹ ₩ ₿
Emoji           🙂 🌍 🚀 👩‍💻 🇮🇸
Combining       é (e + U+0301), ñ (n + U+0303)
</pre>
</body>
</html>
`

// UTF8 answers /encoding/utf8 with a page of text in many scripts.
func (b *Bin) UTF8() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, htmlType, []byte(utf8Page))
	})
}

// coded is the request described, in a content coding, as go-httpbin's
// /gzip and /deflate answer it and httpbin's /brotli did.
type coded struct {
	request
	Gzipped  bool `json:"gzipped,omitempty"`
	Deflated bool `json:"deflated,omitempty"`
	Brotli   bool `json:"brotli,omitempty"`
}

// compressed answers with v as JSON in the content coding coding, made by
// newWriter, whatever Accept-Encoding says: decoding it is the test.
func compressed(w http.ResponseWriter, coding string, newWriter func(io.Writer) io.WriteCloser, v any) {
	var buf bytes.Buffer
	zw := newWriter(&buf)
	_ = json.NewEncoder(zw).Encode(v) // cannot fail: a buffer, and a value that encodes
	_ = zw.Close()
	w.Header().Set("Content-Encoding", coding)
	w.Header().Add("Vary", "Accept-Encoding")
	writeDoc(w, "application/json", buf.Bytes())
}

// Gzip answers /gzip: the request described, gzip-coded.
func (b *Bin) Gzip() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		compressed(w, "gzip", func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }, coded{request: b.describe(r), Gzipped: true})
	})
}

// Deflate answers /deflate: the request described, deflate-coded, which
// RFC 9110 §8.4.1.2 defines as the zlib format, not raw deflate.
func (b *Bin) Deflate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		compressed(w, "deflate", func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }, coded{request: b.describe(r), Deflated: true})
	})
}

// Brotli answers /brotli: the request described, br-coded (RFC 7932), by
// the brotli package's newer encoder, which adds a sixth of what its
// classic one does to the binary.
func (b *Bin) Brotli() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		compressed(w, "br", func(w io.Writer) io.WriteCloser { return brotli.NewWriterV2(w, 6) }, coded{request: b.describe(r), Brotli: true})
	})
}

const formsPostPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Order a pizza</title>
</head>
<body>
<h1>Order a pizza</h1>
<p>Submitting this form POSTs it to /post, which describes the request back.</p>
<form method="post" action="/post">
  <p><label>Customer name: <input name="custname"></label></p>
  <p><label>Telephone: <input type="tel" name="custtel"></label></p>
  <p><label>E-mail address: <input type="email" name="custemail"></label></p>
  <fieldset>
    <legend>Pizza size</legend>
    <p><label><input type="radio" name="size" value="small"> Small</label></p>
    <p><label><input type="radio" name="size" value="medium"> Medium</label></p>
    <p><label><input type="radio" name="size" value="large"> Large</label></p>
  </fieldset>
  <fieldset>
    <legend>Pizza toppings</legend>
    <p><label><input type="checkbox" name="topping" value="bacon"> Bacon</label></p>
    <p><label><input type="checkbox" name="topping" value="cheese"> Extra cheese</label></p>
    <p><label><input type="checkbox" name="topping" value="onion"> Onion</label></p>
    <p><label><input type="checkbox" name="topping" value="mushroom"> Mushroom</label></p>
  </fieldset>
  <p><label>Preferred delivery time: <input type="time" min="11:00" max="21:00" step="900" name="delivery"></label></p>
  <p><label>Delivery instructions: <textarea name="comments"></textarea></label></p>
  <p><button>Submit order</button></p>
</form>
</body>
</html>
`

// FormsPost answers /forms/post with an HTML form that posts to /post.
func (b *Bin) FormsPost() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, htmlType, []byte(formsPostPage))
	})
}
