package escalation

import "testing"

// PDFLogicalText is the text of a dossier PDF read back in logical order
// (right-to-left runs turned round, Arabic presentation forms normalised),
// for the scenario tests of package escalation_test.
func PDFLogicalText(t *testing.T, pdf []byte) string {
	t.Helper()
	return logicalText(pdfText(t, pdf))
}
