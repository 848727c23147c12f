package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/ewaybill/ewaybill/server"
)

// minTLSVersion is the oldest protocol either side accepts: TLS 1.0 and 1.1
// are deprecated (RFC 8996) and gRPC clients do not offer them anyway.
const minTLSVersion = tls.VersionTLS12

// serveTLSFlags are serve's --tls-cert and --tls-key.
type serveTLSFlags struct {
	certFile, keyFile string
}

func (f *serveTLSFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.certFile, "tls-cert", "", "PEM `file` of the server certificate (leaf first, then any intermediates); with --tls-key, both ports speak TLS")
	fs.StringVar(&f.keyFile, "tls-key", "", "PEM `file` of the private key of --tls-cert")
}

func (f serveTLSFlags) enabled() bool { return f.certFile != "" }

// check refuses half a TLS setup: serving plaintext when the operator
// asked for TLS would be worse than not starting.
func (f serveTLSFlags) check() error {
	switch {
	case f.certFile != "" && f.keyFile == "":
		return errors.New("--tls-cert needs --tls-key: TLS takes the certificate and its private key")
	case f.certFile == "" && f.keyFile != "":
		return errors.New("--tls-key needs --tls-cert: TLS takes the certificate and its private key")
	}
	return nil
}

// servedTLS is the certificate the server presents on both ports, with
// what its own gateway needs to verify it.
type servedTLS struct {
	cert tls.Certificate
	// roots holds exactly the served leaf: the gateway, a client of the
	// server's own port, trusts that one certificate and nothing else, so
	// it needs no CA file and cannot be talked into trusting another.
	roots *x509.CertPool
	// serverName is a name from the leaf's subject alternative names that
	// the gateway checks the leaf against, whatever address it dials.
	serverName string
}

// loadServedTLS reads and checks the certificate and key files. Every
// mistake an operator can make with them (wrong file, wrong key, an expired
// or nameless certificate) fails here, at start-up, naming the flag and
// file, instead of at the first request.
func loadServedTLS(f serveTLSFlags, now time.Time) (*servedTLS, error) {
	certPEM, err := os.ReadFile(f.certFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert: %w", err)
	}
	var chain []*x509.Certificate
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert %s: certificate %d: %w", f.certFile, len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("--tls-cert %s: no PEM CERTIFICATE block in it (a private key belongs in --tls-key)", f.certFile)
	}
	leaf := chain[0]
	if now.Before(leaf.NotBefore) {
		return nil, fmt.Errorf("--tls-cert %s: the certificate is not valid until %s", f.certFile, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("--tls-cert %s: the certificate expired at %s", f.certFile, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	name, err := sanServerName(leaf)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s: %w", f.certFile, err)
	}

	keyPEM, err := os.ReadFile(f.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-key: %w", err)
	}
	// The certificate parsed above, so what X509KeyPair still finds wrong
	// is the key: none in the file, or not the certificate's.
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("--tls-key %s: %w (it must hold the private key of the certificate in %s)", f.keyFile, err, f.certFile)
	}

	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	// Verify as the gateway will, so a certificate it would refuse (say,
	// one for client authentication only) stops the start instead of
	// failing every REST request.
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: now}); err != nil {
		return nil, fmt.Errorf("--tls-cert %s: the server's own gateway could not verify it: %w", f.certFile, err)
	}
	return &servedTLS{cert: cert, roots: roots, serverName: name}, nil
}

// sanServerName picks the name the gateway verifies the leaf against. TLS
// clients match only subject alternative names (the common name has been
// ignored since Go 1.15), so a certificate without any cannot be verified
// by anyone and is refused. A wildcard is made concrete, because a client
// must name one host.
func sanServerName(leaf *x509.Certificate) (string, error) {
	for _, n := range leaf.DNSNames {
		if !strings.Contains(n, "*") {
			return n, nil
		}
	}
	if len(leaf.IPAddresses) > 0 {
		return leaf.IPAddresses[0].String(), nil
	}
	for _, n := range leaf.DNSNames {
		if strings.HasPrefix(n, "*.") {
			return "ewaybill-gateway" + n[1:], nil
		}
	}
	return "", fmt.Errorf("the certificate names no host: it has no DNS or IP subject alternative name, and clients do not accept the common name %q instead", leaf.Subject.CommonName)
}

// serverConfig is the TLS configuration of the listeners. nextProto is the
// ALPN protocol to offer: gRPC clients insist on "h2"; nil leaves it to
// net/http, which offers h2 and http/1.1.
func (s *servedTLS) serverConfig(nextProto ...string) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: minTLSVersion, NextProtos: nextProto}
}

// gatewayCredentials are the transport credentials of the gateway's
// connection to the server's own gRPC port.
func (s *servedTLS) gatewayCredentials() credentials.TransportCredentials {
	return credentials.NewTLS(&tls.Config{RootCAs: s.roots, ServerName: s.serverName, MinVersion: minTLSVersion})
}

// clientTLSConfig is the TLS configuration the client's --tls and --tls-ca
// ask for, or nil for a plaintext connection. The CA file is read here, as
// the command line is parsed, so a wrong path is a usage error reported
// before anything is sent.
func clientTLSConfig(useTLS bool, caFile string) (*tls.Config, error) {
	if !useTLS && caFile == "" {
		return nil, nil
	}
	// RootCAs nil means the system's roots.
	cfg := &tls.Config{MinVersion: minTLSVersion}
	if caFile != "" {
		raw, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw) {
			return nil, fmt.Errorf("--tls-ca %s: no PEM CERTIFICATE in it", caFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// dialWith returns a dialer that connects with cfg, or without TLS when cfg
// is nil.
func dialWith(cfg *tls.Config) dialer {
	if cfg == nil {
		return defaultDial
	}
	return func(addr string) (*grpc.ClientConn, error) {
		return grpc.NewClient(addr, server.ClientOptions(grpc.WithTransportCredentials(credentials.NewTLS(cfg)))...)
	}
}
