package escalation

import "github.com/redresshq/redress/internal/platform/pdftext"

// Arabic in the dossier's PDF is shaped and put in visual order by
// internal/platform/pdftext, which the complainant's copy of their case
// shares; these are its names here.

type bidiClass = pdftext.Class

const (
	neutral = pdftext.Neutral
	rtl     = pdftext.RTL
)

var mirrored = pdftext.Mirrored

func classOf(r rune) bidiClass { return pdftext.ClassOf(r) }

func shapeArabic(s string) string { return pdftext.Shape(s) }

func visual(line string) string { return pdftext.Visual(line) }
