package server

import (
	"fmt"
	"net/http"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

// maxNameBytes bounds a greeting's name; a name is a word or three, not a payload.
const maxNameBytes = 1024

type greeting struct {
	Message string `json:"message"`
}

// handleGreeting is the lesson's GET /api/greeting?name=Alice. Unlike the
// lesson's template string, the name is percent-decoded and validated.
func handleGreeting() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			problem.Write(w, r, problem.New(http.StatusBadRequest,
				"The query string is malformed: use name=VALUE and percent-encode special characters (%%26 for &, %%25 for %%)."))
			return
		}
		name, p := checkName(query.Get("name"))
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		httpjson.Write(w, http.StatusOK, greeting{Message: "Hello, " + name + "!"})
	})
}

// handleGreetingJSON is POST /api/greeting with a body such as {"name":"Bob"}.
func handleGreetingJSON() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := requireJSON(r); p != nil {
			problem.Write(w, r, p)
			return
		}
		body, p := reqbody.Read(w, r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		var in struct {
			Name string `json:"name"`
		}
		if p := decodeJSON(body, &in); p != nil {
			problem.Write(w, r, p)
			return
		}
		name, p := checkName(in.Name)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		httpjson.Write(w, http.StatusOK, greeting{Message: "Hello, " + name + "!"})
	})
}

// checkName defaults an empty name to World and refuses names that would
// garble a greeting: invalid UTF-8, control characters, or too long.
func checkName(name string) (string, *problem.Details) {
	if name == "" {
		return "World", nil
	}
	if len(name) > maxNameBytes {
		return "", problem.New(http.StatusBadRequest, "The name is %d bytes long; the limit is %d.", len(name), maxNameBytes)
	}
	if !utf8.ValidString(name) {
		return "", problem.New(http.StatusBadRequest, "The name is not valid UTF-8.")
	}
	for i, c := range name {
		if unicode.IsControl(c) {
			return "", problem.New(http.StatusBadRequest, "The name contains the control character %s at byte %d; names are printable text.", runeName(c), i)
		}
	}
	return name, nil
}

func runeName(c rune) string {
	switch c {
	case '\r':
		return "U+000D (carriage return)"
	case '\n':
		return "U+000A (line feed)"
	case '\t':
		return "U+0009 (tab)"
	case 0:
		return "U+0000 (NUL)"
	}
	return fmt.Sprintf("U+%04X", c)
}
