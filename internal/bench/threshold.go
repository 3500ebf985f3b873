package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Threshold is one --fail-if condition, such as p99>50ms, errors>0.1% or
// rps<10000: the run fails when it holds.
type Threshold struct {
	Expr    string
	Metric  string  // p50, p90, p99, p99.9, min, max, mean, errors, rps, requests
	Op      string  // <, <=, >, >=
	Limit   float64 // ns for a latency, a percentage with Percent, else a count or req/s
	Percent bool    // errors as a share of requests sent
}

// latencyMetrics are the metrics a duration bounds.
var latencyMetrics = map[string]func(Latency) time.Duration{
	"min":   func(l Latency) time.Duration { return l.Min },
	"p50":   func(l Latency) time.Duration { return l.P50 },
	"p90":   func(l Latency) time.Duration { return l.P90 },
	"p99":   func(l Latency) time.Duration { return l.P99 },
	"p99.9": func(l Latency) time.Duration { return l.P999 },
	"max":   func(l Latency) time.Duration { return l.Max },
	"mean":  func(l Latency) time.Duration { return l.Mean },
}

// ThresholdError is a --fail-if that does not parse; Col counts from 1.
type ThresholdError struct {
	Expr string
	Col  int
	Msg  string
}

func (e *ThresholdError) Error() string {
	return fmt.Sprintf("%q: at column %d: %s", e.Expr, e.Col, e.Msg)
}

// ParseThreshold parses METRIC OP VALUE; spaces between are allowed.
func ParseThreshold(expr string) (Threshold, error) {
	th := Threshold{Expr: expr}
	fail := func(at int, format string, args ...any) (Threshold, error) {
		return Threshold{}, &ThresholdError{Expr: expr, Col: at + 1, Msg: fmt.Sprintf(format, args...)}
	}
	i := 0
	skip := func() {
		for i < len(expr) && expr[i] == ' ' {
			i++
		}
	}
	skip()
	start := i
	for i < len(expr) && (isLetter(expr[i]) || isDigit(expr[i]) || expr[i] == '.') {
		i++
	}
	th.Metric = strings.ToLower(expr[start:i])
	switch _, latency := latencyMetrics[th.Metric]; {
	case th.Metric == "":
		return fail(start, "expected a metric: p50, p90, p99, p99.9, min, max, mean, errors, rps or requests")
	case latency, th.Metric == "errors", th.Metric == "rps", th.Metric == "requests":
	default:
		return fail(start, "unknown metric %q: use p50, p90, p99, p99.9, min, max, mean, errors, rps or requests", expr[start:i])
	}
	skip()
	opAt := i
	for _, op := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(expr[i:], op) {
			th.Op = op
			i += len(op)
			break
		}
	}
	if th.Op == "" {
		return fail(opAt, "expected <, <=, > or >= after %s", th.Metric)
	}
	skip()
	valAt := i
	val := strings.TrimRight(expr[i:], " ")
	if val == "" {
		return fail(valAt, "expected a value after %s", th.Op)
	}
	switch {
	case latencyMetrics[th.Metric] != nil:
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return fail(valAt, "%q is not a duration, such as 50ms", val)
		}
		th.Limit = float64(d)
	case th.Metric == "errors" && strings.HasSuffix(val, "%"):
		f, err := strconv.ParseFloat(strings.TrimSuffix(val, "%"), 64)
		if err != nil || f < 0 || f > 100 {
			return fail(valAt, "%q is not a percentage from 0%% to 100%%", val)
		}
		th.Limit, th.Percent = f, true
	default:
		f, err := strconv.ParseFloat(val, 64)
		if err != nil || f < 0 {
			return fail(valAt, "%q is not a number", val)
		}
		th.Limit = f
	}
	return th, nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// ThresholdJSON is one threshold's outcome.
type ThresholdJSON struct {
	Expr   string  `json:"expr"`
	Actual float64 `json:"actual"` // in the limit's unit: ms for a latency, % for errors>N%
	Limit  float64 `json:"limit"`
	Failed bool    `json:"failed"`
}

// Outcome is a threshold checked against a run.
type Outcome struct {
	Threshold
	Actual float64 // in Limit's unit
	Failed bool
}

// Check evaluates th on s.
func (th Threshold) Check(s *Summary) Outcome {
	var v float64
	switch th.Metric {
	case "errors":
		v = float64(s.Errors)
		if th.Percent {
			v = 100 * s.ErrorRate()
		}
	case "rps":
		v = s.RequestsPerSecond()
	case "requests":
		v = float64(s.Requests)
	default:
		v = float64(latencyMetrics[th.Metric](s.Latency))
	}
	var holds bool
	switch th.Op {
	case "<":
		holds = v < th.Limit
	case "<=":
		holds = v <= th.Limit
	case ">":
		holds = v > th.Limit
	case ">=":
		holds = v >= th.Limit
	}
	return Outcome{Threshold: th, Actual: v, Failed: holds}
}

// JSON is o for the report, latencies in milliseconds.
func (o Outcome) JSON() ThresholdJSON {
	j := ThresholdJSON{Expr: o.Expr, Actual: o.Actual, Limit: o.Limit, Failed: o.Failed}
	if latencyMetrics[o.Metric] != nil {
		j.Actual, j.Limit = exactMs(time.Duration(o.Actual)), exactMs(time.Duration(o.Limit))
	}
	return j
}

// String says what was measured and, for a failure, by how much the
// limit was passed: "p99 was 73.21ms, 23.21ms over 50ms".
func (o Outcome) String() string {
	f := func(v float64) string {
		switch {
		case latencyMetrics[o.Metric] != nil:
			return dur(time.Duration(v))
		case o.Percent:
			return strconv.FormatFloat(v, 'f', 2, 64) + "%"
		case o.Metric == "rps":
			return fixed(v)
		}
		return group(int64(v))
	}
	name := o.Metric
	if o.Percent {
		name = "errors"
	}
	if !o.Failed {
		return fmt.Sprintf("passed %s: %s was %s", o.Expr, name, f(o.Actual))
	}
	by, dir := o.Actual-o.Limit, "over"
	if by < 0 {
		by, dir = -by, "under"
	}
	if by == 0 {
		return fmt.Sprintf("FAILED %s: %s was %s, at the limit", o.Expr, name, f(o.Actual))
	}
	return fmt.Sprintf("FAILED %s: %s was %s, %s %s %s", o.Expr, name, f(o.Actual), f(by), dir, f(o.Limit))
}
