package escalation

import (
	"crypto/ed25519"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/paging"
)

// The models of the tables escalation owns that its builder statements
// use, and the statements that need SQL's full power.

// signingKeyRow is a row of signing_keys.
type signingKeyRow struct {
	ID            string
	PublicKey     []byte
	PrivateKeyEnc []byte
	Status        KeyStatus
	CreatedAt     time.Time
	NotAfter      *time.Time
	RetiredAt     *time.Time
}

// TableName is the signing keys' table.
func (signingKeyRow) TableName() string { return "signing_keys" }

// currentSigningKey reads the current key's id and sealed private key with
// q, locked FOR SHARE when q is a transaction (a rotation or retirement
// waits for it to commit), or nil when there is none.
func currentSigningKey(q *gorm.DB) (*signingKeyRow, error) {
	var rows []signingKeyRow
	if err := q.Raw(`SELECT id, private_key_enc FROM signing_keys WHERE status = 'current' FOR SHARE`).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// insertSigningKey adds a current signing key unless one is current already
// (the partial unique index on the current key decides a race).
func insertSigningKey(tx *gorm.DB, kid string, pub ed25519.PublicKey, sealed []byte) error {
	return tx.Exec(`INSERT INTO signing_keys (id, public_key, private_key_enc) VALUES (?, ?, ?)
			ON CONFLICT ((true)) WHERE status = 'current' DO NOTHING`, kid, []byte(pub), sealed).Error
}

// rotateSigningKey makes the current key previous and kid current, in tx.
// The current key's row is locked first (FOR UPDATE waits for the signings
// under way, which hold it FOR SHARE, to commit), and only then dated: the
// old key signed until that moment, every document it signed was begun
// before it, and the new key signs from it, so the periods meet. (A
// clock_timestamp() in the UPDATE that waits would be read before the wait.)
func rotateSigningKey(tx *gorm.DB, kid string, pub ed25519.PublicKey, sealed []byte) error {
	var locked []string
	if err := tx.Raw(`SELECT id FROM signing_keys WHERE status = 'current' FOR UPDATE`).Scan(&locked).Error; err != nil {
		return err
	}
	return tx.Exec(`WITH old AS (
			UPDATE signing_keys SET status = 'previous', not_after = clock_timestamp() WHERE status = 'current'
			RETURNING not_after)
		INSERT INTO signing_keys (id, public_key, private_key_enc, created_at)
		VALUES (?, ?, ?, COALESCE((SELECT not_after FROM old), clock_timestamp()))`, kid, []byte(pub), sealed).Error
}

// retireSigningKey retires kid, in tx, if it is previous, and returns its
// status before ("" when there is no such key).
func retireSigningKey(tx *gorm.DB, kid string) (KeyStatus, error) {
	var before []KeyStatus
	err := tx.Raw(`WITH k AS (SELECT id, status FROM signing_keys WHERE id = ? FOR UPDATE),
		r AS (UPDATE signing_keys s SET status = 'retired', retired_at = now() FROM k
			WHERE s.id = k.id AND k.status = 'previous' RETURNING s.id)
		SELECT k.status FROM k`, kid).Scan(&before).Error
	if err != nil || len(before) == 0 {
		return "", err
	}
	return before[0], nil
}

// signingKeys lists every key: the current one, the previous ones, then the
// retired ones, newest first.
func signingKeys(q *gorm.DB) ([]signingKeyRow, error) {
	var rows []signingKeyRow
	err := q.Select("id, public_key, status, created_at, not_after, retired_at").
		Order("CASE status WHEN 'current' THEN 0 WHEN 'previous' THEN 1 ELSE 2 END, created_at DESC").
		Find(&rows).Error
	return rows, err
}

// escalationRequest is a row of escalation_requests. Rule is the jsonb
// rule read as text.
type escalationRequest struct {
	ID         uuid.UUID
	CaseID     uuid.UUID
	Source     Source
	Clock      *string
	Rule       *string
	Reason     string
	Status     RequestStatus
	ReferralID *uuid.UUID
}

// TableName is the escalation requests' table.
func (escalationRequest) TableName() string { return "escalation_requests" }

// RequestOnBreach opens, in tx, the requests to take cases to an
// independent body because their statutory clocks were breached (the sweep
// of internal/clocks calls it with the breaches of many cases), in one
// multi-row INSERT, and returns their ids in the order of reqs, uuid.Nil for
// a request already open.
func RequestOnBreach(tx *gorm.DB, reqs []clocks.BreachRequest) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, len(reqs))
	if len(reqs) == 0 {
		return out, nil
	}
	values := make([]string, 0, len(reqs))
	args := make([]any, 0, 4*len(reqs))
	for _, r := range reqs {
		values = append(values, "(?::uuid, 'sla_breach', ?, ?::jsonb, ?)")
		args = append(args, r.CaseID, string(r.Clock), r.Rule, r.Reason)
	}
	var rows []struct {
		ID     uuid.UUID
		CaseID uuid.UUID
		Clock  string
	}
	if err := tx.Raw(`INSERT INTO escalation_requests (case_id, source, clock, rule, reason) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT DO NOTHING RETURNING id, case_id, clock`, args...).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	type key struct {
		caseID uuid.UUID
		clock  string
	}
	opened := make(map[key]uuid.UUID, len(rows))
	for _, r := range rows {
		opened[key{r.CaseID, r.Clock}] = r.ID
	}
	for i, r := range reqs {
		out[i] = opened[key{r.CaseID, string(r.Clock)}]
	}
	return out, nil
}

// insertIncidentRequest opens the escalation request of an incident case
// triaged P0, and returns its id (nil when the case has one already).
func insertIncidentRequest(tx *gorm.DB, caseID uuid.UUID) (uuid.UUID, error) {
	var row escalationRequest
	err := tx.Raw(`INSERT INTO escalation_requests (case_id, source, clock, reason)
		VALUES (?, 'incident', 'incident_report', 'a possible serious incident was triaged P0')
		ON CONFLICT DO NOTHING RETURNING id`, caseID).Scan(&row).Error
	return row.ID, err
}

// answeredByOpenReferral marks the request referred, answered by the case's
// open referral to the body.
func answeredByOpenReferral(tx *gorm.DB, reqID, caseID, bodyID uuid.UUID) error {
	return tx.Exec(`UPDATE escalation_requests SET status = ?, referral_id = (SELECT id FROM referrals
			WHERE case_id = ? AND body_id = ? AND status <> 'closed') WHERE id = ?`, RequestReferred, caseID, bodyID, reqID).Error
}

// deliveries are the webhook deliveries and emails that carry the
// referral's dossier and identity addenda to its body.
func deliveries(tx *gorm.DB, referralID uuid.UUID) ([]Delivery, error) {
	var out []Delivery
	err := tx.Raw(`
		SELECT 'webhook' AS channel, CASE WHEN subject = ? THEN 'identity_addendum' ELSE 'dossier' END AS document,
		       status, attempt AS attempts, response_code, error,
		       CASE WHEN status IN ('pending', 'failed') THEN next_attempt_at END AS next_attempt, delivered_at AS done_at
		  FROM webhook_deliveries WHERE referral_id = ?
		UNION ALL
		SELECT 'email', data->>'document', status, attempt, NULL, error,
		       CASE WHEN status IN ('pending', 'failed') THEN next_attempt_at END, sent_at
		  FROM notifications_sent
		 WHERE case_id = (SELECT case_id FROM referrals WHERE id = ?) AND recipient_kind = 'body' AND data->>'referral_id' = ?
		 ORDER BY 1, 2`, events.ReferralIdentityDisclosed, referralID, referralID, referralID.String()).Scan(&out).Error
	return out, err
}

// historyRow is an entry of the case record about a referral.
type historyRow struct {
	At        time.Time
	ActorKind string
	Action    string
	Data      string
}

// bodyRow is a row of bodies; read by bodyRows, with the body's webhook
// endpoint.
type bodyRow struct {
	ID                             uuid.UUID `gorm:"default:gen_random_uuid()"`
	Slug, Name, Type, Jurisdiction string
	LegalBases                     db.TextSlice
	Requirements, Description      string
	Website                        *string
	Languages                      db.TextSlice
	Portal, Active, SignpostOnly   bool
	Email                          *string
	EndpointID                     *uuid.UUID `gorm:"->"`
	EndpointURL                    *string    `gorm:"->"`
	UpdatedAt                      time.Time  `gorm:"<-:update;autoUpdateTime:false"`
}

// TableName is the bodies' table.
func (bodyRow) TableName() string { return "bodies" }

// bodyRows reads the bodies where (over bodies b) holds, with their
// webhook endpoints, in the order of BodyTypes, then by jurisdiction and name.
func bodyRows(tx *gorm.DB, where string, args ...any) ([]bodyRow, error) {
	var rows []bodyRow
	err := tx.Raw(`SELECT b.id, b.slug, b.name, b.type, b.jurisdiction, b.legal_bases, b.requirements,
		       b.description, b.website, b.languages, b.portal, b.active, b.signpost_only, b.email, e.id AS endpoint_id,
		       e.url AS endpoint_url, b.updated_at
		  FROM bodies b LEFT JOIN webhook_endpoints e ON e.body_id = b.id
		 WHERE `+where+` ORDER BY array_position(?::text[], b.type), b.jurisdiction, b.name, b.id`,
		append(args, db.TextSlice(BodyTypes))...).Scan(&rows).Error
	return rows, err
}

// identityDisclosure is a row of identity_disclosures.
type identityDisclosure struct {
	ID                uuid.UUID
	ReferralID        uuid.UUID
	LegalBasis        string
	ReasonEnc         []byte
	RequestedBy       uuid.UUID
	RequestedAt       time.Time
	NoticeAt          time.Time
	ApprovedBy        *uuid.UUID
	ApprovedAt        *time.Time
	KeyID             *string
	AddendumEnc       []byte
	AddendumSignature []byte
}

// TableName is the identity disclosures' table.
func (identityDisclosure) TableName() string { return "identity_disclosures" }

// referralRecord is a referral as it is made (a row of referrals; the body's
// later status, outcome and first opening are updated through it).
type referralRecord struct {
	ID               uuid.UUID
	CaseID           uuid.UUID
	BodyID           uuid.UUID
	Source           Source
	RequestedBy      *uuid.UUID
	ReasonEnc        []byte
	LegalBasis       string
	ConsentScope     ConsentScope
	KeyID            string
	DossierEnc       []byte
	DossierSHA256    []byte `gorm:"column:dossier_sha256"`
	DossierSignature []byte
	PDFEnc           []byte `gorm:"column:pdf_enc"`
	PDFSHA256        []byte `gorm:"column:pdf_sha256"`
	PDFSignature     []byte `gorm:"column:pdf_signature"`
	Redactions       string // jsonb
}

// TableName is the referrals' table.
func (referralRecord) TableName() string { return "referrals" }

// userRole is a user's role.
type userRole struct {
	ID   uuid.UUID
	Role auth.Role
}

// userRoles reads the roles of the users ids.
func userRoles(tx *gorm.DB, ids []uuid.UUID) ([]userRole, error) {
	var rows []userRole
	err := tx.Raw(`SELECT id, role FROM users WHERE id IN ?`, ids).Scan(&rows).Error
	return rows, err
}

// systemicIssueRow is the systemic issue a systemic referral sums up.
type systemicIssueRow struct {
	ID                                    uuid.UUID
	Reference, AISystem, Mechanism, Title string
	Status                                string
}

// lockedIssue locks the systemic issue and reads it with its AI system's
// name (ID nil: no such issue).
func lockedIssue(tx *gorm.DB, issueID uuid.UUID) (systemicIssueRow, error) {
	var issue systemicIssueRow
	err := tx.Raw(`SELECT i.id, i.reference, a.name AS ai_system, i.mechanism, i.title, i.status
			  FROM systemic_issues i JOIN ai_systems a ON a.id = i.ai_system_id WHERE i.id = ? FOR UPDATE OF i`, issueID).
		Scan(&issue).Error
	return issue, err
}

// systemicCaseRow is a case of a systemic issue, as its referral sums it up.
type systemicCaseRow struct {
	ID uuid.UUID
	SystemicCase
}

// lockedIssueCases locks the cases of the systemic issue and reads them,
// oldest first, with each one's latest decision's outcome.
func lockedIssueCases(tx *gorm.DB, issueID uuid.UUID) ([]systemicCaseRow, error) {
	var rows []systemicCaseRow
	err := tx.Raw(`SELECT c.id, c.kind, to_char(c.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM') AS filed_in, c.status,
			       (SELECT d.outcome FROM decisions d WHERE d.case_id = c.id ORDER BY d.created_at DESC LIMIT 1) AS outcome,
			       c.anonymous
			  FROM systemic_issue_cases l JOIN cases c ON c.id = l.case_id
			 WHERE l.issue_id = ? ORDER BY c.submitted_at, c.id FOR UPDATE OF c`, issueID).Scan(&rows).Error
	return rows, err
}

// systemicReferralRow is a row of systemic_referrals; read by
// systemicReferral with its body's name and type.
type systemicReferralRow struct {
	ID, SystemicIssueID, BodyID uuid.UUID
	RequestedBy                 uuid.UUID
	BodyName, BodyType          string `gorm:"->"`
	LegalBasis                  string
	ReasonEnc, SummaryEnc       []byte
	CaseCount                   int
	CreatedAt                   time.Time  `gorm:"->"`
	FirstOpenedAt               *time.Time `gorm:"->"`
}

// TableName is the systemic referrals' table.
func (systemicReferralRow) TableName() string { return "systemic_referrals" }

// bodyOfUser is the SQL of the body of the active body user given as its
// argument.
const bodyOfUser = `(SELECT body_id FROM users WHERE id = ? AND role = 'body' AND active)`

// systemicReferralIDs lists the 200 newest systemic referrals to the body
// user's body.
func systemicReferralIDs(tx *gorm.DB, bodyUser uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(`SELECT id FROM systemic_referrals
		WHERE body_id = `+bodyOfUser+`
		ORDER BY created_at DESC, id DESC LIMIT 200`, bodyUser).Scan(&ids).Error
	return ids, err
}

// systemicReferral reads a systemic referral with its body, if it went to
// the body user's body (bodyUser nil: whichever body). ID nil: none.
func systemicReferral(tx *gorm.DB, id uuid.UUID, bodyUser *uuid.UUID) (systemicReferralRow, error) {
	var row systemicReferralRow
	err := tx.Raw(`SELECT r.id, r.systemic_issue_id, r.body_id, b.name AS body_name, b.type AS body_type,
		       r.legal_basis, r.reason_enc, r.summary_enc, r.case_count, r.created_at, r.first_opened_at
		  FROM systemic_referrals r JOIN bodies b ON b.id = r.body_id
		 WHERE r.id = ? AND (?::uuid IS NULL OR r.body_id = `+bodyOfUser+`)`,
		id, bodyUser, bodyUser).Scan(&row).Error
	return row, err
}

// referralMessage is a row of referral_messages.
type referralMessage struct {
	ID            uuid.UUID
	ReferralID    uuid.UUID
	AuthorKind    string
	AuthorID      *uuid.UUID
	BodyEnc       []byte
	ToComplainant bool
	CreatedAt     time.Time
}

// TableName is the referral messages' table.
func (referralMessage) TableName() string { return "referral_messages" }

// insertMessage adds a message of a body or the organisation to a referral
// and returns when it was written.
func insertMessage(tx *gorm.DB, id, referralID uuid.UUID, kind string, author uuid.UUID, body []byte, toComplainant bool) (time.Time, error) {
	var at time.Time
	err := tx.Raw(`INSERT INTO referral_messages (id, referral_id, author_kind, author_id, body_enc, to_complainant)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING created_at`, id, referralID, kind, author, body, toComplainant).Scan(&at).Error
	return at, err
}

// insertComplainantMessage adds the complainant's answer to a referral and
// returns when it was written.
func insertComplainantMessage(tx *gorm.DB, id, referralID uuid.UUID, body []byte) (time.Time, error) {
	var at time.Time
	err := tx.Raw(`INSERT INTO referral_messages (id, referral_id, author_kind, author_id, body_enc)
			VALUES (?, ?, 'complainant', NULL, ?) RETURNING created_at`, id, referralID, body).Scan(&at).Error
	return at, err
}

// referralRows reads the referrals where (over referrals r, cases c and
// bodies b) holds, oldest first.
func referralRows(tx *gorm.DB, where string, args ...any) ([]referralRow, error) {
	var rows []referralRow
	err := tx.Raw(`SELECT `+referralColumns+` WHERE `+where+` ORDER BY r.created_at, r.id`, args...).Scan(&rows).Error
	return rows, err
}

// lockReferralRow locks the referral's row.
func lockReferralRow(tx *gorm.DB, id uuid.UUID) error {
	return tx.Exec(`SELECT 1 FROM referrals WHERE id = ? FOR UPDATE`, id).Error
}

// sealedDocument is a referral's sealed document and the key that signed it.
type sealedDocument struct {
	Doc   []byte
	KeyID string
}

// referralSummaryRow is a referral as a body's list shows it, with its
// sealed outcome.
type referralSummaryRow struct {
	ReferralSummary
	OutcomeEnc []byte
}

// referralSummaries lists up to limit referrals to the body user's body,
// newest first, of status ("": any), after cursor (nil: from the newest).
func referralSummaries(tx *gorm.DB, bodyUser uuid.UUID, status ReferralStatus, cursor *paging.Cursor, limit int) ([]referralSummaryRow, error) {
	q := `SELECT r.id, ` + referenceColumn + ` AS reference, c.kind, r.source, r.legal_basis, r.consent_scope, r.status, r.status_at, r.created_at,
	             r.first_opened_at IS NOT NULL AS opened, coalesce(a.name, '') AS ai_system,
	             CASE WHEN r.consent_scope = 'identity_shared' THEN coalesce(c.ai_system_other, '') ELSE '' END AS ai_system_other,
	             r.outcome_enc
	        FROM referrals r JOIN cases c ON c.id = r.case_id LEFT JOIN ai_systems a ON a.id = c.ai_system_id
	       WHERE r.body_id = (SELECT body_id FROM users WHERE id = ? AND role = 'body' AND active)
	         AND (? = '' OR r.status = ?)`
	args := []any{bodyUser, status, status}
	if cursor != nil {
		q += ` AND (r.created_at, r.id) < (?, ?)`
		args = append(args, cursor.At, cursor.ID)
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC LIMIT ?`
	args = append(args, limit)
	var rows []referralSummaryRow
	err := tx.Raw(q, args...).Scan(&rows).Error
	return rows, err
}
