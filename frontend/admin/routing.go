package admin

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/routing"
)

var admTaxonomies = routing.Taxonomies{Kinds: cases.Strings(cases.Kinds), Rights: decision.Rights, HarmTypes: decision.HarmTypes,
	Channels: grievance.Channels, Severities: grievance.PreliminarySeverity}

// Conditions and their choices, in the form's order.
var (
	ruleChannels   = append(slices.Clone(grievance.Channels), "anonymous")
	ruleSeverities = grievance.PreliminarySeverity
	rulePriorities = []string{"P0", "P1", "P2", "P3"}
)

// AdmRuleRow is a rule in the list, with the orders its move buttons send.
type AdmRuleRow struct {
	routing.Rule
	Queue      string
	Conditions []string
	Up, Down   []string // the ids in order after moving this rule up, or down
}

// AdmRulePage is the rules' list, or a rule's form.
type AdmRulePage struct {
	Rules     []AdmRuleRow
	Rule      *routing.Rule
	IsDefault bool
	Choices   map[string][]AdmOpt
}

// ruleChoices are the options of a rule's form.
func (w *Pages) ruleChoices(c *fiber.Ctx) (map[string][]AdmOpt, map[uuid.UUID]string, error) {
	r := w.Req(c)
	ch := map[string][]AdmOpt{
		"kinds": options(r, "adm.kind", cases.Kinds), "rights": options(r, "adm.right", decision.Rights),
		"harm_types": options(r, "adm.harm", decision.HarmTypes), "channels": options(r, "adm.channel", ruleChannels),
		"severities": options(r, "adm.severity", ruleSeverities), "priority": options(r, "adm.priority", rulePriorities),
	}
	systems, err := w.Registry.All(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	for _, s := range systems {
		ch["ai_system_ids"] = append(ch["ai_system_ids"], AdmOpt{Value: s.ID.String(), Label: s.Name})
	}
	qs, err := w.Review.Queues(c.UserContext(), time.Now(), nil)
	if err != nil {
		return nil, nil, err
	}
	names := map[uuid.UUID]string{}
	ch["queue_id"] = []AdmOpt{{Value: "", Label: r.T("adm.rr.choose_queue")}}
	for _, q := range qs {
		names[q.ID] = q.Name
		ch["queue_id"] = append(ch["queue_id"], AdmOpt{Value: q.ID.String(), Label: q.Name})
	}
	ps, err := w.Clocks.Policies(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	ch["sla_policy"] = []AdmOpt{{Value: "", Label: r.T("adm.rr.default_policy")}}
	for _, p := range ps {
		ch["sla_policy"] = append(ch["sla_policy"], AdmOpt{Value: p.Slug, Label: p.Name})
	}
	return ch, names, nil
}

// admRules: GET /admin/routing-rules — in evaluation order, the default last.
func (w *Pages) admRules(c *fiber.Ctx) error {
	rules, err := w.Routing.Rules(c.UserContext())
	if err != nil {
		return err
	}
	ch, queues, err := w.ruleChoices(c)
	if err != nil {
		return err
	}
	label := func(group, v string) string {
		for _, o := range ch[group] {
			if o.Value == v {
				return o.Label
			}
		}
		return v
	}
	r := w.Req(c)
	var order []string
	for _, rule := range rules {
		if !rule.IsDefault {
			order = append(order, rule.ID.String())
		}
	}
	rows := make([]AdmRuleRow, len(rules))
	for i, rule := range rules {
		row := AdmRuleRow{Rule: rule, Queue: queues[rule.QueueID]}
		for _, g := range []struct {
			group string
			vals  []string
		}{{"kinds", rule.Kinds}, {"ai_system_ids", rule.AISystemIDs}, {"rights", rule.Rights},
			{"harm_types", rule.HarmTypes}, {"channels", rule.Channels}, {"severities", rule.Severities}} {
			if len(g.vals) == 0 {
				continue
			}
			labels := make([]string, len(g.vals))
			for j, v := range g.vals {
				labels[j] = label(g.group, v)
			}
			row.Conditions = append(row.Conditions, r.OptionLabel("adm.field", g.group)+": "+strings.Join(labels, ", "))
		}
		if len(rule.Languages) > 0 {
			row.Conditions = append(row.Conditions, r.T("adm.field.languages")+": "+kit.LangNames(rule.Languages))
		}
		if !rule.IsDefault {
			if i > 0 {
				row.Up = slices.Clone(order)
				row.Up[i-1], row.Up[i] = row.Up[i], row.Up[i-1]
			}
			if i < len(order)-1 {
				row.Down = slices.Clone(order)
				row.Down[i+1], row.Down[i] = row.Down[i], row.Down[i+1]
			}
		}
		rows[i] = row
	}
	return w.Render(c, fiber.StatusOK, "admin/rules", "adm.rr.title", &kit.Page{Labeler: Label, Data: &AdmRulePage{Rules: rows}})
}

// ruleForm is a rule's form values.
func ruleForm(r *routing.Rule) url.Values {
	f := url.Values{"name": {r.Name}, "enabled": {checked(r.Enabled)}, "queue_id": {r.QueueID.String()},
		"priority": {r.Priority}, "languages": {strings.Join(r.Languages, ", ")},
		"required_skills": {strings.Join(r.RequiredSkills, ", ")}, "required_languages": {strings.Join(r.RequiredLanguages, ", ")}}
	if r.SLAPolicy != nil {
		f.Set("sla_policy", *r.SLAPolicy)
	}
	f["kinds"], f["ai_system_ids"], f["rights"] = r.Kinds, r.AISystemIDs, r.Rights
	f["harm_types"], f["channels"], f["severities"] = r.HarmTypes, r.Channels, r.Severities
	return f
}

func ruleInput(form url.Values) routing.RuleInput {
	enabled := form.Get("enabled") != ""
	in := routing.RuleInput{Name: form.Get("name"), Enabled: &enabled, Kinds: form["kinds"],
		AISystemIDs: form["ai_system_ids"], Rights: form["rights"], HarmTypes: form["harm_types"],
		Languages: splitList(form.Get("languages")), Channels: form["channels"], Severities: form["severities"],
		QueueID: form.Get("queue_id"), Priority: form.Get("priority"),
		RequiredSkills: splitList(form.Get("required_skills")), RequiredLanguages: splitList(form.Get("required_languages"))}
	if v := form.Get("sla_policy"); v != "" {
		in.SLAPolicy = &v
	}
	return in
}

func (w *Pages) rulePage(c *fiber.Ctx, rule *routing.Rule, form url.Values) (*kit.Page, error) {
	ch, _, err := w.ruleChoices(c)
	if err != nil {
		return nil, err
	}
	data := &AdmRulePage{Rule: rule, Choices: ch, IsDefault: rule != nil && rule.IsDefault}
	return &kit.Page{Labeler: Label, Data: data, Form: form}, nil
}

// admRuleNew: GET /admin/routing-rules/new.
func (w *Pages) admRuleNew(c *fiber.Ctx) error {
	p, err := w.rulePage(c, nil, url.Values{"enabled": {"on"}, "priority": {"P2"}})
	return w.show(c, "admin/rule", "adm.rr.new_title", p, err)
}

// admRuleCreate: POST /admin/routing-rules — added just before the default rule.
func (w *Pages) admRuleCreate(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, adminForm{"admin/rule", "adm.rr.new_title", func() (*kit.Page, error) { return w.rulePage(c, nil, form) }},
		func() (*routing.Rule, error) {
			r, err := w.Routing.Create(c.UserContext(), ruleInput(form), admTaxonomies)
			return r, renameFields(err, listField)
		}, redirect[*routing.Rule](w, c, "/admin/routing-rules", "adm.rr.created"))
}

// ruleByID reads the routing rule the path names.
func (w *Pages) ruleByID(c *fiber.Ctx) (*routing.Rule, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return w.Routing.Rule(c.UserContext(), id)
}

// admRuleEdit: GET /admin/routing-rules/{id}.
func (w *Pages) admRuleEdit(c *fiber.Ctx) error {
	rule, err := w.ruleByID(c)
	if err != nil {
		return err
	}
	p, err := w.rulePage(c, rule, ruleForm(rule))
	return w.show(c, "admin/rule", "adm.rr.edit_title", p, err)
}

// admRuleUpdate: POST /admin/routing-rules/{id}.
func (w *Pages) admRuleUpdate(c *fiber.Ctx) error {
	rule, err := w.ruleByID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	in := ruleInput(form)
	if rule.IsDefault {
		// The default rule matches everything and is always on: its form has
		// no conditions to send.
		in.Enabled = nil
	}
	return saveOrRerender(w, c, adminForm{"admin/rule", "adm.rr.edit_title", func() (*kit.Page, error) { return w.rulePage(c, rule, form) }},
		func() (*routing.Rule, error) {
			r, err := w.Routing.Update(c.UserContext(), rule.ID, in, admTaxonomies)
			return r, renameFields(err, listField)
		}, redirect[*routing.Rule](w, c, "/admin/routing-rules", "adm.rr.saved"))
}

// admRulesReorder: POST /admin/routing-rules/order {ids…} — every rule but
// the default, in the new order (the list's move buttons send it).
func (w *Pages) admRulesReorder(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(form["ids"]))
	for _, id := range form["ids"] {
		ids = append(ids, strings.ToLower(strings.TrimSpace(id)))
	}
	if _, err := w.Routing.Reorder(c.UserContext(), ids); err != nil {
		return err // a stale list: a 422 page that says to reload
	}
	return w.SeeOther(c, "/admin/routing-rules", "adm.rr.reordered")
}
