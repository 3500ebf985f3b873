package cert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// A local certificate authority, for roundtrip proxy --forward --mitm: it
// signs a certificate for each host a client tunnels to, so that the
// proxy can read what goes through, once the client trusts the CA.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 397 * 24 * time.Hour // browsers refuse leaves valid for longer than 398 days
	// maxLeaves bounds the certificates kept: past it the cache starts
	// again, and leaves are signed anew (a millisecond each).
	maxLeaves = 1024
	caFile    = "ca.pem"
	keyFile   = "ca-key.pem"
)

// CA is a certificate authority that signs leaves for hosts, caching them.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
}

// LoadCA loads the CA kept in dir (ca.pem, and ca-key.pem, 0600), or
// makes one there (dir 0700) when there is none, and reports whether it
// did. A damaged or mismatched pair is an error naming the files; it is
// never replaced silently, since clients trust it.
func LoadCA(dir string, now time.Time) (ca *CA, created bool, err error) {
	certPath, keyPath := filepath.Join(dir, caFile), filepath.Join(dir, keyFile)
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		if _, kerr := os.Stat(keyPath); kerr == nil {
			return nil, false, fmt.Errorf("the proxy's CA key %s has no certificate beside it; move it away to make a new CA", keyPath)
		}
		ca, err := newCA(now)
		if err != nil {
			return nil, false, err
		}
		return ca, true, ca.save(dir)
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the proxy's CA %s: %v", certPath, err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, false, fmt.Errorf("cannot read the proxy's CA key %s: %v; move %s away to make a new CA", keyPath, err, certPath)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, false, fmt.Errorf("the proxy's CA in %s is damaged (%v); move %s and %s away to make a new one", dir, err, caFile, keyFile)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || pair.Leaf == nil || !pair.Leaf.IsCA {
		return nil, false, fmt.Errorf("%s is not a CA made by roundtrip; move %s and %s away to make a new one", certPath, caFile, keyFile)
	}
	return &CA{cert: pair.Leaf, key: key, pem: certPEM, leaves: map[string]*tls.Certificate{}}, false, nil
}

func newCA(now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the CA's key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "roundtrip proxy CA", Organization: []string{"roundtrip (local, for TLS interception)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true, // it signs leaves, never other CAs
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("signing the CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), leaves: map[string]*tls.Certificate{}}, nil
}

// save writes the CA to dir: the key 0600, the certificate 0644, since
// clients are given it.
func (ca *CA) save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s for the proxy's CA: %v", dir, err)
	}
	der, err := x509.MarshalECPrivateKey(ca.key)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, keyFile), keyPEM, 0o600); err != nil {
		return fmt.Errorf("cannot write the proxy's CA key: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, caFile), ca.pem, 0o644); err != nil {
		return fmt.Errorf("cannot write the proxy's CA: %v", err)
	}
	return nil
}

// PEM is the CA's certificate, for clients to trust.
func (ca *CA) PEM() []byte { return ca.pem }

// Leaf returns a certificate for host (a name or an IP address) signed by
// the CA, made on first use and cached.
func (ca *CA) Leaf(host string, now time.Time) (*tls.Certificate, error) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leaves[host]; ok && now.Before(c.Leaf.NotAfter) {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host, Organization: []string{"roundtrip proxy (intercepted)"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if len(ca.leaves) >= maxLeaves {
		clear(ca.leaves)
	}
	c := &tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}
	ca.leaves[host] = c
	return c, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	return n, nil
}
