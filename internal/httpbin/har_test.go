package httpbin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestHARValidates exports a HAR of every compatibility case, one exchange
// per endpoint and edge case, and checks it with har-validator (npm), the
// field's own schema check.
func TestHARValidates(t *testing.T) {
	t.Parallel()
	validate := harValidator(t)
	base := servetest.Roundtrip(t, server.Config{})
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cases := compatCases()
	for _, c := range cases {
		send(t, client, base, c)
	}
	res, err := client.Get(base + "/_roundtrip/api/har")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	doc, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /_roundtrip/api/har = %d, %v", res.StatusCode, err)
	}
	var har struct {
		Log struct {
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(doc, &har); err != nil {
		t.Fatalf("the HAR is not JSON: %v", err)
	}
	if got := len(har.Log.Entries); got != len(cases) {
		t.Errorf("the HAR has %d entries; want %d, one per request sent", got, len(cases))
	}
	cmd := exec.Command("node", validate)
	cmd.Stdin = bytes.NewReader(doc)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("har-validator refused the HAR of %d exchanges (%v):\n%s", len(har.Log.Entries), err, stderr.String())
	}
}

// harValidator returns the path of testdata/har/validate.js, once node and
// its har-validator are installed (npm ci, as .ci/run does).
func harValidator(t *testing.T) string {
	t.Helper()
	const install = "npm ci --prefix internal/httpbin/testdata/har"
	_, errNode := exec.LookPath("node")
	_, errMod := os.Stat(filepath.Join("testdata", "har", "node_modules", "har-validator"))
	if errNode == nil && errMod == nil {
		return filepath.Join("testdata", "har", "validate.js")
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("node or har-validator is missing; CI must install them (apt-get install nodejs; %s)", install)
	}
	t.Skipf("node or har-validator is not installed; to run this test: %s", install)
	return ""
}
