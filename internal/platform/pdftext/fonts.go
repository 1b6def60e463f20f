// Package pdftext is what text in a PDF needs that the PDF library
// (github.com/signintech/gopdf) does not do: fonts that cover every
// language the site speaks, Arabic included, and Arabic's contextual
// shaping and right-to-left order (shape.go). The dossier
// (internal/escalation) and the complainant's copy of their case
// (internal/casecopy) are drawn with them.
package pdftext

import _ "embed"

// The DejaVu fonts (Bitstream Vera licence, fonts/LICENSE) cover Latin,
// Greek, Cyrillic, Arabic with its presentation forms, and Hebrew: every
// language the forms are in (en, fr, es, ar) draws as written.
var (
	//go:embed fonts/DejaVuSans.ttf
	DejaVuSans []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	DejaVuSansBold []byte
	//go:embed fonts/DejaVuSansMono.ttf
	DejaVuSansMono []byte
)
