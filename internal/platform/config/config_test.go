package config

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mapEnv(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

var (
	rawKey1 = bytes.Repeat([]byte{0xA1}, 32)
	rawKey2 = bytes.Repeat([]byte{0xB2}, 32)
	b64Key1 = base64.StdEncoding.EncodeToString(rawKey1)
	b64Key2 = base64.StdEncoding.EncodeToString(rawKey2)
)

const (
	jwtSecret     = "jwt-secret-jwt-secret-jwt-secret-1234"
	receiptSecret = "receipt-secret-receipt-secret-1234567"
)

// fullEnv is a complete, valid environment for Need{Database, NATS, Secrets}.
func fullEnv() map[string]string {
	return map[string]string{
		"DATABASE_URL":            "postgres://redress:pw@db:5432/redress",
		"NATS_URL":                "nats://nats:4222",
		"REDRESS_JWT_SECRET":      jwtSecret,
		"REDRESS_RECEIPT_SECRET":  receiptSecret,
		"REDRESS_ENCRYPTION_KEYS": "k1:" + b64Key1 + ",k2:" + b64Key2,
	}
}

var needAll = Need{Database: true, NATS: true, Secrets: true}

// errList returns the individual errors joined into err.
func errList(t *testing.T, err error) []error {
	t.Helper()
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestDefaults(t *testing.T) {
	c, err := LoadFrom(mapEnv(nil), Need{})
	if err != nil {
		t.Fatalf("LoadFrom(empty): %v", err)
	}
	want := Config{
		Addr: "127.0.0.1:8080", WorkerAddr: "127.0.0.1:9090", DBMaxConns: 20, NATSReplicas: 1,
		LogLevel: "info", LogFormat: "json", DataDir: ".redress",
		ComplainantTokenTTL: 30 * time.Minute, StaffTokenTTL: 8 * time.Hour, BodyLimit: 256 << 10,
	}
	if c.Addr != want.Addr || c.WorkerAddr != want.WorkerAddr || c.DBMaxConns != want.DBMaxConns ||
		c.NATSReplicas != want.NATSReplicas || c.LogLevel != want.LogLevel || c.LogFormat != want.LogFormat ||
		c.DataDir != want.DataDir || c.ComplainantTokenTTL != want.ComplainantTokenTTL ||
		c.StaffTokenTTL != want.StaffTokenTTL || c.BodyLimit != want.BodyLimit ||
		c.PasswordHash != (PasswordHash{MemoryKiB: 65536, Time: 3, Threads: 2}) {
		t.Errorf("defaults = %+v\nwant       %+v", *c, want)
	}
	if c.DatabaseURL != "" || c.NATSURL != "" || c.DemoPassword != "" || c.JWTSecret != nil ||
		c.ReceiptSecret != nil || c.EncryptionKeys != nil || c.EncryptionKeyID != "" {
		t.Errorf("unset optional values are not empty: %+v", *c)
	}
}

func TestFullConfig(t *testing.T) {
	env := fullEnv()
	env["REDRESS_ADDR"] = " 0.0.0.0:80 "
	env["REDRESS_WORKER_ADDR"] = "[::1]:9999"
	env["REDRESS_DB_MAX_CONNS"] = "1000"
	env["REDRESS_NATS_REPLICAS"] = "3"
	env["REDRESS_LOG_LEVEL"] = "debug"
	env["REDRESS_LOG_FORMAT"] = "text"
	env["REDRESS_DATA_DIR"] = "/var/lib/redress"
	env["REDRESS_DEMO_PASSWORD"] = "demo"
	env["REDRESS_COMPLAINANT_TOKEN_TTL"] = "15m"
	env["REDRESS_STAFF_TOKEN_TTL"] = "1h30m"
	env["REDRESS_BODY_LIMIT"] = "4096"
	env["REDRESS_PASSWORD_HASH"] = "m=19456,t=2,p=1"
	env["REDRESS_ENCRYPTION_KEY_ID"] = "k2"
	c, err := LoadFrom(mapEnv(env), needAll)
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	if c.Addr != "0.0.0.0:80" || c.WorkerAddr != "[::1]:9999" || c.DBMaxConns != 1000 || c.NATSReplicas != 3 ||
		c.LogLevel != "debug" || c.LogFormat != "text" || c.DataDir != "/var/lib/redress" || c.DemoPassword != "demo" ||
		c.ComplainantTokenTTL != 15*time.Minute || c.StaffTokenTTL != 90*time.Minute || c.BodyLimit != 4096 ||
		c.DatabaseURL != env["DATABASE_URL"] || c.NATSURL != env["NATS_URL"] ||
		c.PasswordHash != (PasswordHash{MemoryKiB: 19456, Time: 2, Threads: 1}) {
		t.Errorf("config = %+v", *c)
	}
	if string(c.JWTSecret) != jwtSecret || string(c.ReceiptSecret) != receiptSecret {
		t.Errorf("secrets = %q, %q", c.JWTSecret, c.ReceiptSecret)
	}
	if len(c.EncryptionKeys) != 2 || !bytes.Equal(c.EncryptionKeys["k1"], rawKey1) || !bytes.Equal(c.EncryptionKeys["k2"], rawKey2) {
		t.Errorf("encryption keys = %v", c.EncryptionKeys)
	}
	if c.EncryptionKeyID != "k2" {
		t.Errorf("EncryptionKeyID = %q, want k2", c.EncryptionKeyID)
	}

	// Without REDRESS_ENCRYPTION_KEY_ID the first listed key is current.
	delete(env, "REDRESS_ENCRYPTION_KEY_ID")
	env["REDRESS_ENCRYPTION_KEYS"] = " k2:" + b64Key2 + ", k1:" + b64Key1
	c, err = LoadFrom(mapEnv(env), needAll)
	if err != nil || c.EncryptionKeyID != "k2" {
		t.Errorf("first key default: id %q, err %v; want k2", c.EncryptionKeyID, err)
	}
}

func TestBadVariables(t *testing.T) {
	for _, tc := range []struct {
		name  string // the variable the error must name
		set   map[string]string
		unset []string
		need  Need
	}{
		{name: "REDRESS_ADDR", set: map[string]string{"REDRESS_ADDR": "8080"}},
		{name: "REDRESS_ADDR", set: map[string]string{"REDRESS_ADDR": "localhost"}},
		{name: "REDRESS_WORKER_ADDR", set: map[string]string{"REDRESS_WORKER_ADDR": "a:b:c"}},
		{name: "REDRESS_DB_MAX_CONNS", set: map[string]string{"REDRESS_DB_MAX_CONNS": "0"}},
		{name: "REDRESS_DB_MAX_CONNS", set: map[string]string{"REDRESS_DB_MAX_CONNS": "1001"}},
		{name: "REDRESS_DB_MAX_CONNS", set: map[string]string{"REDRESS_DB_MAX_CONNS": "ten"}},
		{name: "REDRESS_DB_MAX_CONNS", set: map[string]string{"REDRESS_DB_MAX_CONNS": "-5"}},
		{name: "REDRESS_DB_MAX_CONNS", set: map[string]string{"REDRESS_DB_MAX_CONNS": "2.5"}},
		{name: "REDRESS_NATS_REPLICAS", set: map[string]string{"REDRESS_NATS_REPLICAS": "6"}},
		{name: "REDRESS_BODY_LIMIT", set: map[string]string{"REDRESS_BODY_LIMIT": "100"}},
		{name: "REDRESS_PASSWORD_HASH", set: map[string]string{"REDRESS_PASSWORD_HASH": "m=65536,t=0,p=2"}},
		{name: "REDRESS_PASSWORD_HASH", set: map[string]string{"REDRESS_PASSWORD_HASH": "m=4,t=1,p=1"}},
		{name: "REDRESS_PASSWORD_HASH", set: map[string]string{"REDRESS_PASSWORD_HASH": "m=65536,t=3"}},
		{name: "REDRESS_PASSWORD_HASH", set: map[string]string{"REDRESS_PASSWORD_HASH": "m=65536,t=3,p=2,x=1"}},
		{name: "REDRESS_PASSWORD_HASH", set: map[string]string{"REDRESS_PASSWORD_HASH": "m=9999999,t=3,p=2"}},
		{name: "REDRESS_TRUSTED_PROXIES", set: map[string]string{"REDRESS_TRUSTED_PROXIES": "10.0.0.0/8, ingress"}},
		{name: "REDRESS_TRUSTED_PROXIES", set: map[string]string{"REDRESS_TRUSTED_PROXIES": "10.0.0.0/33"}},
		{name: "REDRESS_LOG_LEVEL", set: map[string]string{"REDRESS_LOG_LEVEL": "verbose"}},
		{name: "REDRESS_LOG_LEVEL", set: map[string]string{"REDRESS_LOG_LEVEL": "INFO"}},
		{name: "REDRESS_LOG_FORMAT", set: map[string]string{"REDRESS_LOG_FORMAT": "xml"}},
		{name: "REDRESS_COMPLAINANT_TOKEN_TTL", set: map[string]string{"REDRESS_COMPLAINANT_TOKEN_TTL": "30"}},
		{name: "REDRESS_COMPLAINANT_TOKEN_TTL", set: map[string]string{"REDRESS_COMPLAINANT_TOKEN_TTL": "0s"}},
		{name: "REDRESS_COMPLAINANT_TOKEN_TTL", set: map[string]string{"REDRESS_COMPLAINANT_TOKEN_TTL": "-5m"}},
		{name: "REDRESS_COMPLAINANT_TOKEN_TTL", set: map[string]string{"REDRESS_COMPLAINANT_TOKEN_TTL": "half an hour"}},
		{name: "REDRESS_STAFF_TOKEN_TTL", set: map[string]string{"REDRESS_STAFF_TOKEN_TTL": "1d"}},
		{name: "REDRESS_ENCRYPTION_KEYS", set: map[string]string{"REDRESS_ENCRYPTION_KEYS": "k1"}},
		{name: "REDRESS_ENCRYPTION_KEYS", set: map[string]string{"REDRESS_ENCRYPTION_KEYS": ":" + b64Key1}},
		{name: "REDRESS_ENCRYPTION_KEYS", set: map[string]string{"REDRESS_ENCRYPTION_KEYS": "k1:not*base64"}},
		{name: "REDRESS_ENCRYPTION_KEYS", set: map[string]string{"REDRESS_ENCRYPTION_KEYS": "k1:" + base64.StdEncoding.EncodeToString(rawKey1[:16])}},
		{name: "REDRESS_ENCRYPTION_KEYS", set: map[string]string{"REDRESS_ENCRYPTION_KEYS": "k1:" + b64Key1 + ",k1:" + b64Key2}},
		{name: "REDRESS_ENCRYPTION_KEYS", set: map[string]string{"REDRESS_ENCRYPTION_KEYS": ","}},
		{name: "REDRESS_ENCRYPTION_KEYS", unset: []string{"REDRESS_ENCRYPTION_KEYS"}, need: Need{Secrets: true}},
		{name: "REDRESS_ENCRYPTION_KEY_ID", set: map[string]string{"REDRESS_ENCRYPTION_KEY_ID": "k3"}},
		{name: "REDRESS_JWT_SECRET", set: map[string]string{"REDRESS_JWT_SECRET": "short"}},
		{name: "REDRESS_JWT_SECRET", set: map[string]string{"REDRESS_JWT_SECRET": strings.Repeat("x", 31)}},
		{name: "REDRESS_JWT_SECRET", unset: []string{"REDRESS_JWT_SECRET"}, need: Need{Secrets: true}},
		{name: "REDRESS_JWT_SECRET_PREVIOUS", set: map[string]string{"REDRESS_JWT_SECRET_PREVIOUS": strings.Repeat("x", 31)}},
		{name: "REDRESS_RECEIPT_SECRET", set: map[string]string{"REDRESS_RECEIPT_SECRET": "0123456789"}},
		{name: "REDRESS_RECEIPT_SECRET", unset: []string{"REDRESS_RECEIPT_SECRET"}, need: Need{Secrets: true}},
		{name: "DATABASE_URL", unset: []string{"DATABASE_URL"}, need: Need{Database: true}},
		{name: "DATABASE_URL", set: map[string]string{"DATABASE_URL": "   "}, need: Need{Database: true}},
		{name: "NATS_URL", unset: []string{"NATS_URL"}, need: Need{NATS: true}},
		{name: "DATABASE_URL", set: map[string]string{"DATABASE_URL_FILE": "/x"}},
	} {
		env := fullEnv()
		for k, v := range tc.set {
			env[k] = v
		}
		for _, k := range tc.unset {
			delete(env, k)
		}
		c, err := LoadFrom(mapEnv(env), tc.need)
		if err == nil || c != nil {
			t.Errorf("%s=%v: LoadFrom = %v, %v; want nil, an error", tc.name, tc.set, c, err)
			continue
		}
		errs := errList(t, err)
		if len(errs) != 1 {
			t.Errorf("%s=%v: %d errors, want 1: %v", tc.name, tc.set, len(errs), err)
		}
		if !strings.HasPrefix(errs[0].Error(), "config: "+tc.name+" ") {
			t.Errorf("%s=%v: error %q does not name %s", tc.name, tc.set, errs[0], tc.name)
		}
		// Secret values never appear in errors.
		for _, secret := range []string{b64Key1, b64Key2, jwtSecret, receiptSecret} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: error %q leaks a secret", tc.name, err)
			}
		}
	}
}

func TestSecretsDoNotLeak(t *testing.T) {
	for _, v := range []map[string]string{
		{"REDRESS_JWT_SECRET": "s3cr3t-but-short"},
		{"REDRESS_ENCRYPTION_KEYS": "k1:" + b64Key1[:40]},
		{"REDRESS_ENCRYPTION_KEYS": "k1" + b64Key1},
		{"REDRESS_ENCRYPTION_KEYS": strings.Repeat("i", 40) + ":" + b64Key1},
	} {
		_, err := LoadFrom(mapEnv(v), Need{})
		if err == nil {
			t.Errorf("%v: no error", v)
			continue
		}
		for _, val := range v {
			leak := val
			if i := strings.IndexByte(val, ':'); i >= 0 {
				leak = val[i+1:]
			} else if len(val) > 8 {
				leak = val[4:]
			}
			if strings.Contains(err.Error(), leak) {
				t.Errorf("error %q contains secret material %q", err, leak)
			}
		}
	}
}

func TestMultipleErrorsAtOnce(t *testing.T) {
	env := map[string]string{
		"REDRESS_ADDR":                  "nope",
		"REDRESS_DB_MAX_CONNS":          "0",
		"REDRESS_LOG_LEVEL":             "loud",
		"REDRESS_COMPLAINANT_TOKEN_TTL": "forever",
		"REDRESS_JWT_SECRET":            "short",
		"REDRESS_ENCRYPTION_KEYS":       "k1:" + b64Key1,
		"REDRESS_ENCRYPTION_KEY_ID":     "k9",
	}
	_, err := LoadFrom(mapEnv(env), Need{Database: true, NATS: true, Secrets: true})
	want := []string{
		"REDRESS_ADDR", "REDRESS_DB_MAX_CONNS", "REDRESS_LOG_LEVEL", "REDRESS_COMPLAINANT_TOKEN_TTL",
		"DATABASE_URL", "NATS_URL", "REDRESS_JWT_SECRET", "REDRESS_RECEIPT_SECRET", "REDRESS_ENCRYPTION_KEY_ID",
	}
	errs := errList(t, err)
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for _, name := range want {
		n := 0
		for _, e := range errs {
			if strings.HasPrefix(e.Error(), "config: "+name+" ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d errors name %s, want 1:\n%v", n, name, err)
		}
	}
}

func TestFileVariants(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{
		"DATABASE_URL_FILE":                write("db", "postgres://from-file/redress\n"),
		"REDRESS_JWT_SECRET_FILE":          write("jwt", "  "+jwtSecret+"\n\n"),
		"REDRESS_RECEIPT_SECRET_FILE":      write("receipt", receiptSecret),
		"REDRESS_ENCRYPTION_KEYS_FILE":     write("keys", "k7:"+b64Key1+"\n"),
		"REDRESS_DEMO_PASSWORD_FILE":       write("demo", "demo-pw\n"),
		"REDRESS_JWT_SECRET":               "", // empty NAME next to NAME_FILE is not "both set"
		"REDRESS_JWT_SECRET_PREVIOUS_FILE": write("jwt-previous", receiptSecret+"\n"),
	}
	c, err := LoadFrom(mapEnv(env), Need{Database: true, Secrets: true})
	if err != nil {
		t.Fatalf("LoadFrom with _FILE variables: %v", err)
	}
	if c.DatabaseURL != "postgres://from-file/redress" || string(c.JWTSecret) != jwtSecret ||
		string(c.ReceiptSecret) != receiptSecret || c.DemoPassword != "demo-pw" ||
		c.EncryptionKeyID != "k7" || !bytes.Equal(c.EncryptionKeys["k7"], rawKey1) ||
		string(c.JWTSecretPrevious) != receiptSecret {
		t.Errorf("config from files = %+v", *c)
	}

	// An empty NAME_FILE falls back to NAME.
	c, err = LoadFrom(mapEnv(map[string]string{"DATABASE_URL": "postgres://env", "DATABASE_URL_FILE": ""}), Need{Database: true})
	if err != nil || c.DatabaseURL != "postgres://env" {
		t.Errorf("empty DATABASE_URL_FILE: %v, %v", c, err)
	}

	// Both set.
	_, err = LoadFrom(mapEnv(map[string]string{
		"REDRESS_JWT_SECRET": jwtSecret, "REDRESS_JWT_SECRET_FILE": env["REDRESS_JWT_SECRET_FILE"],
	}), Need{})
	errs := errList(t, err)
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "config: REDRESS_JWT_SECRET and REDRESS_JWT_SECRET_FILE are both set") {
		t.Errorf("both set: err = %v", err)
	}

	// Unreadable files: missing, and a directory.
	for _, path := range []string{filepath.Join(dir, "missing"), dir} {
		_, err = LoadFrom(mapEnv(map[string]string{"REDRESS_RECEIPT_SECRET_FILE": path}), Need{})
		errs = errList(t, err)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "config: REDRESS_RECEIPT_SECRET_FILE cannot be read") {
			t.Errorf("unreadable %s: err = %v", path, err)
		}
	}

	// An unreadable secret file that is required also reports the secret as missing.
	_, err = LoadFrom(mapEnv(map[string]string{"DATABASE_URL_FILE": filepath.Join(dir, "missing")}), Need{Database: true})
	errs = errList(t, err)
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), "config: DATABASE_URL_FILE ") ||
		!strings.HasPrefix(errs[1].Error(), "config: DATABASE_URL ") {
		t.Errorf("missing required file: err = %v", err)
	}

	// A file holding a short secret is judged on its contents.
	_, err = LoadFrom(mapEnv(map[string]string{"REDRESS_JWT_SECRET_FILE": write("short", "tiny\n")}), Need{})
	errs = errList(t, err)
	if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "config: REDRESS_JWT_SECRET must be at least 32 bytes long, got 4") {
		t.Errorf("short secret in file: err = %v", err)
	}
}

func TestParseEncryptionKeys(t *testing.T) {
	short := base64.StdEncoding.EncodeToString(rawKey1[:31])
	long := base64.StdEncoding.EncodeToString(append(bytes.Clone(rawKey1), 1))
	for _, tc := range []struct {
		in      string
		want    map[string][]byte
		errPart string
	}{
		{in: "k1:" + b64Key1, want: map[string][]byte{"k1": rawKey1}},
		{in: "k1:" + b64Key1 + ",k2:" + b64Key2, want: map[string][]byte{"k1": rawKey1, "k2": rawKey2}},
		{in: " k1:" + b64Key1 + " , k2:" + b64Key2 + " ,", want: map[string][]byte{"k1": rawKey1, "k2": rawKey2}},
		{in: ",,k1:" + b64Key1 + ",,", want: map[string][]byte{"k1": rawKey1}},
		{in: strings.Repeat("a", 32) + ":" + b64Key1, want: map[string][]byte{strings.Repeat("a", 32): rawKey1}},
		{in: "2025-01:" + b64Key1, want: map[string][]byte{"2025-01": rawKey1}},
		{in: "", errPart: "no keys given"},
		{in: " , ,", errPart: "no keys given"},
		{in: "k1", errPart: `entry "k1" must be keyid:base64key`},
		{in: ":" + b64Key1, errPart: "must be keyid:base64key"},
		{in: strings.Repeat("a", 33) + ":" + b64Key1, errPart: "key id of 1 to 32 characters"},
		{in: "k1:" + b64Key1[:43], errPart: `key "k1" is not valid base64`}, // padding missing
		{in: "k1:" + strings.TrimSuffix(b64Key1, "=") + "!", errPart: `key "k1" is not valid base64`},
		{in: "k1:" + short, errPart: `key "k1" must decode to 32 bytes (AES-256), got 31`},
		{in: "k1:" + long, errPart: `key "k1" must decode to 32 bytes (AES-256), got 33`},
		{in: "k1:", errPart: `key "k1" must decode to 32 bytes (AES-256), got 0`},
		{in: "k1:" + b64Key1 + ",k1:" + b64Key2, errPart: `key id "k1" appears twice`},
		{in: "k1:" + b64Key1 + ",k2:" + short, errPart: `key "k2" must decode to 32 bytes`},
	} {
		got, err := ParseEncryptionKeys(tc.in)
		if tc.errPart != "" {
			if err == nil || got != nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("ParseEncryptionKeys(%q) = %v, %v; want nil and an error containing %q", tc.in, got, err, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseEncryptionKeys(%q): %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("ParseEncryptionKeys(%q) has %d keys, want %d", tc.in, len(got), len(tc.want))
		}
		for id, k := range tc.want {
			if !bytes.Equal(got[id], k) {
				t.Errorf("ParseEncryptionKeys(%q)[%q] = %x, want %x", tc.in, id, got[id], k)
			}
		}
	}
}

func TestMailSettings(t *testing.T) {
	c, err := LoadFrom(mapEnv(nil), Need{})
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPURL != "" || c.SMTPFrom != "Redress <no-reply@localhost>" || c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults: %q %q %q", c.SMTPURL, c.SMTPFrom, c.PublicURL)
	}
	for _, good := range []map[string]string{
		{"REDRESS_SMTP_URL": "smtp://mail.example.org"},
		{"REDRESS_SMTP_URL": "smtp://user:p%40ss@mail.example.org:587?starttls=required"},
		{"REDRESS_SMTP_URL": "smtp://127.0.0.1:1025/?starttls=opportunistic"},
		{"REDRESS_SMTP_URL": "smtps://user:pass@mail.example.org:465"},
		{"REDRESS_SMTP_FROM": "no-reply@example.org"},
		{"REDRESS_PUBLIC_URL": "https://redress.example.org/grievances/"},
	} {
		c, err := LoadFrom(mapEnv(good), Need{})
		if err != nil {
			t.Errorf("%v: %v", good, err)
			continue
		}
		if v, ok := good["REDRESS_PUBLIC_URL"]; ok && c.PublicURL != strings.TrimSuffix(v, "/") {
			t.Errorf("public URL %q", c.PublicURL)
		}
	}
	file := filepath.Join(t.TempDir(), "smtp")
	if err := os.WriteFile(file, []byte("smtps://u:from-a-file@mail.example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := LoadFrom(mapEnv(map[string]string{"REDRESS_SMTP_URL_FILE": file}), Need{}); err != nil ||
		c.SMTPURL != "smtps://u:from-a-file@mail.example.org" {
		t.Errorf("from a file: %v %v", c, err)
	}

	const password = "hunter2-hunter2"
	for _, tc := range []struct{ name, value string }{
		{"REDRESS_SMTP_URL", "mail.example.org:587"},
		{"REDRESS_SMTP_URL", "http://u:" + password + "@mail.example.org"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@:587"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@mail.example.org:99999"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@mail.example.org:smtp"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@mail.example.org/relay"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@mail.example.org?starttls=always"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@mail.example.org?timeout=5s"},
		{"REDRESS_SMTP_URL", "smtps://u:" + password + "@mail.example.org?starttls=required"},
		{"REDRESS_SMTP_URL", "smtp://u:" + password + "@mail.example.org\x7f"},
		{"REDRESS_SMTP_FROM", "Redress"},
		{"REDRESS_SMTP_FROM", "a@b, c@d"},
		{"REDRESS_PUBLIC_URL", "redress.example.org"},
		{"REDRESS_PUBLIC_URL", "ftp://redress.example.org"},
		{"REDRESS_PUBLIC_URL", "https://redress.example.org/?x=1"},
		{"REDRESS_PUBLIC_URL", "https://u:p@redress.example.org"},
		{"REDRESS_TIME_ZONE", "Mars/Olympus_Mons"},
		{"REDRESS_TIME_ZONE", "Local"},
	} {
		c, err := LoadFrom(mapEnv(map[string]string{tc.name: tc.value}), Need{})
		errs := errList(t, err)
		if c != nil || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "config: "+tc.name+" ") {
			t.Errorf("%s=%q: %v", tc.name, tc.value, err)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("%s: error %q shows the password", tc.name, err)
		}
	}
}

func TestTimeZone(t *testing.T) {
	c, err := LoadFrom(mapEnv(map[string]string{}), Need{})
	if err != nil || c.TimeZone != time.UTC {
		t.Errorf("default time zone: %v %v", c, err)
	}
	c, err = LoadFrom(mapEnv(map[string]string{"REDRESS_TIME_ZONE": "Europe/Paris"}), Need{})
	if err != nil || c.TimeZone.String() != "Europe/Paris" {
		t.Errorf("Europe/Paris: %v %v", c, err)
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := LoadFrom(mapEnv(map[string]string{"REDRESS_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.7 ,2001:db8::/32,,"}), Need{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/8 192.168.1.7/32 2001:db8::/32"; strings.Join(got, " ") != want {
		t.Errorf("TrustedProxies = %v, want %s", got, want)
	}
	if c, _ := LoadFrom(mapEnv(nil), Need{}); len(c.TrustedProxies) != 0 {
		t.Errorf("default TrustedProxies = %v, want none", c.TrustedProxies)
	}
}
