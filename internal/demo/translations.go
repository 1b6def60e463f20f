package demo

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/content"
)

// Translations are the demo register's and bodies' words in French,
// Spanish and Arabic, by entity and slug (names of products stay as they
// are where a maker would keep them).
var Translations = map[string]map[string]content.Texts{
	content.AISystem: {
		"hiring-screener": {
			"fr": {"name": "Présélection des candidatures TalentSift", "purpose": "Classe les candidatures et rejette celles sous un score minimal avant qu’un recruteur ne les voie.", "risk_area": "Emploi (AI Act, annexe III, 4(a))"},
			"es": {"name": "Filtro de candidaturas TalentSift", "purpose": "Ordena las candidaturas y rechaza las que no alcanzan una puntuación mínima antes de que las vea un reclutador.", "risk_area": "Empleo (AI Act, anexo III, 4(a))"},
			"ar": {"name": "أداة TalentSift لفرز طلبات التوظيف", "purpose": "ترتّب طلبات التوظيف وترفض ما دون حدّ أدنى من النقاط قبل أن يراها مسؤول التوظيف.", "risk_area": "التوظيف (قانون الذكاء الاصطناعي، الملحق الثالث 4(أ))"},
		},
		"credit-scorer": {
			"fr": {"name": "Notation de crédit à la consommation CrediScore", "purpose": "Note les demandes de prêt à la consommation et fixe le plafond de crédit proposé.", "risk_area": "Solvabilité (AI Act, annexe III, 5(b))"},
			"es": {"name": "Calificación de crédito al consumo CrediScore", "purpose": "Puntúa las solicitudes de préstamos al consumo y fija el límite de crédito ofrecido.", "risk_area": "Solvencia (AI Act, anexo III, 5(b))"},
			"ar": {"name": "نظام CrediScore لتقييم الائتمان الاستهلاكي", "purpose": "يقيّم طلبات القروض الاستهلاكية ويحدّد سقف الائتمان المعروض.", "risk_area": "الجدارة الائتمانية (قانون الذكاء الاصطناعي، الملحق الثالث 5(ب))"},
		},
		"benefits-fraud-detector": {
			"fr": {"name": "Détecteur de risque de fraude aux prestations", "purpose": "Signale des demandes de prestations comme à risque de fraude pour enquête et peut suspendre le paiement.", "risk_area": "Services publics essentiels et prestations (AI Act, annexe III, 5(a))"},
			"es": {"name": "Detector de riesgo de fraude en prestaciones", "purpose": "Marca solicitudes de prestaciones como riesgo de fraude para investigarlas y puede suspender el pago.", "risk_area": "Servicios públicos esenciales y prestaciones (AI Act, anexo III, 5(a))"},
			"ar": {"name": "كاشف مخاطر الاحتيال في الإعانات", "purpose": "يصنّف طلبات الإعانات على أنها معرّضة لخطر الاحتيال لأجل التحقيق وقد يوقف الدفع.", "risk_area": "الخدمات العامة الأساسية والإعانات (قانون الذكاء الاصطناعي، الملحق الثالث 5(أ))"},
		},
		"shift-scheduler": {
			"fr": {"name": "Planification ShiftWise", "purpose": "Attribue les créneaux et les heures aux employés d’entrepôt à partir des prévisions de demande et des données de performance.", "risk_area": "Emploi : attribution des tâches et surveillance (AI Act, annexe III, 4(b))"},
			"es": {"name": "Planificación de turnos ShiftWise", "purpose": "Asigna turnos y horas a los trabajadores del almacén a partir de previsiones de demanda y datos de rendimiento.", "risk_area": "Empleo: asignación de tareas y supervisión (AI Act, anexo III, 4(b))"},
			"ar": {"name": "نظام ShiftWise لجدولة المناوبات", "purpose": "يوزّع المناوبات وساعات العمل على عمال المستودع استنادًا إلى توقعات الطلب وبيانات الأداء.", "risk_area": "التوظيف: توزيع المهام والمراقبة (قانون الذكاء الاصطناعي، الملحق الثالث 4(ب))"},
		},
		"customer-chatbot": {
			"fr": {"name": "Assistant du service client", "purpose": "Répond aux questions des clients et décide de transmettre ou non une réclamation à une personne.", "risk_area": "Risque limité : transparence (AI Act, art. 50)"},
			"es": {"name": "Asistente de atención al cliente", "purpose": "Responde a las preguntas de los clientes y decide si pasa una reclamación a una persona.", "risk_area": "Riesgo limitado: transparencia (AI Act, art. 50)"},
			"ar": {"name": "مساعد خدمة العملاء", "purpose": "يجيب عن أسئلة العملاء ويقرّر ما إذا كانت الشكوى تُحال إلى شخص.", "risk_area": "مخاطر محدودة: الشفافية (قانون الذكاء الاصطناعي، المادة 50)"},
		},
	},
	content.Body: {
		"demo-dpa": {
			"fr": {"name": "Autorité de protection des données (démo)", "requirements": "La décision contestée, sa date et ce que l’organisation a répondu.", "description": "Examine les plaintes sur l’usage des données personnelles, y compris les décisions automatisées."},
			"es": {"name": "Autoridad de protección de datos (demo)", "requirements": "La decisión reclamada, cuándo se tomó y qué respondió la organización.", "description": "Atiende reclamaciones sobre el uso de datos personales, incluidas las decisiones automatizadas."},
			"ar": {"name": "هيئة حماية البيانات (تجريبية)", "requirements": "القرار موضوع الشكوى وتاريخه وما ردّت به المؤسسة.", "description": "تنظر في الشكاوى المتعلقة باستخدام البيانات الشخصية، بما في ذلك القرارات الآلية."},
		},
		"demo-msa": {
			"fr": {"name": "Autorité de surveillance du marché de l’IA (démo)", "requirements": "Le système d’IA (fournisseur, version, identifiant dans la base de l’UE), ce qui s’est passé et le préjudice.", "description": "Surveille les systèmes d’IA sur le marché ; reçoit les plaintes et les signalements d’incidents graves."},
			"es": {"name": "Autoridad de vigilancia del mercado de IA (demo)", "requirements": "El sistema de IA (proveedor, versión, identificador en la base de datos de la UE), qué ocurrió y el daño.", "description": "Supervisa los sistemas de IA en el mercado; recibe reclamaciones y notificaciones de incidentes graves."},
			"ar": {"name": "هيئة مراقبة سوق الذكاء الاصطناعي (تجريبية)", "requirements": "نظام الذكاء الاصطناعي (المزوّد والإصدار ورقم قاعدة بيانات الاتحاد الأوروبي)، وما حدث، والضرر.", "description": "تراقب أنظمة الذكاء الاصطناعي في السوق وتتلقى الشكاوى وبلاغات الحوادث الخطيرة."},
		},
		"demo-equality": {
			"fr": {"name": "Organisme pour l’égalité (démo)", "requirements": "Qui a été traité moins favorablement, comment et pour quel motif.", "description": "Aide les personnes victimes de discrimination."},
			"es": {"name": "Organismo de igualdad (demo)", "requirements": "Quién recibió un trato menos favorable, cómo y por qué motivo.", "description": "Ayuda a las personas que han sufrido discriminación."},
			"ar": {"name": "هيئة المساواة (تجريبية)", "requirements": "من عومل معاملة أقل تفضيلًا، وكيف، ولأي سبب.", "description": "تساعد من تعرّضوا للتمييز."},
		},
		"demo-ombudsman": {
			"fr": {"name": "Médiateur (démo)", "requirements": "Ce que l’organisation a décidé et pourquoi vous le trouvez injuste.", "description": "Examine les plaintes pour traitement injuste une fois que l’organisation a répondu."},
			"es": {"name": "Defensor del pueblo (demo)", "requirements": "Qué decidió la organización y por qué le parece injusto.", "description": "Investiga quejas por trato injusto una vez que la organización ha respondido."},
			"ar": {"name": "أمين المظالم (تجريبي)", "requirements": "ما قرّرته المؤسسة ولماذا تراه غير عادل.", "description": "ينظر في الشكاوى من المعاملة غير العادلة بعد أن تردّ المؤسسة."},
		},
	},
}

// seedTranslations writes Translations for the demo systems and bodies.
func seedTranslations(ctx context.Context, gdb *gorm.DB) error {
	svc := content.New(gdb)
	tables := map[string]string{content.AISystem: "ai_systems", content.Body: "bodies"}
	for entity, bySlug := range Translations {
		for slug, texts := range bySlug {
			ids, err := idsBySlug(gdb.WithContext(ctx), tables[entity], slug)
			if err != nil {
				return fmt.Errorf("demo: translations of %s: %w", slug, err)
			}
			if len(ids) == 0 {
				return fmt.Errorf("demo: translations of %s: no such %s", slug, entity)
			}
			if err := svc.Save(ctx, entity, ids[0], texts); err != nil {
				return fmt.Errorf("demo: translations of %s: %w", slug, err)
			}
		}
	}
	return nil
}
