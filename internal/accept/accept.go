// Package accept reads the Accept header's preferences (RFC 9110 §12.5.1):
// one parser for the problem writer's HTML-or-JSON choice and for the
// endpoints that negotiate a type.
package accept

import (
	"strconv"
	"strings"
)

// Quality is the q-value header gives mediaType (such as "image/png"),
// from the most specific media range that matches it. An empty header
// takes anything: 1.
func Quality(header, mediaType string) float64 {
	if strings.TrimSpace(header) == "" {
		return 1
	}
	typ, sub, _ := strings.Cut(mediaType, "/")
	q, specificity := 0.0, -1
	for part := range strings.SplitSeq(header, ",") {
		mediaRange, params, _ := strings.Cut(part, ";")
		t, s, _ := strings.Cut(strings.TrimSpace(mediaRange), "/")
		var spec int
		switch {
		case strings.EqualFold(t, typ) && strings.EqualFold(s, sub):
			spec = 2
		case strings.EqualFold(t, typ) && s == "*":
			spec = 1
		case t == "*" && s == "*":
			spec = 0
		default:
			continue
		}
		if spec <= specificity {
			continue
		}
		specificity, q = spec, 1
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
	}
	return q
}
