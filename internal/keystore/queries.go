package keystore

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// keyOf reads a case's key with the case's own erasure: a case marked
// erased in the data reads as erased even when its key is still in the
// keystore (a keystore restored from a backup older than the erasure,
// until the next retention run destroys the key again). One rule for
// every read: the key or the case says erased, and it is.
func keyOf(q *gorm.DB, caseID uuid.UUID) (*caseKey, error) {
	var row keyRow
	if err := q.Raw(keySQL, caseID).Scan(&row).Error; err != nil {
		return nil, err
	}
	if row.Key.CaseID == uuid.Nil {
		return nil, gorm.ErrRecordNotFound
	}
	return row.key(), nil
}

// keySQL reads a case's key row and its case's erasure (keyRow).
const keySQL = `SELECT k.case_id, k.wrapped, k.master_key_id, k.created_at, k.wrapped_at, k.erased_at, k.ground,
	       c.erased_at AS case_erased_at, c.erasure_ground
	  FROM keystore.case_keys k LEFT JOIN cases c ON c.id = k.case_id
	 WHERE k.case_id = ?`

// keyRow is a row of keySQL: the key, and its case's erasure.
type keyRow struct {
	Key           caseKey `gorm:"embedded"`
	CaseErasedAt  *time.Time
	ErasureGround *string
}

// key is the row's key, erased when the key or its case is.
func (row keyRow) key() *caseKey {
	k := row.Key
	if k.ErasedAt == nil && row.CaseErasedAt != nil {
		k.ErasedAt, k.Ground = row.CaseErasedAt, row.ErasureGround
	}
	return &k
}

// Use is how many sealed values one key opens in one column.
type Use struct {
	Table, Column string
	KeyID         string // a master key's id, or "case" for the cases' data keys
	Values        int64
}

// Census counts, in every sealed column of the data (a bytea column named
// *_enc) and in the keystore, the values each key seals: what still needs
// a master key before it can be retired. It reads every sealed column in
// full, so it takes as long as a scan of those tables.
func Census(q *gorm.DB) ([]Use, error) {
	var cols []struct{ Table, Column string }
	if err := q.Raw(`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
	 WHERE table_schema = 'public' AND data_type = 'bytea' AND column_name LIKE '%\_enc'
	 ORDER BY table_name, column_name`).Scan(&cols).Error; err != nil {
		return nil, err
	}
	var out []Use
	for _, c := range cols {
		var rows []struct {
			KeyID  string
			Values int64
		}
		// A sealed value is: version, key id length, key id, … (seal).
		if err := q.Raw(`SELECT CASE WHEN kid LIKE 'case:%' THEN 'case' ELSE kid END AS key_id, count(*) AS values
		  FROM (SELECT convert_from(substring(` + quote(c.Column) + ` FROM 3 FOR get_byte(` + quote(c.Column) + `, 1)), 'UTF8') AS kid
		          FROM ` + quote(c.Table) + ` WHERE length(` + quote(c.Column) + `) > 2) v
		 GROUP BY 1 ORDER BY 1`).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, Use{Table: c.Table, Column: c.Column, KeyID: r.KeyID, Values: r.Values})
		}
	}
	var keys []struct {
		MasterKeyID string
		Values      int64
	}
	if err := q.Model(&caseKey{}).Select("master_key_id, count(*) AS values").Where("wrapped IS NOT NULL").
		Group("master_key_id").Order("master_key_id").Scan(&keys).Error; err != nil {
		return nil, err
	}
	for _, k := range keys {
		out = append(out, Use{Table: "keystore.case_keys", Column: "wrapped", KeyID: k.MasterKeyID, Values: k.Values})
	}
	return out, nil
}

func quote(ident string) string { return `"` + ident + `"` }
