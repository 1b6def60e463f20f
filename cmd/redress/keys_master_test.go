package main

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// `redress keys master …`: after a new master key is made current, status
// says how many data keys wait, retire refuses the old key while anything
// needs it, rewrap moves every data key, and then retire says the old key
// may go — and a process without it reads every case.
func TestKeysMasterRotation(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	for range 5 {
		s.File(teststack.NamedCase())
	}
	old := s.Core.Config.EncryptionKeyID
	rotated := *s.Core.Config
	rotated.EncryptionKeys = maps.Clone(rotated.EncryptionKeys)
	rotated.EncryptionKeys["k2027"] = bytes.Repeat([]byte{7}, 32)
	rotated.EncryptionKeyID = "k2027"
	t.Setenv("DATABASE_URL", s.DBURL)
	secretsEnv(t, &rotated)

	out, err := keysRun(t, "status")
	if err != nil || !strings.Contains(out, "current k2027") || !strings.Contains(out, "5 to re-wrap") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	if _, err := keysRun(t, "master", "retire", old); err == nil || !strings.Contains(err.Error(), "keystore.case_keys") {
		t.Errorf("retire while data keys need it: %v", err)
	}
	if _, err := keysRun(t, "master", "retire", "k2027"); err == nil {
		t.Error("retire the current key: no error")
	}
	if out, err = keysRun(t, "master", "rewrap", "--batch", "2", "--pause", "1ms"); err != nil ||
		!strings.Contains(out, "re-wrapped 5 data keys") || !strings.Contains(out, "0 to re-wrap") {
		t.Fatalf("rewrap: %v\n%s", err, out)
	}
	if out, err = keysRun(t, "master", "status"); err != nil || strings.Contains(out, old+" ") {
		t.Errorf("master status after: %v\n%s", err, out)
	}
	if out, err = keysRun(t, "master", "retire", old); err != nil || !strings.Contains(out, "remove it from REDRESS_ENCRYPTION_KEYS") {
		t.Fatalf("retire after the re-wrap: %v\n%s", err, out)
	}
	only := teststack.New(t, teststack.Options{DatabaseURL: s.DBURL, Config: func(c *config.Config) {
		c.JWTSecret, c.ReceiptSecret = s.Core.Config.JWTSecret, s.Core.Config.ReceiptSecret
		c.EncryptionKeys, c.EncryptionKeyID = map[string][]byte{"k2027": rotated.EncryptionKeys["k2027"]}, "k2027"
	}})
	var ids []string
	only.Core.DB.Raw(`SELECT id::text FROM cases`).Scan(&ids)
	sup := only.Login("supervisor@example.org")
	for _, id := range ids {
		if r := only.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + id + "/identity", Token: sup}); r.Status != 200 ||
			!strings.Contains(string(r.Body), "Maria") {
			t.Errorf("case %s with the new key only: %d %s", id, r.Status, r.Body)
		}
	}
}
