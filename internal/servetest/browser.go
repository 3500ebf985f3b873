package servetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium finds the browser the browser tests drive: $ROUNDTRIP_CHROMIUM,
// else Debian's chromium. Outside CI a missing browser skips the test,
// saying how to install it; under CI=true, which installs it, it fails.
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv("ROUNDTRIP_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	found, err := exec.LookPath(path)
	if err == nil {
		return found
	}
	msg := fmt.Sprintf("chromium not found at %s: install it with `apt-get install chromium`, or set ROUNDTRIP_CHROMIUM to its path", path)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Browser starts a headless chromium with a fresh profile until the test
// ends, and returns its context, bounded by timeout. Registered after the
// test's servers, it closes first.
func Browser(t testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first call starts the browser and must not carry the timeout, which
	// would outlive it; the timeout bounds everything after.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium at %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return ctx
}
