package cert

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadCA(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", "roundtrip")
	now := time.Now()
	ca, created, err := LoadCA(dir, now)
	if err != nil || !created {
		t.Fatalf("LoadCA(new dir) = %v, %v; want a new CA", created, err)
	}
	for name, want := range map[string]os.FileMode{keyFile: 0o600, caFile: 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, mode %v; want %v", name, err, fi.Mode().Perm(), want)
		}
	}
	again, created, err := LoadCA(dir, now)
	if err != nil || created || string(again.PEM()) != string(ca.PEM()) {
		t.Errorf("LoadCA again = created %v, %v, same %v; want the same CA back", created, err, string(again.PEM()) == string(ca.PEM()))
	}

	leaf, err := again.Leaf("shop.example", now)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.PEM())
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: "shop.example", Roots: roots, CurrentTime: now}); err != nil {
		t.Errorf("a leaf for shop.example does not verify against the CA: %v", err)
	}
	ip, err := again.Leaf("127.0.0.1", now)
	if err != nil || len(ip.Leaf.IPAddresses) != 1 || len(ip.Leaf.DNSNames) != 0 {
		t.Errorf("Leaf(127.0.0.1) = %+v, %v; want an IP address SAN", ip, err)
	}
	if cached, _ := again.Leaf("shop.example", now); cached != leaf {
		t.Error("Leaf(shop.example) twice made two certificates; want the cached one")
	}
	if d := leaf.Leaf.NotAfter.Sub(now); d > 398*24*time.Hour {
		t.Errorf("a leaf is valid for %v; browsers refuse more than 398 days", d)
	}

	os.WriteFile(filepath.Join(dir, keyFile), []byte("not a key"), 0o600)
	if _, _, err := LoadCA(dir, now); err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "move") {
		t.Errorf("LoadCA with a damaged key = %v; want an error saying it is damaged and what to do", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, caFile)); string(b) != string(ca.PEM()) {
		t.Error("LoadCA replaced a damaged CA's certificate; want it left as it is")
	}
}
