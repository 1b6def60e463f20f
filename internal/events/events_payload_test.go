package events_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/sla"
)

// declared reads this package's source: the string constants naming a
// subject ("redress.…") and the types that implement Data (a payload method).
func declared(t *testing.T) (subjects, payloadTypes []string) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, spec := range d.Specs {
					for _, v := range spec.(*ast.ValueSpec).Values {
						if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							if s, _ := strconv.Unquote(lit.Value); strings.HasPrefix(s, "redress.") {
								subjects = append(subjects, s)
							}
						}
					}
				}
			case *ast.FuncDecl:
				if d.Name.Name == "payload" && d.Recv != nil {
					payloadTypes = append(payloadTypes, d.Recv.List[0].Type.(*ast.Ident).Name)
				}
			}
		}
	}
	slices.Sort(subjects)
	slices.Sort(payloadTypes)
	return subjects, payloadTypes
}

// Every subject constant has its one payload type in the table outbox.Add
// and Decode use, and every payload type serves a subject.
func TestEverySubjectHasOnePayloadType(t *testing.T) {
	subjects, payloadTypes := declared(t)
	if got := events.Subjects(); !slices.Equal(got, subjects) {
		t.Errorf("subjects with a payload type:\n%v\nsubject constants:\n%v", got, subjects)
	}
	var used []string
	for _, s := range events.Subjects() {
		typ, ok := events.PayloadOf(s)
		if !ok || typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[events.Envelope]().PkgPath() {
			t.Errorf("%s: payload type %v", s, typ)
			continue
		}
		if !slices.Contains(used, typ.Name()) {
			used = append(used, typ.Name())
		}
	}
	slices.Sort(used)
	if !slices.Equal(used, payloadTypes) {
		t.Errorf("payload types of subjects:\n%v\ntypes with a payload method:\n%v", used, payloadTypes)
	}
}

func TestCheck(t *testing.T) {
	if err := events.Check(events.CaseDecided, events.Decided{}); err != nil {
		t.Error(err)
	}
	if err := events.Check(events.CaseAcknowledged, events.StatusChanged{}); err != nil {
		t.Error(err) // one type serves a family
	}
	for name, c := range map[string]struct {
		subject string
		data    events.Data
	}{
		"another subject's type": {events.CaseDecided, events.Triaged{}},
		"a pointer":              {events.CaseDecided, &events.Decided{}},
		"an unknown subject":     {"redress.case.nothing", events.Decided{}},
		"nil":                    {events.CaseDecided, nil},
	} {
		if err := events.Check(c.subject, c.data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	env := &events.Envelope{Type: events.CaseFeedback, Data: json.RawMessage(`{"satisfaction":4}`)}
	if d, err := events.Decode[events.Feedback](env); err != nil || d.Satisfaction != 4 {
		t.Errorf("decode %+v %v", d, err)
	}
	if _, err := events.Decode[events.Decided](env); err == nil {
		t.Error("decoded a feedback as a decision")
	}
	env.Data = json.RawMessage(`{"satisfaction":"high"}`)
	if _, err := events.Decode[events.Feedback](env); err == nil {
		t.Error("decoded unreadable data")
	}
}

// Each payload reads and writes the JSON on the wire today. The golden
// JSON of the payloads that were maps (CaseAssigned, CaseTriaged,
// CaseDecided, CaseAppealed, CaseFeedback, EscalationRequested,
// MeasureProposed, CheckinAsked, CheckinAnswered) is what the map wrote:
// the stream may hold such events, so a renamed field fails here.
func TestPayloadsRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	id := func(n byte) uuid.UUID { return uuid.UUID{15: n} }
	p := func(u uuid.UUID) *uuid.UUID { return &u }
	yes, no := true, false
	rule := sla.Rule{Code: "gdpr_12_3", Source: "GDPR art. 12(3)", Period: "1 month"}
	cases := []struct {
		subject string
		data    events.Data
		golden  string
	}{
		{events.CaseSubmitted, events.Submitted{Reference: "RD-000-000-001", Kind: "contest_decision", AISystemID: p(id(1)),
			Rights: []string{"privacy"}, HarmTypes: []string{}, Language: "en", Channel: "email", Severity: "high", AcknowledgeBy: at},
			`{"reference":"RD-000-000-001","kind":"contest_decision","ai_system_id":"00000000-0000-0000-0000-000000000001",
			"rights":["privacy"],"harm_types":[],"language":"en","anonymous":false,"channel":"email",
			"preliminary_severity":"high","acknowledge_by":"2026-11-30T10:00:00Z"}`},
		{events.CaseSubmitted, events.Submitted{Reference: "RD-000-000-002", Kind: "concern", Rights: []string{}, HarmTypes: []string{},
			Language: "fr", Anonymous: true, AcknowledgeBy: at},
			`{"reference":"RD-000-000-002","kind":"concern","rights":[],"harm_types":[],"language":"fr","anonymous":true,
			"acknowledge_by":"2026-11-30T10:00:00Z"}`},
		{events.CaseAcknowledged, events.StatusChanged{From: "submitted", To: "acknowledged", Actor: "staff", UserID: p(id(2))},
			`{"from":"submitted","to":"acknowledged","actor":"staff","user_id":"00000000-0000-0000-0000-000000000002"}`},
		{events.CaseStatusChanged, events.StatusChanged{From: "in_review", To: "withdrawn", Actor: "complainant"},
			`{"from":"in_review","to":"withdrawn","actor":"complainant"}`},
		{events.CaseMessageAdded, events.MessageAdded{MessageID: id(3), AuthorKind: "staff", Visibility: "complainant"},
			`{"message_id":"00000000-0000-0000-0000-000000000003","author_kind":"staff","visibility":"complainant"}`},
		{events.CaseEvidenceAdded, events.EvidenceAdded{EvidenceID: id(4), SHA256: "ab", SizeBytes: 12, MediaType: "image/png",
			Source: "complainant", AuthorKind: "complainant"},
			`{"evidence_id":"00000000-0000-0000-0000-000000000004","sha256":"ab","size_bytes":12,"media_type":"image/png",
			"source":"complainant","author_kind":"complainant"}`},
		{events.CaseRouted, events.Routed{CaseID: id(5), RuleID: id(6), RuleName: "default", QueueID: id(7), Priority: "P3"},
			`{"case_id":"00000000-0000-0000-0000-000000000005","rule_id":"00000000-0000-0000-0000-000000000006","rule":"default",
			"queue_id":"00000000-0000-0000-0000-000000000007","priority":"P3"}`},
		{events.CaseAssigned, events.Assigned{AssigneeID: p(id(8)), Action: "case.auto_assigned"},
			`{"action":"case.auto_assigned","assignee_id":"00000000-0000-0000-0000-000000000008"}`},
		{events.CaseAssigned, events.Assigned{Action: "case.released"},
			`{"action":"case.released","assignee_id":null}`},
		{events.CaseTriaged, events.Triaged{Priority: "P1", PriorityChange: "raised"},
			`{"priority":"P1","priority_change":"raised"}`},
		{events.CaseTriaged, events.Triaged{Priority: "P0", PriorityChange: "raised", Reason: "sla_breach"},
			`{"priority":"P0","priority_change":"raised","reason":"sla_breach"}`},
		{events.CaseDecided, events.Decided{DecisionID: id(9), Outcome: "upheld"},
			`{"decision_id":"00000000-0000-0000-0000-000000000009","outcome":"upheld"}`},
		{events.CaseAppealed, events.Appealed{ExcludedReviewers: []uuid.UUID{id(10)}},
			`{"excluded_reviewers":["00000000-0000-0000-0000-00000000000a"]}`},
		{events.CaseAppealed, events.Appealed{}, `{"excluded_reviewers":null}`},
		{events.CaseFeedback, events.Feedback{Satisfaction: 5}, `{"satisfaction":5}`},
		{events.CaseErased, events.Erased{At: at, Ground: "retention"}, `{"at":"2026-11-30T10:00:00Z","ground":"retention"}`},
		{events.CaseBreakGlass, events.BreakGlass{GrantID: id(11), UserID: id(12), OpenedAt: at, ExpiresAt: at.Add(time.Hour)},
			`{"grant_id":"00000000-0000-0000-0000-00000000000b","user_id":"00000000-0000-0000-0000-00000000000c",
			"opened_at":"2026-11-30T10:00:00Z","expires_at":"2026-11-30T11:00:00Z"}`},
		{events.SLAWarning, events.SLA{Clock: "gdpr_reply", DueAt: at, Rule: rule, Statutory: true, Fraction: 0.75, Priority: "P2", Notify: true},
			`{"clock":"gdpr_reply","due_at":"2026-11-30T10:00:00Z","rule":{"code":"gdpr_12_3","period":"1 month","source":"GDPR art. 12(3)"},
			"statutory":true,"fraction":0.75,"priority":"P2","notify":true}`},
		{events.SLABreached, events.SLA{Clock: "decision", DueAt: at, Rule: sla.Rule{Code: "policy_decision"}},
			`{"clock":"decision","due_at":"2026-11-30T10:00:00Z","rule":{"code":"policy_decision","source":"","period":""},
			"statutory":false,"notify":false}`},
		{events.EscalationRequested, events.EscalationRequest{RequestID: id(13), Source: "sla_breach", Clock: "gdpr_reply", Rule: rule},
			`{"clock":"gdpr_reply","escalation_request_id":"00000000-0000-0000-0000-00000000000d",
			"rule":{"code":"gdpr_12_3","period":"1 month","source":"GDPR art. 12(3)"},"source":"sla_breach"}`},
		{events.RemedyProposed, events.Remedy{BundleID: id(14), ComponentIDs: []uuid.UUID{id(15)}, Status: "proposed", Actor: "staff", DueAt: &at},
			`{"bundle_id":"00000000-0000-0000-0000-00000000000e","component_ids":["00000000-0000-0000-0000-00000000000f"],
			"status":"proposed","actor":"staff","due_at":"2026-11-30T10:00:00Z"}`},
		{events.RemedyStatusChanged, events.Remedy{ComponentIDs: []uuid.UUID{id(15)}, SystemicIssueID: p(id(16)), Status: "withdrawn"},
			`{"bundle_id":"00000000-0000-0000-0000-000000000000","component_ids":["00000000-0000-0000-0000-00000000000f"],
			"systemic_issue_id":"00000000-0000-0000-0000-000000000010","status":"withdrawn"}`},
		{events.RemedyOverdue, events.Remedy{ComponentIDs: []uuid.UUID{id(15)}, Status: "accepted", DueAt: &at},
			`{"bundle_id":"00000000-0000-0000-0000-000000000000","component_ids":["00000000-0000-0000-0000-00000000000f"],
			"status":"accepted","due_at":"2026-11-30T10:00:00Z"}`},
		{events.SystemicLinked, events.SystemicLink{IssueID: id(17), Reference: "SI-00001", AISystemID: id(1), Mechanism: "manual"},
			`{"issue_id":"00000000-0000-0000-0000-000000000011","reference":"SI-00001","ai_system_id":"00000000-0000-0000-0000-000000000001",
			"mechanism":"manual"}`},
		{events.SystemicUnlinked, events.SystemicLink{IssueID: id(17), Reference: "SI-00001", AISystemID: id(1), Mechanism: "manual"},
			`{"issue_id":"00000000-0000-0000-0000-000000000011","reference":"SI-00001","ai_system_id":"00000000-0000-0000-0000-000000000001",
			"mechanism":"manual"}`},
		{events.SystemicAlert, events.SystemicAlertData{AlertID: id(18), AISystemID: id(1), CaseCount: 8, Threshold: 8, WindowHours: 24,
			WindowFrom: at.Add(-24 * time.Hour), WindowTo: at},
			`{"alert_id":"00000000-0000-0000-0000-000000000012","ai_system_id":"00000000-0000-0000-0000-000000000001","case_count":8,
			"threshold":8,"window_hours":24,"window_from":"2026-11-29T10:00:00Z","window_to":"2026-11-30T10:00:00Z"}`},
		{events.ReferralMade, events.Referral{ReferralID: id(19), BodyID: id(20), Source: "staff", ConsentScope: "anonymised"},
			`{"referral_id":"00000000-0000-0000-0000-000000000013","body_id":"00000000-0000-0000-0000-000000000014","source":"staff",
			"consent_scope":"anonymised"}`},
		{events.ReferralUpdated, events.Referral{ReferralID: id(19), BodyID: id(20), Status: "acknowledged"},
			`{"referral_id":"00000000-0000-0000-0000-000000000013","body_id":"00000000-0000-0000-0000-000000000014","status":"acknowledged"}`},
		{events.ReferralMessage, events.Referral{ReferralID: id(19), BodyID: id(20), Author: "body", ToComplainant: true},
			`{"referral_id":"00000000-0000-0000-0000-000000000013","body_id":"00000000-0000-0000-0000-000000000014","author":"body",
			"to_complainant":true}`},
		{events.ReferralIdentityRequested, events.Referral{ReferralID: id(19), BodyID: id(20)},
			`{"referral_id":"00000000-0000-0000-0000-000000000013","body_id":"00000000-0000-0000-0000-000000000014"}`},
		{events.ReferralIdentityDisclosed, events.Referral{ReferralID: id(19), BodyID: id(20), DisclosureID: p(id(21))},
			`{"referral_id":"00000000-0000-0000-0000-000000000013","body_id":"00000000-0000-0000-0000-000000000014",
			"disclosure_id":"00000000-0000-0000-0000-000000000015"}`},
		{events.IncidentTaskDone, events.IncidentTask{Task: "suspension_decision", Clock: "suspension_decision", DoneAt: at,
			Outcome: "suspend", AISystemID: p(id(1))},
			`{"task":"suspension_decision","clock":"suspension_decision","done_at":"2026-11-30T10:00:00Z","outcome":"suspend",
			"ai_system_id":"00000000-0000-0000-0000-000000000001"}`},
		{events.ProviderRequested, events.ProviderRequest{RequestID: id(22), AISystemID: id(1)},
			`{"request_id":"00000000-0000-0000-0000-000000000016","ai_system_id":"00000000-0000-0000-0000-000000000001"}`},
		{events.OpsCaseUnrouted, events.CaseUnrouted{Reference: "RD-000-000-001", SubmittedAt: at, Attempts: 2, EventID: id(23), OriginalLost: true},
			`{"reference":"RD-000-000-001","submitted_at":"2026-11-30T10:00:00Z","attempts":2,
			"event_id":"00000000-0000-0000-0000-000000000017","original_lost":true}`},
		{events.MeasureProposed, events.Measure{MeasureID: id(24), Kind: "transfer", DueAt: at},
			`{"due_at":"2026-11-30T10:00:00Z","kind":"transfer","measure_id":"00000000-0000-0000-0000-000000000018"}`},
		{events.CheckinAsked, events.Checkin{CheckinID: id(25), AfterDays: 90},
			`{"after_days":90,"checkin_id":"00000000-0000-0000-0000-000000000019"}`},
		{events.CheckinAnswered, events.Checkin{CheckinID: id(25), AfterDays: 90, Happened: &no},
			`{"after_days":90,"checkin_id":"00000000-0000-0000-0000-000000000019","happened":false}`},
		{events.CheckinAnswered, events.Checkin{CheckinID: id(25), AfterDays: 90, Happened: &yes, RetaliationCaseID: p(id(26)),
			RetaliationReference: "RD-000-000-026"},
			`{"after_days":90,"checkin_id":"00000000-0000-0000-0000-000000000019","happened":true,
			"retaliation_case_id":"00000000-0000-0000-0000-00000000001a","retaliation_reference":"RD-000-000-026"}`},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.subject] = true
		if err := events.Check(c.subject, c.data); err != nil {
			t.Error(err)
			continue
		}
		raw, err := json.Marshal(c.data)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal([]byte(c.golden), &want); err != nil {
			t.Fatalf("%s: golden: %v", c.subject, err)
		}
		_ = json.Unmarshal(raw, &got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s writes\n%s\nnot\n%s", c.subject, raw, c.golden)
		}
		typ, _ := events.PayloadOf(c.subject)
		back := reflect.New(typ)
		if err := json.Unmarshal([]byte(c.golden), back.Interface()); err != nil {
			t.Errorf("%s: read golden: %v", c.subject, err)
		} else if !reflect.DeepEqual(back.Elem().Interface(), c.data) {
			t.Errorf("%s reads\n%s\nas %+v, not %+v", c.subject, c.golden, back.Elem().Interface(), c.data)
		}
	}
	for _, s := range events.Subjects() {
		if !covered[s] {
			t.Errorf("%s: no golden JSON", s)
		}
	}
}
