package natsx_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/redresshq/redress/internal/platform/natsx"
)

// The Kubernetes NATS configuration (deploy/nats/cluster.conf), run for
// real: clients reach it only over TLS, with the CA given as NATS_CA_FILE,
// and only with the password; the password never reaches the logs.
func TestDeployedNATSNeedsTLSAndThePassword(t *testing.T) {
	dir := t.TempDir()
	writeCerts(t, dir)
	conf, err := os.ReadFile("../../../deploy/nats/cluster.conf")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(conf), "/etc/nats/tls/", dir+"/")
	text = strings.ReplaceAll(text, "store_dir: /data", "store_dir: "+filepath.Join(dir, "data"))
	text = strings.ReplaceAll(text, "/var/run/nats/nats.pid", filepath.Join(dir, "nats.pid"))
	path := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	const password = "s3cret-Password-for-the-test"
	t.Setenv("POD_NAME", "nats-test")
	t.Setenv("NATS_REDRESS_PASSWORD", password)
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("cluster.conf does not load: %v", err)
	}
	if opts.TLSConfig == nil || opts.Cluster.TLSConfig == nil || len(opts.Users) != 1 {
		t.Fatalf("cluster.conf: client TLS %v, route TLS %v, users %d; want TLS on both and one user",
			opts.TLSConfig != nil, opts.Cluster.TLSConfig != nil, len(opts.Users))
	}
	// One node on free ports, alone: the client side is what is tried here.
	opts.Port, opts.HTTPPort, opts.Cluster.Port, opts.Routes = -1, 0, -1, nil
	opts.JetStream, opts.NoSigs, opts.NoLog = false, true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("not ready")
	}
	port := strconv.Itoa(s.Addr().(*net.TCPAddr).Port)
	ca := filepath.Join(dir, "ca.crt")

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	try := func(url, caFile string) bool {
		t.Helper()
		nc, err := natsx.Connect(url, "test", caFile, log)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		return nc.IsConnected() && nc.Flush() == nil
	}
	if !try("tls://redress:"+password+"@127.0.0.1:"+port, ca) {
		t.Error("TLS with the CA and the password: not connected")
	}
	for name, c := range map[string]struct{ url, ca string }{
		"a wrong password": {"tls://redress:wrong-" + password + "@127.0.0.1:" + port, ca},
		"no password":      {"tls://127.0.0.1:" + port, ca},
		"no TLS":           {"nats://redress:" + password + "@127.0.0.1:" + port, ""},
		"an unknown CA":    {"tls://redress:" + password + "@127.0.0.1:" + port, ""},
	} {
		if try(c.url, c.ca) {
			t.Errorf("%s: connected", name)
		}
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("the password is in the logs:\n%s", logs.String())
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                       "nats://127.0.0.1:4222",
		"tls://redress:hunter2@nats:4222":             "tls://redress:xxxxx@nats:4222",
		"nats://s3cr3ttoken@a:4222,nats://u:p@b:4222": "nats://xxxxx@a:4222,nats://u:xxxxx@b:4222",
	} {
		if got := natsx.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// writeCerts writes a CA (ca.crt) and a certificate for 127.0.0.1 signed by
// it (tls.crt, tls.key) into dir.
func writeCerts(t *testing.T, dir string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	for name, block := range map[string]*pem.Block{
		"ca.crt": {Type: "CERTIFICATE", Bytes: caDER}, "tls.crt": {Type: "CERTIFICATE", Bytes: der},
		"tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
