package notify

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
)

// templateFS holds templates/<language>/<name>.txt: the subject on the first
// line, the body after it.
//
//go:embed templates
var templateFS embed.FS

// FallbackLanguage is used when a language has no templates.
const FallbackLanguage = "en"

// Templates are the parsed email templates of every language.
type Templates struct {
	byLang map[string]map[string]*mailTemplate
}

type mailTemplate struct {
	subject, body *template.Template
}

// View is what a template sees.
type View struct {
	Reference   string
	Kind        string
	Priority    string
	Queue       string
	Clock       string
	Due         string // the due date, in UTC
	Rule        string
	Percent     int    // how much of a clock's time is used, for warnings (0 when not known)
	CaseURL     string // the staff page of the case
	FollowUpURL string // where a complainant signs in with their code (or an older reference and receipt)
	// A systemic alert: the AI system, how many cases opened within how many
	// hours, and the threshold (Reference and CaseURL are those of the case
	// that reached the threshold).
	AISystem    string
	CaseCount   int
	Threshold   int
	WindowHours int
	// A referral: the body, the document or status, and where a body's
	// user reads it.
	Body        string
	Document    string
	Status      string
	ReferralURL string
	// A break-glass: the admin's name, their reason, and when the grant
	// ends (in UTC).
	Admin  string
	Reason string
	Until  string
	// A request for information to an AI system's provider: its id and
	// the questions (AISystem and Due are the system and the deadline).
	RequestID string
	Questions string
}

// ParseTemplates parses every template in fsys (laid out as templates/<lang>/<name>.txt).
func ParseTemplates(fsys fs.FS) (*Templates, error) {
	t := &Templates{byLang: map[string]map[string]*mailTemplate{}}
	err := fs.WalkDir(fsys, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if path.Ext(p) != ".txt" {
			return nil
		}
		lang := path.Base(path.Dir(p))
		name := strings.TrimSuffix(path.Base(p), ".txt")
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		subject, body, ok := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
		if !ok || strings.TrimSpace(subject) == "" || strings.TrimSpace(body) == "" {
			return fmt.Errorf("notify: template %s needs a subject line and a body", p)
		}
		mt := &mailTemplate{}
		if mt.subject, err = template.New(p + ":subject").Option("missingkey=error").Parse(subject); err != nil {
			return fmt.Errorf("notify: template %s: %w", p, err)
		}
		if mt.body, err = template.New(p).Option("missingkey=error").Parse(strings.TrimLeft(body, "\n")); err != nil {
			return fmt.Errorf("notify: template %s: %w", p, err)
		}
		if t.byLang[lang] == nil {
			t.byLang[lang] = map[string]*mailTemplate{}
		}
		t.byLang[lang][name] = mt
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(t.byLang[FallbackLanguage]) == 0 {
		return nil, fmt.Errorf("notify: no %s templates", FallbackLanguage)
	}
	return t, nil
}

// MustTemplates returns the embedded templates; they are checked by tests.
func MustTemplates() *Templates {
	t, err := ParseTemplates(templateFS)
	if err != nil {
		panic(err)
	}
	return t
}

// Languages lists the languages that have templates, sorted.
func (t *Templates) Languages() []string {
	out := make([]string, 0, len(t.byLang))
	for l := range t.byLang {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Names lists the templates of lang, sorted.
func (t *Templates) Names(lang string) []string {
	out := make([]string, 0, len(t.byLang[lang]))
	for n := range t.byLang[lang] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Has reports whether lang has its own templates.
func (t *Templates) Has(lang string) bool { return len(t.byLang[lang]) > 0 }

// Pick returns the first of langs that has templates, matching "fr-BE" to
// "fr", else the fallback language.
func (t *Templates) Pick(langs ...string) string {
	for _, l := range langs {
		l = strings.ToLower(strings.TrimSpace(l))
		if t.Has(l) {
			return l
		}
		if base, _, ok := strings.Cut(l, "-"); ok && t.Has(base) {
			return base
		}
	}
	return FallbackLanguage
}

// Render renders template name in lang (falling back to English when lang,
// or that template in lang, is missing) and returns the language used.
func (t *Templates) Render(lang, name string, v View) (used, subject, body string, err error) {
	used = t.Pick(lang)
	mt := t.byLang[used][name]
	if mt == nil {
		used, mt = FallbackLanguage, t.byLang[FallbackLanguage][name]
	}
	if mt == nil {
		return "", "", "", fmt.Errorf("notify: no template %q", name)
	}
	var sb, bb bytes.Buffer
	if err := mt.subject.Execute(&sb, v); err != nil {
		return "", "", "", fmt.Errorf("notify: render %s/%s subject: %w", used, name, err)
	}
	if err := mt.body.Execute(&bb, v); err != nil {
		return "", "", "", fmt.Errorf("notify: render %s/%s: %w", used, name, err)
	}
	// A subject is one header line, whatever a value held.
	subject = strings.Join(strings.Fields(sb.String()), " ")
	return used, subject, bb.String(), nil
}

// view builds what a template sees from the stored values.
func (n *Notifier) view(caseID string, d mailData) View {
	v := View{Reference: d.Reference, Kind: d.Kind, Priority: d.Priority, Queue: d.Queue, Clock: d.Clock,
		Rule: d.Rule, Percent: d.Percent, CaseURL: n.publicURL + "/cases/" + caseID, FollowUpURL: n.publicURL + "/follow-up",
		AISystem: d.AISystem, CaseCount: d.CaseCount, Threshold: d.Threshold, WindowHours: d.WindowHours,
		Body: d.Body, Document: d.Document, Status: d.Status, ReferralURL: n.publicURL + "/referrals/" + d.ReferralID}
	if d.DueAt != nil {
		v.Due = d.DueAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	v.Admin, v.Reason = d.Admin, d.Reason
	if d.Until != nil {
		v.Until = d.Until.UTC().Format("2006-01-02 15:04 UTC")
	}
	return v
}
