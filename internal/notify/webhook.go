package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Headers of every webhook request.
const (
	HeaderEventID   = "Redress-Event-Id"
	HeaderEventType = "Redress-Event-Type"
	HeaderTimestamp = "Redress-Timestamp"
	HeaderSignature = "Redress-Signature"
)

// Endpoint is a system of the organisation's that receives signed events.
type Endpoint struct {
	ID     uuid.UUID `json:"id"`
	URL    string    `json:"url"`
	Events []string  `json:"events"` // subjects or patterns ending in ">"; empty = every event
	Active bool      `json:"active"`
	// Secret is set only by CreateEndpoint, and only when it generated the
	// secret: it is shown once and stored sealed.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// endpointRow is a row of webhook_endpoints (without body_id, which
// CreateBodyEndpoint and DetachBodyEndpoint set).
type endpointRow struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	URL       string
	SecretEnc []byte
	Events    db.TextSlice
	Active    bool
	CreatedAt time.Time `gorm:"autoCreateTime:false;default:now()"` // the database sets it
}

// TableName is the table endpointRow maps.
func (endpointRow) TableName() string { return "webhook_endpoints" }

// MaxEndpointEvents is how many subjects or patterns one endpoint may filter on.
const MaxEndpointEvents = 50

func purposeSecret(id uuid.UUID) string { return "webhook.secret:" + id.String() }

var subjectPattern = regexp.MustCompile(`^redress(\.([a-z0-9_]+|\*))*(\.>)?$`)

// CreateEndpoint registers url to receive the events matching subjects (all
// when empty), signed with secret; an empty secret is generated and returned
// in the endpoint, once. The URL must be https, or http to the loopback for
// development.
func (n *Notifier) CreateEndpoint(ctx context.Context, rawURL, secret string, subjects []string) (*Endpoint, error) {
	return n.createEndpoint(n.db.WithContext(ctx), rawURL, secret, subjects)
}

// createEndpoint is CreateEndpoint writing through q (CreateBodyEndpoint's
// transaction, or the pool).
func (n *Notifier) createEndpoint(q *gorm.DB, rawURL, secret string, subjects []string) (*Endpoint, error) {
	var f fault.Fields
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		f.Add("url", "required", "is required: the https:// address events are posted to")
	} else if msg := checkEndpointURL(rawURL); msg != "" {
		f.Add("url", "invalid", msg)
	}
	generated := secret == ""
	if generated {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		secret = "whsec_" + base64.RawURLEncoding.EncodeToString(b)
	} else if len(secret) < 32 || len(secret) > 256 {
		f.Add("secret", "invalid_length", "must be 32 to 256 characters (or empty, to have one generated)")
	}
	if len(subjects) > MaxEndpointEvents {
		f.Addf("events", "too_many", "may hold at most %d subjects or patterns", MaxEndpointEvents)
		subjects = nil
	}
	clean := make([]string, 0, len(subjects))
	for i, s := range subjects {
		s = strings.TrimSpace(s)
		if s == "" || len(s) > 200 || !subjectPattern.MatchString(s) || s == "redress" {
			f.Addf(fmt.Sprintf("events[%d]", i), "invalid",
				"must be an event subject such as %s, or a pattern such as redress.case.>", events.CaseSubmitted)
			continue
		}
		clean = append(clean, s)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	e := &Endpoint{ID: uuid.New(), URL: rawURL, Events: clean, Active: true}
	sealed, err := n.keys.SealString(purposeSecret(e.ID), secret)
	if err != nil {
		return nil, err
	}
	row := endpointRow{ID: e.ID, URL: e.URL, SecretEnc: sealed, Events: db.TextSlice(clean)}
	if err := q.Select("id", "url", "secret_enc", "events").Create(&row).Error; err != nil {
		return nil, fmt.Errorf("notify: create endpoint: %w", err)
	}
	e.CreatedAt = row.CreatedAt.UTC()
	if generated {
		e.Secret = secret
	}
	return e, nil
}

// Endpoints lists every webhook endpoint, oldest first, without secrets.
func (n *Notifier) Endpoints(ctx context.Context) ([]Endpoint, error) {
	return endpoints(n.db.WithContext(ctx), nil)
}

// Endpoint returns one webhook endpoint, without its secret.
func (n *Notifier) Endpoint(ctx context.Context, id uuid.UUID) (*Endpoint, error) {
	out, err := endpoints(n.db.WithContext(ctx), &id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fault.New(fault.NotFound, "endpoint_not_found", "No webhook endpoint has that id.")
	}
	return &out[0], nil
}

// endpoints reads the endpoints, or the one with id, through q.
func endpoints(q *gorm.DB, id *uuid.UUID) ([]Endpoint, error) {
	var rows []endpointRow
	q = q.Model(&endpointRow{}).Select("id", "url", "events", "active", "created_at")
	if id != nil {
		q = q.Where("id = ?", *id)
	}
	if err := q.Order("created_at, id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("notify: endpoints: %w", err)
	}
	out := make([]Endpoint, len(rows))
	for i, r := range rows {
		out[i] = Endpoint{ID: r.ID, URL: r.URL, Events: append([]string{}, r.Events...), Active: r.Active,
			CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// checkEndpointURL returns why a webhook URL is not acceptable, or "".
func checkEndpointURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || len(raw) > 2000 || strings.ContainsAny(raw, " \t\r\n"):
		return "must be a URL of at most 2000 characters"
	case u.User != nil:
		return "must not hold credentials; requests are authenticated by their signature"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a fragment"
	case strings.HasPrefix(raw, "https://") && u.Host != "":
		return ""
	case strings.HasPrefix(raw, "http://") && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"):
		return "" // development
	default:
		return "must start with https:// (http:// only to 127.0.0.1 or localhost, for development)"
	}
}

// SetEndpointActive turns deliveries to an endpoint on or off and returns it.
// Deliveries owed to an inactive endpoint wait; none are owed to it for new events.
func (n *Notifier) SetEndpointActive(ctx context.Context, id uuid.UUID, active bool) (*Endpoint, error) {
	res := n.db.WithContext(ctx).Model(&endpointRow{}).Where("id = ?", id).Update("active", active)
	if res.Error != nil {
		return nil, fmt.Errorf("notify: endpoint: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, fault.New(fault.NotFound, "endpoint_not_found", "No webhook endpoint has that id.")
	}
	return n.Endpoint(ctx, id)
}

// HandleWebhooks owes every active endpoint whose filter matches the event a
// delivery of it. It runs in tx, the transaction that records the event as
// processed.
func (n *Notifier) HandleWebhooks(tx *gorm.DB, env *events.Envelope) error {
	endpoints, err := subscribed(tx, env.Type)
	if err != nil {
		return err
	}
	var payload []byte
	for _, e := range endpoints {
		if payload == nil {
			var err error
			if payload, err = json.Marshal(env); err != nil {
				return fmt.Errorf("%w: %v", ErrPoison, err)
			}
		}
		if err := tx.Table("webhook_deliveries").
			Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "endpoint_id"}, {Name: "event_id"}}, DoNothing: true}).
			Create(map[string]any{"endpoint_id": e.ID, "event_id": env.ID, "subject": env.Type, "payload": payload}).
			Error; err != nil {
			return fmt.Errorf("notify: owe delivery: %w", err)
		}
	}
	return nil
}

// WebhookOwed says whether an active endpoint of the organisation takes
// env's event: when none does, the webhooks consumer has nothing to do for
// it and acknowledges it without a transaction (worker.Consumer.Relevant).
// An endpoint added after this read and before the event is handled is
// found by HandleWebhooks' own read, as before; one added after both gets
// the events that follow.
func (n *Notifier) WebhookOwed(r *db.Reads, env *events.Envelope) (owed func() bool) {
	var all []endpointRow
	r.Find(&all, organisationEndpoints)
	return func() bool { return len(taking(all, env.Type)) > 0 }
}

// subscribed are the organisation's active endpoints that take subject.
func subscribed(q *gorm.DB, subject string) ([]endpointRow, error) {
	var all []endpointRow
	if err := organisationEndpoints(q).Scan(&all).Error; err != nil {
		return nil, fmt.Errorf("notify: endpoints: %w", err)
	}
	return taking(all, subject), nil
}

// organisationEndpoints reads the organisation's active endpoints through
// q. A body's endpoint gets its referrals only (OweBodyWebhook), never the
// organisation's events.
func organisationEndpoints(q *gorm.DB) *gorm.DB {
	return q.Model(&endpointRow{}).Select("id", "events").Where("active AND body_id IS NULL")
}

// taking are those of endpoints that take subject.
func taking(endpoints []endpointRow, subject string) []endpointRow {
	var out []endpointRow
	for _, e := range endpoints {
		if Matches(e.Events, subject) {
			out = append(out, e)
		}
	}
	return out
}

// Matches reports whether subject is among filters (NATS-style: "*" is one
// token, a final ">" is one or more); no filters match everything.
func Matches(filters []string, subject string) bool {
	if len(filters) == 0 {
		return true
	}
	st := strings.Split(subject, ".")
	for _, f := range filters {
		ft := strings.Split(f, ".")
		for i, tok := range ft {
			if tok == ">" {
				if len(st) > i {
					return true
				}
				break
			}
			if i >= len(st) || (tok != "*" && tok != st[i]) {
				break
			}
			if i == len(ft)-1 && len(st) == len(ft) {
				return true
			}
		}
	}
	return false
}

// Delivery is a row of the delivery log, with its attempts.
type Delivery struct {
	ID           int64          `json:"id"`
	EndpointID   uuid.UUID      `json:"endpoint_id"`
	EventID      uuid.UUID      `json:"event_id"`
	Subject      string         `json:"subject"`
	Attempts     int            `json:"attempts" gorm:"column:attempt"` // attempts made so far
	Status       DeliveryStatus `json:"status"`
	ResponseCode *int           `json:"response_code"`
	Error        *string        `json:"error"`
	NextAttempt  *time.Time     `json:"next_attempt_at" gorm:"column:next_attempt_at"` // only while pending or failed
	CreatedAt    time.Time      `json:"created_at"`
	DeliveredAt  *time.Time     `json:"delivered_at"`
	Log          []Attempt      `json:"log" gorm:"-"`
}

// Attempt is one try of a delivery.
type Attempt struct {
	DeliveryID   int64     `json:"-"`
	Attempt      int       `json:"attempt"`
	AttemptedAt  time.Time `json:"attempted_at"`
	DurationMS   int       `json:"duration_ms"`
	ResponseCode *int      `json:"response_code"`
	Error        *string   `json:"error"`
}

// Deliveries lists an endpoint's deliveries newest first, each with every
// attempt in order: up to limit of those with an id below before (0 for the
// newest).
func (n *Notifier) Deliveries(ctx context.Context, endpointID uuid.UUID, before int64, limit int) ([]Delivery, error) {
	if _, err := n.Endpoint(ctx, endpointID); err != nil {
		return nil, err
	}
	conn := n.db.WithContext(ctx)
	out, err := deliveryRows(conn, endpointID, before, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("notify: deliveries: %w", err)
	}
	if len(out) == 0 {
		return []Delivery{}, nil
	}
	ids := make([]int64, len(out))
	index := make(map[int64]int, len(out))
	for i := range out {
		ids[i], index[out[i].ID] = out[i].ID, i
		out[i].Log = []Attempt{}
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	var attempts []Attempt
	if err := conn.Table("webhook_attempts").
		Select("delivery_id", "attempt", "attempted_at", "duration_ms", "response_code", "error").
		Where("delivery_id IN ?", ids).Order("delivery_id, attempt").Scan(&attempts).Error; err != nil {
		return nil, fmt.Errorf("notify: attempts: %w", err)
	}
	for _, a := range attempts {
		a.AttemptedAt = a.AttemptedAt.UTC()
		d := &out[index[a.DeliveryID]]
		d.Log = append(d.Log, a)
	}
	return out, nil
}

// DeliverDueWebhooks claims up to a batch of due deliveries to active
// endpoints, posts them at once and records every attempt, returning how many
// it claimed. The claim moves each row's next attempt two minutes on, so a
// worker that dies mid-request leaves it to be tried again then.
func (n *Notifier) DeliverDueWebhooks(ctx context.Context) (int, error) {
	rows, err := claimDeliveries(n.db.WithContext(ctx), batchSize)
	if err != nil {
		return 0, fmt.Errorf("notify: claim deliveries: %w", err)
	}
	var wg sync.WaitGroup
	for _, d := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.deliver(ctx, d)
		}()
	}
	wg.Wait()
	return len(rows), nil
}

func (n *Notifier) deliver(ctx context.Context, d claimedDelivery) {
	log := n.log.With("delivery_id", d.ID, "endpoint_id", d.EndpointID, "event_id", d.EventID, "attempt", d.Attempt)
	start := time.Now()
	code, err := n.post(ctx, d)
	elapsed := time.Since(start)
	status, wait := DeliveryDelivered, time.Duration(0)
	var errText *string
	if err != nil {
		msg := truncate(err.Error())
		errText = &msg
		status = DeliveryFailed
		if d.Attempt >= n.MaxAttempts() {
			status = DeliveryGaveUp
		} else {
			wait = n.wait(d.Attempt)
		}
		log.Warn("webhook delivery failed", "status", status, "response_code", code, "err", msg, "retry_in", wait)
	} else {
		log.Debug("webhook delivered", "response_code", code)
	}
	var codePtr *int
	if code != 0 {
		codePtr = &code
	}
	err = db.Transact(ctx, n.db, func(tx *gorm.DB) error {
		changed, err := recordDelivery(tx, d, status, codePtr, errText, wait)
		if err != nil {
			return err
		}
		if changed == 0 {
			return nil // another worker claimed it after our claim expired: its record stands
		}
		return tx.Table("webhook_attempts").Clauses(clause.OnConflict{DoNothing: true}).
			Create(map[string]any{"delivery_id": d.ID, "attempt": d.Attempt, "duration_ms": elapsed.Milliseconds(),
				"response_code": codePtr, "error": errText}).Error
	})
	if err != nil {
		log.Error("webhook outcome not recorded", "err", err)
	}
}

// post sends one delivery and returns the response code; any answer but 2xx is an error.
func (n *Notifier) post(ctx context.Context, d claimedDelivery) (int, error) {
	secret, err := n.keys.Open(purposeSecret(d.EndpointID), d.SecretEnc)
	if err != nil {
		return 0, errors.New("the endpoint's secret does not open")
	}
	ts := time.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Redress-Webhooks/1")
	req.Header.Set(HeaderEventID, d.EventID.String())
	req.Header.Set(HeaderEventType, d.Subject)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, d.Payload))
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // the body is not kept
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// Sign returns the Redress-Signature header value for body sent at unix
// time ts: "t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>".
func Sign(secret []byte, ts int64, body []byte) string {
	return "t=" + strconv.FormatInt(ts, 10) + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Errors Verify returns.
var (
	ErrSignatureHeader  = errors.New("notify: malformed Redress-Signature header")
	ErrSignatureExpired = errors.New("notify: signature timestamp outside the tolerance")
	ErrSignatureInvalid = errors.New("notify: signature does not match")
)

// Verify checks a Redress-Signature header against the raw body a receiver
// got, and that its timestamp is within tolerance of now (replays of old
// requests fail). Several v1 values may be given (as during a secret change):
// one must match.
func Verify(secret []byte, header string, body []byte, tolerance time.Duration) error {
	return verifyAt(secret, header, body, tolerance, time.Now())
}

func verifyAt(secret []byte, header string, body []byte, tolerance time.Duration, now time.Time) error {
	var ts int64
	var haveTS bool
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureHeader
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveTS {
				return ErrSignatureHeader
			}
			ts, haveTS = n, true
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return ErrSignatureHeader
			}
			sigs = append(sigs, b)
		}
	}
	if !haveTS || len(sigs) == 0 {
		return ErrSignatureHeader
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrSignatureInvalid
}
