package bench

import (
	"errors"
	"testing"
	"time"
)

func TestParseThreshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want Threshold
	}{
		{"p99>50ms", Threshold{Metric: "p99", Op: ">", Limit: float64(50 * time.Millisecond)}},
		{" p99.9 >= 1.5s ", Threshold{Metric: "p99.9", Op: ">=", Limit: float64(1500 * time.Millisecond)}},
		{"P50<=200us", Threshold{Metric: "p50", Op: "<=", Limit: float64(200 * time.Microsecond)}},
		{"errors>0.1%", Threshold{Metric: "errors", Op: ">", Limit: 0.1, Percent: true}},
		{"errors>5", Threshold{Metric: "errors", Op: ">", Limit: 5}},
		{"rps<10000", Threshold{Metric: "rps", Op: "<", Limit: 10000}},
		{"requests < 1e3", Threshold{Metric: "requests", Op: "<", Limit: 1000}},
		{"max>1m", Threshold{Metric: "max", Op: ">", Limit: float64(time.Minute)}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, err := ParseThreshold(tt.expr)
			tt.want.Expr = tt.expr
			if err != nil || got != tt.want {
				t.Errorf("ParseThreshold(%q) = %+v, %v; want %+v", tt.expr, got, err, tt.want)
			}
		})
	}
}

func TestParseThresholdErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		wantCol int
		wantMsg string
	}{
		{"", 1, "expected a metric"},
		{">5", 1, "expected a metric"},
		{"p98>5ms", 1, `unknown metric "p98"`},
		{"p99=5ms", 4, "expected <, <=, > or >= after p99"},
		{"p99>", 5, "expected a value after >"},
		{"p99>>50ms", 5, `">50ms" is not a duration`},
		{"p99>50", 5, `"50" is not a duration, such as 50ms`},
		{"errors>101%", 8, `"101%" is not a percentage`},
		{"rps<lots", 5, `"lots" is not a number`},
		{"  rps < -3", 9, `"-3" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			_, err := ParseThreshold(tt.expr)
			var te *ThresholdError
			if !errors.As(err, &te) {
				t.Fatalf("ParseThreshold(%q) error = %v; want a ThresholdError", tt.expr, err)
			}
			if te.Col != tt.wantCol || len(te.Msg) < len(tt.wantMsg) || te.Msg[:len(tt.wantMsg)] != tt.wantMsg {
				t.Errorf("ParseThreshold(%q) = column %d, %q; want column %d, %q…", tt.expr, te.Col, te.Msg, tt.wantCol, tt.wantMsg)
			}
		})
	}
}

func TestThresholdCheck(t *testing.T) {
	t.Parallel()
	// 997 responses and 3 errors in 2s: 498.5 req/s, 0.3% errors.
	s := &Summary{Requests: 997, Errors: 3, Elapsed: 2 * time.Second,
		Latency: Latency{P50: 2 * time.Millisecond, P99: 73210 * time.Microsecond, Max: time.Second}}
	tests := []struct {
		expr       string
		wantFailed bool
		wantText   string
	}{
		{"p99>50ms", true, "FAILED p99>50ms: p99 was 73.21ms, 23.21ms over 50.00ms"},
		{"p99>100ms", false, "passed p99>100ms: p99 was 73.21ms"},
		{"p50>=2ms", true, "FAILED p50>=2ms: p50 was 2.00ms, at the limit"},
		{"errors>0.1%", true, "FAILED errors>0.1%: errors was 0.30%, 0.20% over 0.10%"},
		{"errors>3", false, "passed errors>3: errors was 3"},
		{"errors>=3", true, "FAILED errors>=3: errors was 3, at the limit"},
		{"rps<10000", true, "FAILED rps<10000: rps was 498.50, 9,501.50 under 10,000.00"},
		{"requests<100", false, "passed requests<100: requests was 997"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			th, err := ParseThreshold(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			o := th.Check(s)
			if o.Failed != tt.wantFailed || o.String() != tt.wantText {
				t.Errorf("Check(%q) = %v, %q; want %v, %q", tt.expr, o.Failed, o.String(), tt.wantFailed, tt.wantText)
			}
		})
	}
}
