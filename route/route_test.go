package route

import "testing"

func TestHandleRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		want         Response
	}{
		{"GET", "/hello", Response{200, "Hello, World!"}},
		{"GET", "/time", Response{200, "Current time"}},
		{"POST", "/echo", Response{200, "Echo received"}},

		// Unknown paths are 404 whatever the method.
		{"GET", "/", Response{404, "Not Found"}},
		{"GET", "/nope", Response{404, "Not Found"}},
		{"DELETE", "/nope", Response{404, "Not Found"}},
		{"get", "/nope", Response{404, "Not Found"}},
		{"", "", Response{404, "Not Found"}},
		{"GET", "/hello/", Response{404, "Not Found"}},
		{"GET", "/HELLO", Response{404, "Not Found"}},
		{"GET", "hello", Response{404, "Not Found"}},
		{"GET", "/echo/x", Response{404, "Not Found"}},

		// Known paths with another method are 405.
		{"POST", "/hello", Response{405, "Method Not Allowed"}},
		{"PUT", "/time", Response{405, "Method Not Allowed"}},
		{"GET", "/echo", Response{405, "Method Not Allowed"}},
		{"HEAD", "/hello", Response{405, "Method Not Allowed"}},
		{"", "/hello", Response{405, "Method Not Allowed"}},

		// Methods are case-sensitive (RFC 9110 §9.1).
		{"get", "/hello", Response{405, "Method Not Allowed"}},
		{"Post", "/echo", Response{405, "Method Not Allowed"}},

		// The query string plays no part in routing.
		{"GET", "/hello?x=1", Response{200, "Hello, World!"}},
		{"GET", "/time?", Response{200, "Current time"}},
		{"POST", "/echo?a=b&c", Response{200, "Echo received"}},
		{"POST", "/hello?x=1", Response{405, "Method Not Allowed"}},
		{"GET", "/nope?hello", Response{404, "Not Found"}},
		{"GET", "?/hello", Response{404, "Not Found"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			got := HandleRequest(Request{Method: tt.method, Path: tt.path})
			if got != tt.want {
				t.Errorf("HandleRequest(%q, %q) = %+v; want %+v", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func FuzzHandleRequest(f *testing.F) {
	for _, s := range [][2]string{{"GET", "/hello"}, {"POST", "/echo?x"}, {"get", "/time"}, {"", ""}, {"GET", "/hello/"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		got := HandleRequest(Request{Method: method, Path: path})
		switch got.Status {
		case 200, 404, 405:
		default:
			t.Fatalf("HandleRequest(%q, %q).Status = %d; want 200, 404 or 405", method, path, got.Status)
		}
		if got.Body == "" {
			t.Fatalf("HandleRequest(%q, %q).Body is empty", method, path)
		}
	})
}

func BenchmarkHandleRequest(b *testing.B) {
	reqs := []Request{{"GET", "/hello"}, {"POST", "/hello?x=1"}, {"GET", "/missing"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = HandleRequest(reqs[i%len(reqs)])
	}
}

func TestRoutesIsACopy(t *testing.T) {
	t.Parallel()
	got := Routes()
	got[0].Body = "changed"
	if Routes()[0].Body != "Hello, World!" {
		t.Errorf("changing Routes()' result changed the table: %+v", Routes())
	}
	for _, rt := range Routes() {
		if res := HandleRequest(Request{Method: rt.Method, Path: rt.Path}); res != (Response{200, rt.Body}) {
			t.Errorf("HandleRequest(%q, %q) = %+v; want 200 %q from the table", rt.Method, rt.Path, res, rt.Body)
		}
	}
}
