package har

import (
	"fmt"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	const r = observe.Redacted
	tests := []struct {
		name  string
		edits []string
		got   func(e *Entry) any
		want  any
	}{
		{"URL", []string{`"url":"http://x/"`, `"url":"https://u:pw@x/cb?access_token=abc&page=2"`},
			func(e *Entry) any { return e.Request.URL }, "https://u:" + r + "@x/cb?access_token=" + r + "&page=2"},
		{"query string", []string{`"queryString":[]`, `"queryString":[{"name":"access_token","value":"abc"},{"name":"page","value":"2"},{"name":"KEY","value":"k"}]`},
			func(e *Entry) any { return fmt.Sprint(e.Request.QueryString) }, "[{access_token " + r + " <nil> map[]} {page 2 <nil> map[]} {KEY " + r + " <nil> map[]}]"},
		{"headers, in any case", []string{`"headers":[],"queryString"`,
			`"headers":[{"name":"authorization","value":"Bearer t"},{"name":"X-Api-Key","value":"k"},{"name":"cookie","value":"a=1"},{"name":"accept","value":"*/*"},` +
				`{"name":":path","value":"/x?token=t&a=1"},{"name":":authority","value":"x"},{"name":"Referer","value":"http://x/?token=t"}],"queryString"`},
			func(e *Entry) any { return fmt.Sprint(e.Request.Headers) },
			"[{authorization " + r + " <nil> map[]} {X-Api-Key " + r + " <nil> map[]} {cookie " + r + " <nil> map[]} {accept */* <nil> map[]} " +
				"{:path /x?token=" + r + "&a=1 <nil> map[]} {:authority x <nil> map[]} {Referer http://x/?token=t <nil> map[]}]"},
		{"response headers", []string{`"headers":[],"content"`, `"headers":[{"name":"set-cookie","value":"s=1"},{"name":"Location","value":"/x?token=t"}],"content"`},
			func(e *Entry) any { return fmt.Sprint(e.Response.Headers) }, "[{set-cookie " + r + " <nil> map[]} {Location /x?token=t <nil> map[]}]"},
		{"cookies", []string{`"cookies":[],"headers":[],"queryString"`, `"cookies":[{"name":"sid","value":"s","path":"/"}],"headers":[],"queryString"`,
			`"cookies":[],"headers":[],"content"`, `"cookies":[{"name":"sid","value":"s2","httpOnly":true}],"headers":[],"content"`},
			func(e *Entry) any {
				return fmt.Sprint(e.Request.Cookies[0].Name, e.Request.Cookies[0].Value, *e.Request.Cookies[0].Path, e.Response.Cookies[0].Value, *e.Response.Cookies[0].HTTPOnly)
			}, "sid" + r + "/" + r + "true"},
		{"form params", []string{`"queryString":[],`, `"queryString":[],"postData":{"mimeType":"multipart/form-data","params":[{"name":"password","value":"p"},{"name":"user","value":"u"},{"name":"pwd","fileName":"f"}]},`},
			func(e *Entry) any {
				ps := e.Request.PostData.Params
				return fmt.Sprint(*ps[0].Value, *ps[1].Value, ps[2].Value)
			}, r + "u<nil>"},
		{"urlencoded form", []string{`"queryString":[],`, `"queryString":[],"postData":{"mimeType":"application/x-www-form-urlencoded; charset=UTF-8","text":"user=u&password=p"},`},
			func(e *Entry) any { return *e.Request.PostData.Text }, "user=u&password=" + r},
		{"other bodies", []string{`"queryString":[],`, `"queryString":[],"postData":{"mimeType":"application/json","text":"{\"password\":\"p\"}"},`},
			func(e *Entry) any { return *e.Request.PostData.Text }, `{"password":"p"}`},
		{"redirectURL", []string{`"redirectURL":""`, `"redirectURL":"/x?token=t"`},
			func(e *Entry) any { return e.Response.RedirectURL }, "/x?token=t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := decodeEntry(t, tt.edits...)
			Redact(e)
			if got := tt.got(e); got != tt.want {
				t.Errorf("Redact(entry edited %q): %v; want %v", tt.edits, got, tt.want)
			}
			if _, err := e.MarshalJSON(); err != nil {
				t.Errorf("the redacted entry does not encode: %v", err)
			}
		})
	}
}
