package cull

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// writeCert makes a key and a certificate signed by parent (self-signed when
// parent is nil) and writes them as PEM.
func writeCert(t *testing.T, certPath, keyPath string, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if keyPath != "" {
		kb, _ := x509.MarshalECPrivateKey(key)
		if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cert, key
}

// TestInternalTLS runs a pass through a TLS front that, like the Hub with
// internal_ssl, demands a client certificate signed by the internal CA; the
// certificates sit where --internal-certs-location points.
func TestInternalTLS(t *testing.T) {
	dir := t.TempDir()
	serial := int64(1)
	tmpl := func(cn string, ca bool) *x509.Certificate {
		serial++
		c := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		if ca {
			c.IsCA, c.BasicConstraintsValid = true, true
		}
		return c
	}
	ca, caKey := writeCert(t, filepath.Join(dir, "hub-ca", "hub-ca.crt"), "", tmpl("hub-ca", true), nil, nil)
	writeCert(t, filepath.Join(dir, "hub-internal", "hub-internal.crt"), filepath.Join(dir, "hub-internal", "hub-internal.key"), tmpl("hub-internal", false), ca, caKey)
	srvCert, srvKey := writeCert(t, filepath.Join(dir, "server.crt"), "", tmpl("127.0.0.1", false), ca, caKey)

	h := newHub(t, fakehub.Options{})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	front := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(backend))
	front.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: pool,
	}
	front.StartTLS()
	defer front.Close()
	apiURL := front.URL + "/hub/api"

	tlsConfig, err := InternalTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewClient(ClientConfig{URL: apiURL, Token: cullToken, TLS: tlsConfig, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	c, logs := newCuller(t, h, basePolicy())
	c.Client = client
	if sum, err := c.Pass(context.Background()); err != nil || sum.ServersCulled != 1 {
		t.Fatalf("%+v %v\n%s", sum, err, logs)
	}

	// Without the client certificate the front refuses the connection.
	plain, _ := NewClient(ClientConfig{URL: apiURL, Token: cullToken, TLS: &tls.Config{RootCAs: pool}})
	if _, err := plain.Version(context.Background()); err == nil {
		t.Error("a client without the internal certificate got through")
	}
	if _, err := InternalTLS(t.TempDir()); err == nil {
		t.Error("InternalTLS on an empty directory succeeded")
	}
}

// TestRequestTimeout: a reply slower than the request timeout counts as a
// time-out and is retried, and the pass fails instead of hanging.
func TestRequestTimeout(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	h.Inject(fakehub.Fault{Path: "/users", Delay: 2 * time.Second})
	client, err := NewClient(ClientConfig{URL: h.URL(), Token: cullToken, RequestTimeout: 100 * time.Millisecond,
		Retries: 2, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newCuller(t, h, basePolicy())
	c.Client = client
	start := time.Now()
	_, err = c.Pass(context.Background())
	if err == nil || ErrorKind(err) != "timeout" {
		t.Fatalf("err %v (kind %s), want a time-out", err, ErrorKind(err))
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("took %s for 3 attempts of 100ms", d)
	}
}

// TestJupyterHub5 runs a pass against a 5.x Hub, whose models carry more keys.
func TestJupyterHub5(t *testing.T) {
	h := newHub(t, fakehub.Options{Version: "5.2.1"})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer(), "lab": activeServer()})
	c, logs := newCuller(t, h, basePolicy())
	if sum, err := c.Pass(context.Background()); err != nil || sum.ServersCulled != 1 || sum.Kept[Active] != 1 {
		t.Fatalf("%+v %v\n%s", sum, err, logs)
	}
}
