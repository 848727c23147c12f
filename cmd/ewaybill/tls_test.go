package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
)

// testCert is a certificate for 127.0.0.1 and localhost written to files.
type testCert struct {
	certFile, keyFile string
	// caFile is what a client trusts: the CA that signed the leaf, or the
	// leaf itself when it is self-signed.
	caFile string
}

// newKey returns a fresh P-256 key.
func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leafTemplate is a server certificate valid for an hour around now.
func leafTemplate() *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "ewaybill test server"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// writeTestCert writes a leaf for 127.0.0.1 and localhost into dir: self-
// signed, or signed by a new CA and written with the CA after it (a full
// chain, as CAs hand them out). edit changes the leaf before signing.
func writeTestCert(t *testing.T, dir string, selfSigned bool, edit func(*x509.Certificate)) testCert {
	t.Helper()
	leafKey := newKey(t)
	leaf := leafTemplate()
	if edit != nil {
		edit(leaf)
	}
	c := testCert{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), caFile: filepath.Join(dir, "ca.pem")}
	var certPEM, caPEM []byte
	if selfSigned {
		der, err := x509.CreateCertificate(rand.Reader, leaf, leaf, &leafKey.PublicKey, leafKey)
		if err != nil {
			t.Fatal(err)
		}
		certPEM = pemOf("CERTIFICATE", der)
		caPEM = certPEM
	} else {
		caKey := newKey(t)
		ca := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ewaybill test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		caCert, _ := x509.ParseCertificate(caDER)
		der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		caPEM = pemOf("CERTIFICATE", caDER)
		certPEM = append(pemOf("CERTIFICATE", der), caPEM...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		t.Fatal(err)
	}
	for path, content := range map[string][]byte{c.certFile: certPEM, c.keyFile: pemOf("PRIVATE KEY", keyDER), c.caFile: caPEM} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// trusting is a client TLS configuration that trusts the PEM file ca.
func trusting(t *testing.T, ca string) *tls.Config {
	t.Helper()
	cfg, err := clientTLSConfig(false, ca)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestServeTLS(t *testing.T) {
	for _, c := range []struct {
		name       string
		selfSigned bool
		// viaEnv gives the files as EWAYBILL_TLS_CERT and EWAYBILL_TLS_KEY.
		viaEnv bool
	}{
		{"self-signed", true, false},
		{"CA-signed chain from the environment", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cert := writeTestCert(t, t.TempDir(), c.selfSigned, nil)
			var extra []string
			if c.viaEnv {
				t.Setenv("EWAYBILL_TLS_CERT", cert.certFile)
				t.Setenv("EWAYBILL_TLS_KEY", cert.keyFile)
			} else {
				extra = []string{"--tls-cert", cert.certFile, "--tls-key", cert.keyFile}
			}
			p := startServed(t, t.TempDir(), extra...)
			if !strings.Contains(p.log.String(), " tls=true ") {
				t.Errorf("serving line does not say tls=true:\n%s", p.log.String())
			}
			checkServedTLS(t, p, cert)
		})
	}
}

// checkServedTLS checks a server started with cert from every side: gRPC
// and REST with TLS work, without TLS or with too old a TLS fail, and the
// CLI connects with --tls-ca but not without it.
func checkServedTLS(t *testing.T, p *servedProcess, cert testCert) {
	ctx := context.Background()
	admin := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+testAdminKey)

	// gRPC with TLS: seed the demo carriers through it.
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(credentials.NewTLS(trusting(t, cert.caFile))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	demo, err := seedDemo(ctx, conn, testAdminKey)
	if err != nil {
		t.Fatalf("seed over gRPC with TLS: %v", err)
	}

	// REST over HTTPS, which the gateway forwards over its own TLS
	// connection to the gRPC port.
	httpsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: trusting(t, cert.caFile)}}
	req, _ := http.NewRequest("GET", "https://"+p.httpAddr+"/v1/"+demo.Merchant, nil)
	req.Header.Set("Authorization", "Bearer "+demo.MerchantKey)
	resp, err := httpsClient.Do(req)
	if err != nil {
		t.Fatalf("REST over HTTPS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"MERCHANT_STATE_APPROVED"`) {
		t.Fatalf("GET /v1/%s over HTTPS: %d %s", demo.Merchant, resp.StatusCode, body)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("HTTPS response TLS state: %+v", resp.TLS)
	}

	// Plaintext gRPC to the TLS port fails.
	plain, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	shortCtx, cancel := context.WithTimeout(admin, 5*time.Second)
	defer cancel()
	_, err = ewaybillv1.NewCarrierServiceClient(plain).ListCarriers(shortCtx, &ewaybillv1.ListCarriersRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext gRPC to the TLS port: %v, want Unavailable", err)
	}
	// Plaintext HTTP to the HTTPS port gets net/http's refusal.
	resp, err = http.Get("http://" + p.httpAddr + "/healthz")
	if err == nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil && (resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTP request to an HTTPS server")) {
		t.Errorf("plaintext HTTP to the HTTPS port: %d %s", resp.StatusCode, body)
	}
	// TLS 1.1 is refused on both ports.
	for _, addr := range []string{p.grpcAddr, p.httpAddr} {
		old := trusting(t, cert.caFile)
		old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
		if c, err := tls.Dial("tcp", addr, old); err == nil {
			c.Close()
			t.Errorf("%s accepted TLS 1.1", addr)
		}
	}

	// The CLI: --tls-ca works; so does EWAYBILL_TLS_CA; without TLS, or
	// with only the system's roots, it fails.
	runCLI := func(env map[string]string, args ...string) cli {
		for k, v := range env {
			t.Setenv(k, v)
		}
		var stdout, stderr bytes.Buffer
		code := runClient(ctx, append([]string{"carriers", "list", "--addr", p.grpcAddr, "--key", demo.MerchantKey}, args...), &stdout, &stderr)
		return cli{code, stdout.String(), stderr.String()}
	}
	// protojson varies its spacing on purpose, so the listing is matched loosely.
	listsSF := regexp.MustCompile(`"code":\s*"SF"`)
	if r := runCLI(nil, "--tls-ca", cert.caFile); r.code != exitOK || !listsSF.MatchString(r.stdout) {
		t.Errorf("CLI with --tls-ca: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(map[string]string{"EWAYBILL_TLS_CA": cert.caFile}); r.code != exitOK || !listsSF.MatchString(r.stdout) {
		t.Errorf("CLI with EWAYBILL_TLS_CA: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Setenv("EWAYBILL_TLS_CA", "")
	if r := runCLI(nil, "--timeout", "5s"); r.code != exitRPC || !strings.Contains(r.stderr, "error: Unavailable") {
		t.Errorf("CLI without TLS: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(nil, "--tls", "--timeout", "5s"); r.code != exitRPC || !strings.Contains(r.stderr, "x509: certificate signed by unknown authority") {
		t.Errorf("CLI with --tls and the system's roots: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestServeTLSFlagErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeTestCert(t, mkdir(t, dir, "good"), true, nil)
	other := writeTestCert(t, mkdir(t, dir, "other"), true, nil)
	expired := writeTestCert(t, mkdir(t, dir, "expired"), true, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	})
	nameless := writeTestCert(t, mkdir(t, dir, "nameless"), true, func(c *x509.Certificate) {
		c.DNSNames, c.IPAddresses = nil, nil
	})
	clientOnly := writeTestCert(t, mkdir(t, dir, "client"), true, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})
	missing := filepath.Join(dir, "missing.pem")

	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"only the certificate", []string{"--tls-cert", good.certFile}, nil,
			"--tls-cert needs --tls-key: TLS takes the certificate and its private key"},
		{"only the key", []string{"--tls-key", good.keyFile}, nil,
			"--tls-key needs --tls-cert: TLS takes the certificate and its private key"},
		{"only the certificate, from the environment", nil, map[string]string{"EWAYBILL_TLS_CERT": good.certFile},
			"--tls-cert needs --tls-key"},
		{"unreadable key", []string{"--tls-cert", good.certFile, "--tls-key", missing}, nil,
			"--tls-key: open " + missing + ": no such file or directory"},
		{"unreadable certificate", []string{"--tls-cert", missing, "--tls-key", good.keyFile}, nil,
			"--tls-cert: open " + missing + ": no such file or directory"},
		{"key given as certificate", []string{"--tls-cert", good.keyFile, "--tls-key", good.keyFile}, nil,
			"--tls-cert " + good.keyFile + ": no PEM CERTIFICATE block in it"},
		{"certificate given as key", []string{"--tls-cert", good.certFile, "--tls-key", good.certFile}, nil,
			"--tls-key " + good.certFile + ": tls: found a certificate rather than a key"},
		{"another certificate's key", []string{"--tls-cert", good.certFile, "--tls-key", other.keyFile}, nil,
			"--tls-key " + other.keyFile + ": tls: private key does not match public key (it must hold the private key of the certificate in " + good.certFile + ")"},
		{"expired", []string{"--tls-cert", expired.certFile, "--tls-key", expired.keyFile}, nil,
			"--tls-cert " + expired.certFile + ": the certificate expired at 2021-01-01T00:00:00Z"},
		{"no names", []string{"--tls-cert", nameless.certFile, "--tls-key", nameless.keyFile}, nil,
			"--tls-cert " + nameless.certFile + ": the certificate names no host: it has no DNS or IP subject alternative name"},
		{"not for servers", []string{"--tls-cert", clientOnly.certFile, "--tls-key", clientOnly.keyFile}, nil,
			"--tls-cert " + clientOnly.certFile + ": the server's own gateway could not verify it"},
		{"with the demo", []string{"--tls-cert", good.certFile, "--tls-key", good.keyFile, "--demo"}, nil,
			"--demo cannot be combined with --tls-cert"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			dataDir := filepath.Join(t.TempDir(), "data")
			err := runServe(context.Background(), append([]string{"--data-dir", dataDir,
				"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, c.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant it to contain %q", err, c.want)
			}
			// The start failed before the data dir was touched.
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				t.Errorf("data dir after the failed start: %v", err)
			}
		})
	}
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServedTLSWildcardName: with only a wildcard name, the gateway
// verifies a concrete name under it.
func TestServedTLSWildcardName(t *testing.T) {
	cert := writeTestCert(t, t.TempDir(), false, func(c *x509.Certificate) {
		c.DNSNames, c.IPAddresses = []string{"*.example.test"}, nil
	})
	served, err := loadServedTLS(serveTLSFlags{certFile: cert.certFile, keyFile: cert.keyFile}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if served.serverName != "ewaybill-gateway.example.test" {
		t.Errorf("gateway server name %q", served.serverName)
	}
}

func TestClientTLSFlagErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unreadable CA", []string{"--tls-ca", missing}, nil, "error: --tls-ca: open " + missing + ": no such file or directory\n"},
		{"CA without a certificate", []string{"--tls-ca", notPEM}, nil, "error: --tls-ca " + notPEM + ": no PEM CERTIFICATE in it\n"},
		{"unreadable CA from the environment", nil, map[string]string{"EWAYBILL_TLS_CA": missing}, "error: --tls-ca: open " + missing},
		{"bad EWAYBILL_TLS", nil, map[string]string{"EWAYBILL_TLS": "maybe"}, `error: EWAYBILL_TLS="maybe"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			// A usage mistake is found before any connection is made, so
			// the address is never dialled.
			code := runClient(context.Background(), append([]string{"carriers", "list", "--key", "k", "--addr", "127.0.0.1:1"}, c.args...), &stdout, &stderr)
			if code != exitUsage || stdout.Len() > 0 || !strings.HasPrefix(stderr.String(), c.want) {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and stderr starting %q", code, stdout.String(), stderr.String(), exitUsage, c.want)
			}
		})
	}
}
