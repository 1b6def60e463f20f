// Package config reads Redress's configuration from the environment.
//
// Every secret can also be given as NAME_FILE, the path of a file holding it
// (Docker and Kubernetes secrets). Load validates everything at once and
// returns an error naming each bad variable.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // REDRESS_TIME_ZONE whatever the host has

	"golang.org/x/text/language"
)

// Config is the whole configuration of one redress process.
type Config struct {
	Addr         string // REDRESS_ADDR
	WorkerAddr   string // REDRESS_WORKER_ADDR
	MetricsAddr  string // REDRESS_METRICS_ADDR: serve's /metrics, off the public port
	DatabaseURL  string // DATABASE_URL
	DBMaxConns   int    // REDRESS_DB_MAX_CONNS
	NATSURL      string // NATS_URL, a secret when it holds a password (tls://user:password@host:4222)
	NATSCAFile   string // NATS_CA_FILE: the CA of the NATS servers' certificates
	NATSReplicas int    // REDRESS_NATS_REPLICAS
	LogLevel     string // REDRESS_LOG_LEVEL
	LogFormat    string // REDRESS_LOG_FORMAT
	DataDir      string // REDRESS_DATA_DIR
	DemoPassword string // REDRESS_DEMO_PASSWORD
	JWTSecret    []byte // REDRESS_JWT_SECRET: signs the tokens
	// JWTSecretPrevious (REDRESS_JWT_SECRET_PREVIOUS, optional) verifies
	// what the secret before a rotation signed: see docs/sign-in.md.
	JWTSecretPrevious []byte
	ReceiptSecret     []byte // REDRESS_RECEIPT_SECRET
	// EncryptionKeys maps key ids to 32-byte AES-256 keys (REDRESS_ENCRYPTION_KEYS).
	EncryptionKeys map[string][]byte
	// EncryptionKeyID names the key that seals new data (REDRESS_ENCRYPTION_KEY_ID).
	EncryptionKeyID     string
	ComplainantTokenTTL time.Duration // REDRESS_COMPLAINANT_TOKEN_TTL
	StaffTokenTTL       time.Duration // REDRESS_STAFF_TOKEN_TTL
	BodyLimit           int           // REDRESS_BODY_LIMIT (bytes)
	SweepEvery          time.Duration // REDRESS_SLA_SWEEP_EVERY: how often the worker fires due SLA timers
	// ReconcileEvery (REDRESS_RECONCILE_EVERY) is how often the worker looks
	// for cases not routed within UnroutedAfter (REDRESS_UNROUTED_AFTER) of
	// their submission, and publishes their case.submitted again.
	ReconcileEvery, UnroutedAfter time.Duration
	// SMTPURL is smtp://user:pass@host:port or smtps://… (REDRESS_SMTP_URL);
	// empty means emails are not sent, only logged as skipped.
	SMTPURL   string
	SMTPFrom  string // REDRESS_SMTP_FROM, the From header of every email
	PublicURL string // REDRESS_PUBLIC_URL, the base of links in emails, without a trailing slash
	// TimeZone is the organisation's (REDRESS_TIME_ZONE, an IANA name such
	// as Europe/Paris; default UTC): the pages show every time in it.
	TimeZone *time.Location
	// Organisation is who runs the mechanism, as the public pages and every
	// dossier name it, until an admin sets it (internal/organisation).
	Organisation Organisation
	// PasswordHash is the argon2id cost of new password hashes
	// (REDRESS_PASSWORD_HASH, "m=65536,t=3,p=2": KiB, passes, lanes).
	// Production keeps the default; tests lower it.
	PasswordHash PasswordHash
	// TrustedProxies are the reverse proxies in front of serve
	// (REDRESS_TRUSTED_PROXIES: addresses or CIDR ranges, comma-separated);
	// their X-Forwarded-For names the client to the sign-in throttle.
	TrustedProxies []netip.Prefix
}

// PasswordHash is an argon2id cost: memory in KiB, passes and lanes.
type PasswordHash struct {
	MemoryKiB, Time uint32
	Threads         uint8
}

// Need says which parts of the configuration a subcommand requires.
type Need struct {
	Database bool // DATABASE_URL must be set
	NATS     bool // NATS_URL must be set
	Secrets  bool // JWT, receipt and encryption secrets must be set
}

// Env is the source of variables; os.LookupEnv in production, a map in tests.
type Env func(string) (string, bool)

// Load reads the configuration from the process environment.
func Load(need Need) (*Config, error) { return LoadFrom(os.LookupEnv, need) }

// LoadFrom reads the configuration from env and validates it for need.
func LoadFrom(env Env, need Need) (*Config, error) {
	r := reader{env: env}
	c := &Config{
		Addr:                r.str("REDRESS_ADDR", "127.0.0.1:8080"),
		WorkerAddr:          r.str("REDRESS_WORKER_ADDR", "127.0.0.1:9090"),
		MetricsAddr:         r.str("REDRESS_METRICS_ADDR", "127.0.0.1:9091"),
		DatabaseURL:         r.secret("DATABASE_URL"),
		DBMaxConns:          r.integer("REDRESS_DB_MAX_CONNS", 20, 1, 1000),
		NATSURL:             r.secret("NATS_URL"),
		NATSCAFile:          r.str("NATS_CA_FILE", ""),
		NATSReplicas:        r.integer("REDRESS_NATS_REPLICAS", 1, 1, 5),
		LogLevel:            r.oneOf("REDRESS_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		LogFormat:           r.oneOf("REDRESS_LOG_FORMAT", "json", "json", "text"),
		DataDir:             r.str("REDRESS_DATA_DIR", ".redress"),
		DemoPassword:        r.secret("REDRESS_DEMO_PASSWORD"),
		ComplainantTokenTTL: r.duration("REDRESS_COMPLAINANT_TOKEN_TTL", 30*time.Minute),
		StaffTokenTTL:       r.duration("REDRESS_STAFF_TOKEN_TTL", 8*time.Hour),
		BodyLimit:           r.integer("REDRESS_BODY_LIMIT", 256<<10, 4<<10, 64<<20),
		SweepEvery:          r.duration("REDRESS_SLA_SWEEP_EVERY", 5*time.Second),
		ReconcileEvery:      r.duration("REDRESS_RECONCILE_EVERY", 30*time.Second),
		UnroutedAfter:       r.duration("REDRESS_UNROUTED_AFTER", 2*time.Minute),
		SMTPURL:             r.secret("REDRESS_SMTP_URL"),
		SMTPFrom:            r.str("REDRESS_SMTP_FROM", "Redress <no-reply@localhost>"),
		PublicURL:           strings.TrimRight(r.str("REDRESS_PUBLIC_URL", "http://127.0.0.1:8080"), "/"),
		TimeZone:            r.zone("REDRESS_TIME_ZONE"),
		Organisation: Organisation{
			LegalName:    r.str("REDRESS_ORGANISATION_NAME", ""),
			Address:      r.str("REDRESS_ORGANISATION_ADDRESS", ""),
			Jurisdiction: strings.ToUpper(strings.TrimSpace(r.str("REDRESS_ORGANISATION_JURISDICTION", ""))),
			Contact:      r.str("REDRESS_ORGANISATION_CONTACT", ""),
		},
	}
	if j := c.Organisation.Jurisdiction; j != "" && !countryOrEU(j) {
		r.fail("REDRESS_ORGANISATION_JURISDICTION", "must be a country code (ISO 3166-1 alpha-2, such as FR), or EU")
	}
	c.PasswordHash = r.passwordHash("REDRESS_PASSWORD_HASH", PasswordHash{MemoryKiB: 64 * 1024, Time: 3, Threads: 2})
	c.TrustedProxies = r.prefixes("REDRESS_TRUSTED_PROXIES")
	r.addr("REDRESS_ADDR", c.Addr)
	r.addr("REDRESS_WORKER_ADDR", c.WorkerAddr)
	r.addr("REDRESS_METRICS_ADDR", c.MetricsAddr)
	r.smtpURL("REDRESS_SMTP_URL", c.SMTPURL)
	r.mailbox("REDRESS_SMTP_FROM", c.SMTPFrom)
	r.publicURL("REDRESS_PUBLIC_URL", c.PublicURL)
	if need.Database && c.DatabaseURL == "" {
		r.fail("DATABASE_URL", "is required (for example postgres://redress:secret@localhost:5432/redress)")
	}
	if c.NATSCAFile != "" {
		if _, err := os.ReadFile(c.NATSCAFile); err != nil {
			r.fail("NATS_CA_FILE", fmt.Sprintf("cannot be read: %v", err))
		}
	}
	if need.NATS && c.NATSURL == "" {
		r.fail("NATS_URL", "is required (for example nats://localhost:4222)")
	}
	if jwt := r.secret("REDRESS_JWT_SECRET"); jwt != "" || need.Secrets {
		c.JWTSecret = r.key("REDRESS_JWT_SECRET", jwt)
	}
	if prev := r.secret("REDRESS_JWT_SECRET_PREVIOUS"); prev != "" {
		c.JWTSecretPrevious = r.key("REDRESS_JWT_SECRET_PREVIOUS", prev)
	}
	if rs := r.secret("REDRESS_RECEIPT_SECRET"); rs != "" || need.Secrets {
		c.ReceiptSecret = r.key("REDRESS_RECEIPT_SECRET", rs)
	}
	if keys := r.secret("REDRESS_ENCRYPTION_KEYS"); keys != "" || need.Secrets {
		c.EncryptionKeys, c.EncryptionKeyID = r.encryptionKeys(keys, r.str("REDRESS_ENCRYPTION_KEY_ID", ""))
	}
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	return c, nil
}

// ParseEncryptionKeys parses "id:base64,id:base64" into a key map.
func ParseEncryptionKeys(s string) (map[string][]byte, error) {
	keys := map[string][]byte{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" || len(id) > 32 {
			return nil, fmt.Errorf("entry %q must be keyid:base64key with a key id of 1 to 32 characters", redact(part))
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("key %q is not valid base64", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("key %q must decode to 32 bytes (AES-256), got %d", id, len(key))
		}
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("key id %q appears twice", id)
		}
		keys[id] = key
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys given")
	}
	return keys, nil
}

func redact(s string) string {
	if id, _, ok := strings.Cut(s, ":"); ok {
		return id + ":…"
	}
	if len(s) > 8 {
		return s[:4] + "…"
	}
	return s
}

type reader struct {
	env  Env
	errs []error
}

func (r *reader) fail(name, msg string) {
	r.errs = append(r.errs, fmt.Errorf("config: %s %s", name, msg))
}

// prefixes reads a comma-separated list of addresses and CIDR ranges; an
// address alone is a range of one.
func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range strings.Split(r.str(name, ""), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(part); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			r.fail(name, fmt.Sprintf("has %q, which is neither an address nor a CIDR range (10.0.0.0/8)", part))
		}
	}
	return out
}

func (r *reader) str(name, def string) string {
	if v, ok := r.env(name); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// secret reads NAME, or the file named by NAME_FILE; setting both is an error.
func (r *reader) secret(name string) string {
	v, hasV := r.env(name)
	path, hasF := r.env(name + "_FILE")
	switch {
	case hasV && v != "" && hasF && path != "":
		r.fail(name, "and "+name+"_FILE are both set; set only one")
		return ""
	case hasF && path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			r.fail(name+"_FILE", fmt.Sprintf("cannot be read: %v", err))
			return ""
		}
		return strings.TrimSpace(string(b))
	default:
		return strings.TrimSpace(v)
	}
}

func (r *reader) integer(name string, def, min, max int) int {
	v, ok := r.env(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.fail(name, fmt.Sprintf("must be a whole number from %d to %d, got %q", min, max, v))
		return def
	}
	return n
}

// passwordHash reads "m=KiB,t=passes,p=lanes", within the bounds argon2
// can run at (the ones a stored hash is checked against).
func (r *reader) passwordHash(name string, def PasswordHash) PasswordHash {
	v, ok := r.env(name)
	if !ok || v == "" {
		return def
	}
	var h PasswordHash
	var m, t, p uint64
	_, err := fmt.Sscanf(v, "m=%d,t=%d,p=%d", &m, &t, &p)
	if err != nil || fmt.Sprintf("m=%d,t=%d,p=%d", m, t, p) != v || t < 1 || t > 16 || p < 1 || p > 16 || m < 8*p || m > 1<<21 {
		r.fail(name, fmt.Sprintf(`must be "m=KiB,t=passes,p=lanes" with 1 ≤ t ≤ 16, 1 ≤ p ≤ 16 and 8·p ≤ m ≤ 2097152, got %q`, v))
		return def
	}
	h.MemoryKiB, h.Time, h.Threads = uint32(m), uint32(t), uint8(p)
	return h
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v, ok := r.env(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, fmt.Sprintf("must be a positive duration such as 30m or 8h, got %q", v))
		return def
	}
	return d
}

// zone reads an IANA time zone name; unset is UTC.
func (r *reader) zone(name string) *time.Location {
	v := r.str(name, "UTC")
	if v == "Local" {
		r.fail(name, "must be an IANA zone name such as Europe/Paris, not Local")
		return time.UTC
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		r.fail(name, fmt.Sprintf("is not a known time zone (an IANA name such as Europe/Paris): %q", v))
		return time.UTC
	}
	return loc
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := r.str(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

func (r *reader) addr(name, v string) {
	if _, _, err := net.SplitHostPort(v); err != nil {
		r.fail(name, fmt.Sprintf("must be host:port, got %q", v))
	}
}

// key validates a secret used as an HMAC key: at least 32 bytes.
func (r *reader) key(name, v string) []byte {
	if v == "" {
		r.fail(name, "is required (at least 32 random bytes, e.g. `head -c32 /dev/urandom | base64`)")
		return nil
	}
	if len(v) < 32 {
		r.fail(name, fmt.Sprintf("must be at least 32 bytes long, got %d", len(v)))
		return nil
	}
	return []byte(v)
}

func (r *reader) encryptionKeys(v, current string) (map[string][]byte, string) {
	if v == "" {
		r.fail("REDRESS_ENCRYPTION_KEYS", "is required (keyid:base64 of 32 random bytes, e.g. k1:$(head -c32 /dev/urandom | base64))")
		return nil, ""
	}
	keys, err := ParseEncryptionKeys(v)
	if err != nil {
		r.fail("REDRESS_ENCRYPTION_KEYS", err.Error())
		return nil, ""
	}
	if current == "" {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				current, _, _ = strings.Cut(part, ":")
				break
			}
		}
	}
	if _, ok := keys[current]; !ok {
		r.fail("REDRESS_ENCRYPTION_KEY_ID", fmt.Sprintf("names key %q, which is not in REDRESS_ENCRYPTION_KEYS", current))
	}
	return keys, current
}

// smtpURL checks an SMTP server URL without ever echoing it: it may hold a password.
func (r *reader) smtpURL(name, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil {
		r.fail(name, "is not a URL (expected smtp://user:password@host:port or smtps://…)")
		return
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		r.fail(name, "must start with smtp:// (STARTTLS when offered) or smtps:// (TLS from the start)")
		return
	}
	if u.Hostname() == "" {
		r.fail(name, "must name a host, as in smtp://mail.example.org:587")
		return
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			r.fail(name, "has a port that is not a number from 1 to 65535")
			return
		}
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		r.fail(name, "must not have a path or fragment")
		return
	}
	for k, vals := range u.Query() {
		if k != "starttls" || len(vals) != 1 || (vals[0] != "required" && vals[0] != "opportunistic") {
			r.fail(name, "accepts only the query parameter starttls=required or starttls=opportunistic")
			return
		}
	}
	if u.Scheme == "smtps" && u.Query().Has("starttls") {
		r.fail(name, "sets starttls on smtps://, which is TLS from the start")
	}
}

func (r *reader) mailbox(name, v string) {
	if _, err := mail.ParseAddress(v); err != nil {
		r.fail(name, fmt.Sprintf("must be an address such as \"Redress <no-reply@example.org>\", got %q", v))
	}
}

func (r *reader) publicURL(name, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" {
		r.fail(name, fmt.Sprintf("must be an http:// or https:// URL such as https://redress.example.org, got %q", v))
	}
}

// Organisation is the REDRESS_ORGANISATION_* settings: the defaults of the
// organisation's profile (internal/organisation), which an admin may
// override.
type Organisation struct {
	LegalName    string // REDRESS_ORGANISATION_NAME: its legal name
	Address      string // REDRESS_ORGANISATION_ADDRESS: its postal address
	Jurisdiction string // REDRESS_ORGANISATION_JURISDICTION: ISO 3166-1 alpha-2 country code, or EU (default EU)
	Contact      string // REDRESS_ORGANISATION_CONTACT: its contact point (an email address, a URL, a phone number)
}

// countryOrEU reports whether code is an ISO 3166-1 alpha-2 country code
// (upper case) or EU (as organisation.ValidJurisdiction).
func countryOrEU(code string) bool {
	if code == "EU" {
		return true
	}
	r, err := language.ParseRegion(code)
	return err == nil && len(code) == 2 && r.IsCountry() && r.String() == code
}
