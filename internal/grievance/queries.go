package grievance

import (
	"strconv"
	"time"

	"github.com/redresshq/redress/internal/audit"

	"github.com/google/uuid"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/sla"
	"gorm.io/gorm"
)

// The statements of grievance that need SQL's full power, and the named
// rows they read.

// detailRow is a case as Get reads it: its summary, its own columns,
// its classification, resolution, contested AI decision and systemic issues.
type detailRow struct {
	Summary
	DecisionReference        *string
	DecisionDate             *time.Time
	InformedOfAI             string `gorm:"column:informed_of_ai"`
	DescriptionEnc           []byte
	DesiredOutcomeEnc        []byte
	HasContact               bool
	PreferredChannel         *string
	Represented              bool
	RelatedCaseID            *uuid.UUID
	PreliminarySeverity      *string
	AcknowledgedAt           *time.Time
	ReceivedAt               *time.Time
	StatusReason             *string
	Rights                   db.TextSlice
	HarmTypes                db.TextSlice
	Mechanisms               db.TextSlice
	HarmStatus               *string
	Scale                    *int
	Scope                    *int
	Irremediability          *int
	Rationale                *string
	Source                   string
	ScaleRationale           *string
	ScopeRationale           *string
	IrremediabilityRationale *string
	PriorityReasons          string
	PendingPriority          *string
	PendingPriorityBy        *uuid.UUID
	Resolution               resolutionRow `gorm:"embedded"`
	AIDecision               aiDecisionRow `gorm:"embedded"`
	SystemicIssues           []byte        // JSON: [{id, reference, title}]
}

// caseListSQL is the statement reading the summaries of the cases where
// holds, newest first, at most limit of them. The limit is written into the
// statement, not passed: with LIMIT $n PostgreSQL's generic plan guesses a
// tenth of the table and loses to a custom plan every time, so each call was
// planned again (about as long as running it); with the number in the text
// the prepared statement's generic plan serves every call of one page size.
// The order is the keyset of the list's indexes (migrations 00001 and
// 00030): each filter the staff use alone has one in this order, so a page
// reads its 50 cases from the index, never sorting all the cases that match.
func caseListSQL(where string, limit int) string {
	return `
		SELECT c.id, c.reference, c.kind, c.status, c.priority, c.ai_system_id, s.name AS ai_system_name,
		       c.ai_system_other, c.queue_id, c.assignee_id, c.language, c.anonymous, c.submitted_at,
		       d.due_at AS next_due_at, d.clock AS next_due_clock
		  FROM cases c
		  LEFT JOIN ai_systems s ON s.id = c.ai_system_id
		  LEFT JOIN LATERAL (SELECT due_at, clock FROM case_clocks k
		                      WHERE k.case_id = c.id AND k.satisfied_at IS NULL ORDER BY due_at LIMIT 1) d ON true
		 WHERE ` + where + `
		 ORDER BY c.submitted_at DESC, c.id DESC
		 LIMIT ` + strconv.Itoa(limit)
}

// caseList runs a caseListSQL statement with its arguments.
func caseList(tx *gorm.DB, stmt string, args []any) ([]Summary, error) {
	var items []Summary
	err := tx.Raw(stmt, args...).Scan(&items).Error
	return items, err
}

// caseDetail queues the read of case id as Get shows it into row; a case
// that does not exist leaves it zero.
func caseDetail(r *db.Reads, id uuid.UUID, row *detailRow) {
	r.Raw(row, `
		SELECT c.id, c.reference, c.kind, c.status, c.priority, c.ai_system_id, s.name AS ai_system_name,
		       c.ai_system_other, c.queue_id, c.assignee_id, c.language, c.anonymous, c.submitted_at,
		       c.decision_reference, c.decision_date, c.informed_of_ai, c.description_enc, c.desired_outcome_enc,
		       c.contact_enc IS NOT NULL AS has_contact, c.preferred_channel,
		       c.representative_enc IS NOT NULL AS represented, c.related_case_id, c.preliminary_severity,
		       c.acknowledged_at, c.received_at, c.status_reason,
		       k.rights, k.harm_types, k.mechanisms, k.harm_status, k.scale, k.scope, k.irremediability,
		       k.rationale, k.source, k.scale_rationale, k.scope_rationale, k.irremediability_rationale,
		       k.priority_reasons::text AS priority_reasons, c.pending_priority, c.pending_priority_by,
		       `+resolutionColumns+`, `+aiDecisionColumns+`,
		       (SELECT coalesce(json_agg(json_build_object('id', i.id, 'reference', i.reference, 'title', i.title)
		                                 ORDER BY i.created_at, i.id), '[]')
		          FROM systemic_issue_cases l JOIN systemic_issues i ON i.id = l.issue_id
		         WHERE l.case_id = c.id) AS systemic_issues
		  FROM cases c
		  LEFT JOIN ai_systems s ON s.id = c.ai_system_id
		  JOIN case_classifications k ON k.case_id = c.id
		  LEFT JOIN case_feedback f ON f.case_id = c.id
		  LEFT JOIN ai_decision_records r ON r.case_id = c.id
		 WHERE c.id = ?`, id)
}

// checkins.go

// checkinsTable is the table of the check-ins asked after a case closed.
const checkinsTable = "case_checkins"

// checkinRow is a check-in as read: with, when it was answered "yes", the
// reference of the retaliation case it opened.
type checkinRow struct {
	ID                   uuid.UUID
	AfterDays            int
	DueAt                time.Time
	AskedAt, AnsweredAt  *time.Time
	Happened             *bool
	RetaliationReference *string
}

// dueRow is a row a sweep has to look at, and its case.
type dueRow struct{ ID, CaseID uuid.UUID }

// earlierCase is what a retaliation case opened from a check-in takes from
// the case it follows.
type earlierCase struct {
	AISystemID    *uuid.UUID
	AISystemOther *string
	InformedOfAI  string
	Language      string
	Anonymous     bool
	Rights        string
}

// checkinsOf reads a case's check-ins by their day; asked keeps only those
// already asked.
func checkinsOf(tx *gorm.DB, caseID uuid.UUID, asked bool) ([]checkinRow, error) {
	var rows []checkinRow
	q := `SELECT k.id, k.after_days, k.due_at, k.asked_at, k.answered_at, k.happened, r.reference AS retaliation_reference
		FROM case_checkins k LEFT JOIN cases r ON r.id = k.retaliation_case_id WHERE k.case_id = ?`
	if asked {
		q += ` AND k.asked_at IS NOT NULL`
	}
	err := tx.Raw(q+` ORDER BY k.after_days`, caseID).Scan(&rows).Error
	return rows, err
}

// linkedCasesOf reads the cases linked to a case: the retaliation cases its
// check-ins opened and, for a retaliation case, the case it was opened from.
func linkedCasesOf(tx *gorm.DB, caseID uuid.UUID) ([]ProtectionLinkedCase, error) {
	linked := []ProtectionLinkedCase{}
	err := tx.Raw(`SELECT r.reference, r.kind, r.status, 'retaliation_case' AS relation
		  FROM case_checkins k JOIN cases r ON r.id = k.retaliation_case_id WHERE k.case_id = ?
		UNION ALL
		SELECT e.reference, e.kind, e.status, 'earlier_case' FROM cases c JOIN cases e ON e.id = c.related_case_id
		 WHERE c.id = ? AND c.kind = 'retaliation'
		ORDER BY 1`, caseID, caseID).Scan(&linked).Error
	return linked, err
}

// dueCheckins reads at most limit check-ins due to be asked, earliest first.
func dueCheckins(tx *gorm.DB, limit int) ([]dueRow, error) {
	var due []dueRow
	err := tx.Table(checkinsTable).Select("id", "case_id").Where("asked_at IS NULL AND due_at <= now()").
		Order("due_at").Limit(limit).Find(&due).Error
	return due, err
}

// askCheckin marks check-in id asked unless it already is; it reads a zero
// row when another sweeper asked it.
func askCheckin(tx *gorm.DB, id uuid.UUID) (checkinRow, error) {
	var k checkinRow
	err := tx.Raw(`UPDATE case_checkins SET asked_at = now() WHERE id = ? AND asked_at IS NULL
				RETURNING id, after_days`, id).Scan(&k).Error
	return k, err
}

// earlierCaseOf reads what a retaliation case takes from case id.
func earlierCaseOf(tx *gorm.DB, id uuid.UUID) (earlierCase, error) {
	var o earlierCase
	err := tx.Raw(`SELECT c.ai_system_id, c.ai_system_other, c.informed_of_ai, c.language, c.anonymous,
		       array_to_string(k.rights, ',') AS rights
		  FROM cases c JOIN case_classifications k ON k.case_id = c.id WHERE c.id = ?`, id).Scan(&o).Error
	return o, err
}

// followup.go

// complainantCaseRow is a case as its complainant's page heads it.
type complainantCaseRow struct {
	Reference, Kind string
	Status          cases.Status
	SubmittedAt     time.Time
	Anonymous       bool
	SystemName      *string
	AISystemOther   *string
	// What the complainant wrote when they filed (filing.go).
	Language           string
	DescriptionEnc     []byte
	DesiredOutcomeEnc  []byte
	DecisionReference  *string
	DecisionDate       *time.Time
	InformedOfAI       string `gorm:"column:informed_of_ai"`
	ComplainantCountry *string
	ContactEnc         []byte
	PreferredChannel   *string
	RepresentativeEnc  []byte
}

// complainantCase reads case id for its complainant's page; a case that
// does not exist reads a zero row.
func complainantCase(tx *gorm.DB, id uuid.UUID) (complainantCaseRow, error) {
	var c complainantCaseRow
	err := tx.Raw(`SELECT c.reference, c.kind, c.status, c.submitted_at, c.anonymous,
		s.name AS system_name, c.ai_system_other, c.language, c.description_enc, c.desired_outcome_enc,
		c.decision_reference, c.decision_date, c.informed_of_ai, c.complainant_country, c.contact_enc,
		c.preferred_channel, c.representative_enc
		FROM cases c LEFT JOIN ai_systems s ON s.id = c.ai_system_id
		WHERE c.id = ?`, id).Scan(&c).Error
	return c, err
}

// openReferrals counts a case's referrals to an independent body that are
// not closed (referrals belong to internal/escalation).
func openReferrals(tx *gorm.DB, caseID uuid.UUID) (int64, error) {
	var n int64
	err := tx.Raw(`SELECT count(*) FROM referrals WHERE case_id = ? AND status <> 'closed'`, caseID).Scan(&n).Error
	return n, err
}

// clockRow is a clock of a case as its due dates show it (case_clocks
// belongs to internal/clocks); Unmet says it ended unremedied.
type clockRow struct {
	Clock       sla.ClockName
	DueAt       *time.Time
	StartedAt   time.Time
	SatisfiedAt *time.Time
	Paused      bool
	BreachedAt  *time.Time
	Rule        string
	Unmet       *bool
}

// clocksOf queues the read of a case's clocks, the soonest due first.
func clocksOf(r *db.Reads, caseID uuid.UUID, rows *[]clockRow) {
	r.Raw(rows, `SELECT clock, due_at, started_at, satisfied_at, paused, breached_at, rule,
		       satisfied_by = ? AS unmet
		FROM case_clocks WHERE case_id = ? ORDER BY due_at NULLS LAST, clock`, sla.Unremedied, caseID)
}

// messageRow is a message as it is stored, sealed.
type messageRow struct {
	ID         uuid.UUID
	AuthorKind audit.ActorKind
	AuthorID   *uuid.UUID
	Visibility Visibility
	BodyEnc    []byte
	CreatedAt  time.Time
}

// messagesOf queues the read of a case's messages in order; internal ones
// only when includeInternal.
func messagesOf(r *db.Reads, caseID uuid.UUID, includeInternal bool, rows *[]messageRow) {
	q := `SELECT id, author_kind, author_id, visibility, body_enc, created_at FROM messages WHERE case_id = ?`
	if !includeInternal {
		q += ` AND visibility = '` + string(VisibilityComplainant) + `'`
	}
	r.Raw(rows, q+` ORDER BY created_at, id`, caseID)
}

// insertMessage stores msg on case caseID with its sealed body and returns
// when it was stored.
func insertMessage(tx *gorm.DB, caseID uuid.UUID, msg *Message, sealed []byte) (time.Time, error) {
	var at time.Time
	err := tx.Raw(`INSERT INTO messages (id, case_id, author_kind, author_id, visibility, body_enc)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING created_at`, msg.ID, caseID, msg.AuthorKind, msg.AuthorID, msg.Visibility, sealed).
		Scan(&at).Error
	return at, err
}

// protection.go

// measureRow is a row of protective_measures as a measure shows it.
type measureRow struct {
	ID             uuid.UUID
	Kind, Status   string
	DescriptionEnc []byte
	ProposedAt     time.Time
	DueAt          time.Time
	WarnedAt       *time.Time
	BreachedAt     *time.Time
	AnsweredAt     *time.Time
	InPlaceAt      *time.Time
}

// TableName is the table measureRow maps.
func (measureRow) TableName() string { return "protective_measures" }

// measureColumns are the columns of measureRow.
const measureColumns = `id, kind, status, description_enc, proposed_at, due_at, warned_at, breached_at, answered_at, in_place_at`

// dueMeasureRow is a measure whose clock fires, read under its lock with the
// database's now.
type dueMeasureRow struct {
	ID           uuid.UUID
	Kind, Status string
	DueAt, Now   time.Time
}

// insertMeasure stores a proposed measure, its clock first firing at warn.
func insertMeasure(tx *gorm.DB, id, caseID uuid.UUID, kind string, sealed []byte, by *uuid.UUID, now, due, warn time.Time) error {
	return tx.Exec(`INSERT INTO protective_measures (id, case_id, kind, description_enc, proposed_by,
			proposed_at, due_at, warn_at, next_fire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, caseID, kind, sealed, by, now, due, warn, warn).Error
}

// answerMeasure records the complainant's answer to a proposed measure
// (status to); a refusal stops its clock. RowsAffected is 0 when the case
// has no such proposed measure.
func answerMeasure(tx *gorm.DB, caseID, measureID uuid.UUID, to string, consent bool) *gorm.DB {
	return tx.Exec(`UPDATE protective_measures SET status = ?, answered_at = now(),
			next_fire_at = CASE WHEN ? THEN next_fire_at END
			WHERE id = ? AND case_id = ? AND status = 'proposed'`, to, consent, measureID, caseID)
}

// dueMeasure locks measure id if its clock is due; a zero row when another
// sweeper fired it or it was settled meanwhile.
func dueMeasure(tx *gorm.DB, id uuid.UUID) (dueMeasureRow, error) {
	var m dueMeasureRow
	err := tx.Raw(`SELECT id, kind, status, due_at, now() AS now
				FROM protective_measures WHERE id = ? AND next_fire_at IS NOT NULL AND next_fire_at <= now() FOR UPDATE`,
		id).Scan(&m).Error
	return m, err
}

// provider_requests.go

// providerRequestRow is a row of provider_requests as a request shows it.
type providerRequestRow struct {
	ID           uuid.UUID
	AISystemID   uuid.UUID
	SentTo       string
	QuestionsEnc []byte
	DueAt        time.Time
	CreatedAt    time.Time
	AnswerEnc    []byte
	AnsweredAt   *time.Time
}

// TableName is the table providerRequestRow maps.
func (providerRequestRow) TableName() string { return "provider_requests" }

// providerContact is the AI system a case names from the register and the
// email of its provider (all nil when it names none).
type providerContact struct {
	ID            *uuid.UUID
	Name          *string
	ProviderEmail *string
}

// providerOf reads the AI system case caseID names, and its provider's
// email.
func providerOf(tx *gorm.DB, caseID uuid.UUID) (providerContact, error) {
	var sys providerContact
	err := tx.Raw(`SELECT a.id, a.name, a.provider_email FROM cases c LEFT JOIN ai_systems a ON a.id = c.ai_system_id
			WHERE c.id = ?`, caseID).Scan(&sys).Error
	return sys, err
}

// insertProviderRequest stores request r of case caseID with its sealed
// questions and returns when it was stored.
func insertProviderRequest(tx *gorm.DB, caseID uuid.UUID, r *ProviderRequest, sealed []byte, by uuid.UUID) (time.Time, error) {
	var at time.Time
	err := tx.Raw(`INSERT INTO provider_requests (id, case_id, ai_system_id, sent_to, questions_enc, due_at, requested_by)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING created_at`, r.ID, caseID, r.AISystemID, r.SentTo, sealed, r.DueAt, by).
		Scan(&at).Error
	return at, err
}

// answeredRow says whether a request for information has its answer.
type answeredRow struct{ Answered bool }

// providerRequestAnswered locks request id of case caseID and says whether
// it is answered: no row when the case has no such request.
func providerRequestAnswered(tx *gorm.DB, caseID, id uuid.UUID) ([]answeredRow, error) {
	var answered []answeredRow
	err := tx.Raw(`SELECT answered_at IS NOT NULL AS answered FROM provider_requests WHERE id = ? AND case_id = ? FOR UPDATE`,
		id, caseID).Scan(&answered).Error
	return answered, err
}

// providerLetterRow is a request for information as its email needs it.
type providerLetterRow struct {
	SentTo       string
	Name         string
	QuestionsEnc []byte
	DueAt        time.Time
}

// providerLetter reads request id for its email; a zero row when there is
// none.
func providerLetter(tx *gorm.DB, id uuid.UUID) (providerLetterRow, error) {
	var row providerLetterRow
	err := tx.Raw(`SELECT r.sent_to, a.name, r.questions_enc, r.due_at FROM provider_requests r
		JOIN ai_systems a ON a.id = r.ai_system_id WHERE r.id = ?`, id).Scan(&row).Error
	return row, err
}

// disclosure.go

// disclosureRow is a row of evidence_disclosures as the disclosures show
// it (the complainant's read leaves DisclosedBy zero).
type disclosureRow struct {
	ID            uuid.UUID
	EvidenceID    uuid.UUID
	TextEnc       []byte
	RedactionsEnc []byte
	DisclosedBy   uuid.UUID
	DisclosedAt   time.Time
}

// insertDisclosure stores a disclosure of a piece of evidence and returns
// when it was made.
func insertDisclosure(tx *gorm.DB, id, caseID, evidenceID uuid.UUID, textEnc, redEnc []byte, redactions int,
	by uuid.UUID) (time.Time, error) {
	var at time.Time
	err := tx.Raw(`INSERT INTO evidence_disclosures (id, case_id, evidence_id, text_enc, redactions_enc,
			redactions, disclosed_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING disclosed_at`, id, caseID, evidenceID, textEnc, redEnc,
		redactions, by).Scan(&at).Error
	return at, err
}

// latestDisclosures reads the latest disclosure of each piece of a case's
// evidence.
func latestDisclosures(tx *gorm.DB, caseID uuid.UUID) ([]disclosureRow, error) {
	var rows []disclosureRow
	err := tx.Raw(`SELECT DISTINCT ON (evidence_id) id, evidence_id, text_enc, redactions_enc, disclosed_at
		  FROM evidence_disclosures WHERE case_id = ? ORDER BY evidence_id, disclosed_at DESC, id`, caseID).
		Scan(&rows).Error
	return rows, err
}

// disclosuresOf queues the read of every disclosure of a case, newest first.
func disclosuresOf(r *db.Reads, caseID uuid.UUID, rows *[]disclosureRow) {
	r.Raw(rows, `SELECT id, evidence_id, text_enc, redactions_enc, disclosed_by, disclosed_at
		  FROM evidence_disclosures WHERE case_id = ? ORDER BY disclosed_at DESC, id`, caseID)
}

// workspace.go

// saveAIDecision stores a case's AI decision record, replacing the one it
// had.
func saveAIDecision(tx *gorm.DB, caseID uuid.UUID, r AIDecisionRequest, sealed []byte, date *time.Time, by uuid.UUID) error {
	return tx.Exec(`INSERT INTO ai_decision_records (case_id, system_version, record_enc, solely_automated,
			    human_oversight, person_informed, decision_reference, decision_date, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
			ON CONFLICT (case_id) DO UPDATE SET system_version = EXCLUDED.system_version, record_enc = EXCLUDED.record_enc,
			    solely_automated = EXCLUDED.solely_automated, human_oversight = EXCLUDED.human_oversight,
			    person_informed = EXCLUDED.person_informed, decision_reference = EXCLUDED.decision_reference,
			    decision_date = EXCLUDED.decision_date, recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
		caseID, r.SystemVersion, sealed, *r.SolelyAutomated, r.HumanOversight, r.PersonInformed,
		casework.Nullable(r.DecisionReference), date, by).Error
}

// aiDecisionOf reads a case's AI decision record; a zero row when it has
// none.
func aiDecisionOf(tx *gorm.DB, caseID uuid.UUID) (aiDecisionRow, error) {
	var row aiDecisionRow
	err := tx.Raw(`SELECT `+aiDecisionColumns+` FROM ai_decision_records r WHERE r.case_id = ?`, caseID).Scan(&row).Error
	return row, err
}

// pointOfViewRow is a row of points_of_view.
type pointOfViewRow struct {
	ID         uuid.UUID
	HeardVia   string
	HeardAt    time.Time
	SummaryEnc []byte
	RecordedBy uuid.UUID
	CreatedAt  time.Time
}

// insertPointOfView stores point of view p of case caseID with its sealed
// summary and returns when it was stored.
func insertPointOfView(tx *gorm.DB, caseID uuid.UUID, p *PointOfView, sealed []byte) (time.Time, error) {
	var at time.Time
	err := tx.Raw(`INSERT INTO points_of_view (id, case_id, heard_via, heard_at, summary_enc, recorded_by)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING created_at`, p.ID, caseID, p.HeardVia, p.HeardAt, sealed, p.RecordedBy).
		Scan(&at).Error
	return at, err
}

// pointsOfViewOf queues the read of a case's points of view in the order
// they were heard.
func pointsOfViewOf(r *db.Reads, caseID uuid.UUID, rows *[]pointOfViewRow) {
	r.Raw(rows, `SELECT id, heard_via, heard_at, summary_enc, recorded_by, created_at
		FROM points_of_view WHERE case_id = ? ORDER BY heard_at, created_at, id`, caseID)
}

// body_items.go

// openBodyItem is an independent body's order or recommendation that still
// holds its case open (internal/escalation/outcomes.go records them).
type openBodyItem struct {
	ID       uuid.UUID
	Kind     string
	Status   string
	DueAt    time.Time
	BodyName string
}

// openBodyItems reads the orders and recommendations of bodies that still
// hold a case open, the soonest due first.
func openBodyItems(tx *gorm.DB, caseID uuid.UUID) ([]openBodyItem, error) {
	var left []openBodyItem
	err := tx.Raw(`SELECT i.id, i.kind, i.status, i.due_at, b.name AS body_name
		  FROM referral_outcome_items i JOIN referrals r ON r.id = i.referral_id JOIN bodies b ON b.id = r.body_id
		 WHERE i.case_id = ? AND i.status IN ('open', 'awaiting_verification') ORDER BY i.due_at, i.id`, caseID).
		Scan(&left).Error
	return left, err
}

// intake.go

// idempotencyKeyRow is a claimed Idempotency-Key of POST /api/v1/cases:
// the hash of the request it stands for, and the case it filed once bound.
type idempotencyKeyRow struct {
	RequestHash []byte
	CaseID      *uuid.UUID
}

// replayRow is what a replayed filing answers again.
type replayRow struct {
	Reference string
	Status    string
	DueAt     time.Time
}

// insertIdempotencyKey stores a key of cases.create with the hash of the
// request it stands for and the case it filed; a key stored already is a
// unique violation.
func insertIdempotencyKey(w *gorm.DB, keyHash, reqHash []byte, caseID uuid.UUID) error {
	return w.Exec(`INSERT INTO idempotency_keys (scope, key_hash, request_hash, case_id) VALUES ('cases.create', ?, ?, ?)`,
		keyHash, reqHash, caseID).Error
}

// idempotencyKeyOf reads a claimed key of cases.create.
func idempotencyKeyOf(tx *gorm.DB, keyHash []byte) (idempotencyKeyRow, error) {
	var prior idempotencyKeyRow
	err := tx.Raw(`SELECT request_hash, case_id FROM idempotency_keys WHERE scope = 'cases.create' AND key_hash = ?`,
		keyHash).Scan(&prior).Error
	return prior, err
}

// replayedReceipt reads what the receipt of case id says again.
func replayedReceipt(tx *gorm.DB, id uuid.UUID) (replayRow, error) {
	var c replayRow
	err := tx.Raw(`SELECT c.reference, c.status, k.due_at FROM cases c
		JOIN case_clocks k ON k.case_id = c.id AND k.clock = 'acknowledge' WHERE c.id = ?`, id).Scan(&c).Error
	return c, err
}

// closing.go

// insertFeedback writes the complainant's rating once (RowsAffected 0: given before).
func insertFeedback(tx *gorm.DB, caseID uuid.UUID, satisfaction int, comment []byte) *gorm.DB {
	return tx.Exec(`INSERT INTO case_feedback (case_id, satisfaction, comment_enc) VALUES (?, ?, ?)
			ON CONFLICT (case_id) DO NOTHING`, caseID, satisfaction, comment)
}

// resolution.go

// resolutionOf queues the read of a case's resolution row into row.
func resolutionOf(r *db.Reads, caseID uuid.UUID, row *resolutionRow) {
	r.Raw(row, `SELECT `+resolutionColumns+`
			  FROM cases c LEFT JOIN case_feedback f ON f.case_id = c.id WHERE c.id = ?`, caseID)
}
