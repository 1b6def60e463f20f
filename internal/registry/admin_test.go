package registry

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestAdminWritesTheRegister(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	r := New(gdb)
	ctx := context.Background()

	in := SystemInput{Slug: "cv-ranker", Name: " CV ranker ", Provider: "Acme", Version: "2.1", Purpose: "Ranks applications",
		RiskArea: "employment", EUDatabaseID: "EU-123", DeployedSince: "2025-03-01"}
	s, err := r.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "CV ranker" || !s.Active || s.DeployedSince == nil || s.DeployedSince.Format("2006-01-02") != "2025-03-01" ||
		s.EUDatabaseID != "EU-123" {
		t.Errorf("created: %+v", s)
	}
	// The same slug again: a conflict naming the slug; nothing written.
	_, err = r.Create(ctx, in)
	if e, ok := fault.As(err); !ok || e.Kind != fault.Conflict || !slices.Equal(fault.FieldNames(err), []string{"slug"}) {
		t.Errorf("duplicate slug: %v", err)
	}
	// Bad input names every field.
	_, err = r.Create(ctx, SystemInput{Slug: "X", DeployedSince: "yesterday"})
	if got := fault.FieldNames(err); !slices.Equal(got, []string{"deployed_since", "name", "provider", "purpose", "slug"}) {
		t.Errorf("bad input: %v", got)
	}
	var n int64
	gdb.Raw(`SELECT count(*) FROM ai_systems`).Scan(&n)
	if n != 1 {
		t.Errorf("%d systems after the refusals", n)
	}

	// Update, deactivate: it leaves the public list but stays in All.
	off := false
	in.Name, in.Version, in.Active = "CV ranker", "3.0", &off
	s, err = r.Update(ctx, s.ID, in)
	if err != nil || s.Version != "3.0" || s.Active {
		t.Fatalf("update: %+v %v", s, err)
	}
	if pub, err := r.List(ctx, "", uuid.Nil, 10); err != nil || len(pub) != 0 {
		t.Errorf("inactive system listed publicly: %+v", pub)
	}
	if all, _ := r.All(ctx); len(all) != 1 || all[0].ID != s.ID {
		t.Errorf("all: %+v", all)
	}
	if _, err := r.Update(ctx, uuid.New(), in); !fault.Is(err, fault.NotFound) {
		t.Errorf("update unknown: %v", err)
	}

	// Lifting a suspension: refused when there is none; else cleared and
	// recorded on the case that suspended it.
	by := uuid.New()
	if _, err := r.LiftSuspension(ctx, s.ID, by, "fixed"); !fault.Is(err, fault.Conflict) {
		t.Errorf("lift without a suspension: %v", err)
	}
	if _, err := r.LiftSuspension(ctx, s.ID, by, " "); !slices.Equal(fault.FieldNames(err), []string{"reason"}) {
		t.Errorf("lift without a reason: %v", err)
	}
	caseID := uuid.New()
	if err := gdb.Exec(`INSERT INTO cases (id, reference, receipt_hash, kind, ai_system_id, informed_of_ai, description_enc,
		language, anonymous) VALUES (?, 'RD-100-200-300', decode(md5('a') || md5('b'), 'hex'), 'incident', ?, 'no',
		'\x00'::bytea, 'en', true)`, caseID, s.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec(`UPDATE ai_systems SET suspended_at = now(), suspended_by_case = ? WHERE id = ?`, caseID, s.ID).Error; err != nil {
		t.Fatal(err)
	}
	if got, _ := r.GetAny(ctx, s.ID); !got.Suspended {
		t.Fatalf("not suspended: %+v", got)
	}
	s, err = r.LiftSuspension(ctx, s.ID, by, "The provider fixed the model; a new FRIA was done.")
	if err != nil || s.Suspended || s.SuspendedSince != nil {
		t.Fatalf("lifted: %+v %v", s, err)
	}
	var action string
	gdb.Raw(`SELECT action FROM audit_entries WHERE case_id = ? ORDER BY seq DESC LIMIT 1`, caseID).Scan(&action)
	if action != "ai_system.suspension_lifted" {
		t.Errorf("case record: %q", action)
	}
	if _, err := r.LiftSuspension(ctx, uuid.New(), by, "x"); !fault.Is(err, fault.NotFound) {
		t.Errorf("lift unknown: %v", err)
	}
}
