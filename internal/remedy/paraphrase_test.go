package remedy

import (
	"errors"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/fault"
)

// waiverParaphrases say, in other words than the phrase list's, that the
// complainant gives up going to a court, a regulator or a union. Each must
// be refused in an offer's description and in its conditions.
var waiverParaphrases = []string{
	// English
	"By accepting you confirm you will not contact any regulator about this matter.",
	"Acceptance means this matter will not be raised with the data protection authority.",
	"You accept that no complaint about this will be lodged with a union.",
	"In exchange, the complainant refrains from taking the matter to court.",
	"You agree that this offer is your sole route and that you will never approach an ombudsman.",
	"The payment is made on the understanding that no tribunal claim follows.",
	"You will keep this confidential and will not speak to journalists or the press.",
	"This resolves the matter; you are barred from reporting it to the supervisory authority.",
	"You promise to drop any pending lawsuit against the bank.",
	"Once accepted, you may not seek the help of a lawyer about the decision.",
	"You shall not, at any time, approach the regulator, the union or the courts.",
	"We pay the amount provided that you withdraw your complaint to the regulator.",
	// French
	"En acceptant, vous confirmez ne pas contacter l'autorité de contrôle à ce sujet.",
	"Vous vous abstenez de saisir le tribunal pour cette affaire.",
	"Le versement est fait à condition que vous retiriez votre plainte auprès du syndicat.",
	"Vous ne vous adresserez jamais au Défenseur des droits au sujet de cette décision.",
	"Cette offre est confidentielle et ne doit pas être communiquée à un avocat ou à la presse.",
	"Vous acceptez qu'aucune action en justice ne sera engagée.",
	"Vous n'irez pas devant les prud'hommes.",
	// Spanish
	"Al aceptar, usted confirma que no contactará a ningún regulador sobre este asunto.",
	"Usted se abstiene de acudir a los tribunales por esta decisión.",
	"El pago queda sujeto a que retire su queja ante el sindicato.",
	"No presentará ninguna demanda contra la empresa.",
	"Esta oferta es confidencial y no se comentará con la prensa ni con un abogado.",
	"Usted nunca se dirigirá a la autoridad de protección de datos por este asunto.",
	"Acepta no acudir al Defensor del Pueblo.",
	// Arabic
	"بقبولك هذا العرض فإنك تؤكد أنك لن تتصل بأي جهة تنظيمية بشأن هذه المسألة.",
	"يلتزم المشتكي بعدم اللجوء إلى المحكمة.",
	"تمتنع عن تقديم شكوى إلى النقابة.",
	"لن ترفع أي دعوى ضد الشركة.",
	"يبقى هذا العرض سريا ولا يجوز إطلاع المحامي أو الصحافة عليه.",
	"لا يحق لك مراجعة السلطات الرقابية بخصوص هذا القرار.",
	// Spelling tricks on a paraphrase
	"You will ｎｏｔ contact any regulator.",
	"You will not con\u00adtact any regu\u200blator.",
}

// fineOffers are ordinary offers, including ones that keep the right in so
// many words; none may be refused.
var fineOffers = []string{
	"We reverse the decision and reinstate your benefit with back-pay from 1 March.",
	"We accept that the system did not let you appeal, and we apologise.",
	"We will release the funds and restore your rights to the account.",
	"The provider will cease and desist from using the postcode feature.",
	"Nothing in this offer affects your right to go to a court, a regulator or a union.",
	"Accepting never stops you going to a court, a regulator or a union.",
	"We will correct the income figure in your file and recompute the score.",
	"Nous annulons la décision et rétablissons votre allocation.",
	"Cette offre n'affecte pas votre droit de saisir un tribunal, une autorité ou un syndicat.",
	"Revocamos la decisión y restablecemos su prestación con efecto retroactivo.",
	"Esta oferta no afecta su derecho a acudir a un tribunal, a un regulador o a un sindicato.",
	"نلغي القرار ونعيد إليك المنحة بأثر رجعي.",
	"لا يمنعك قبول هذا العرض من اللجوء إلى المحكمة أو النقابة.",
}

func TestWaiverParaphrasesRefused(t *testing.T) {
	if len(waiverParaphrases) < 30 {
		t.Fatalf("only %d paraphrases; the issue asks for at least 30", len(waiverParaphrases))
	}
	due := time.Now().Add(30 * 24 * time.Hour).Format(time.RFC3339)
	for _, s := range waiverParaphrases {
		for _, field := range []string{"description", "conditions"} {
			in := ComponentInput{Form: Restitution, Subtype: "decision_reversed", Description: "We reverse the decision.",
				Responsible: "deployer", DueAt: due}
			if field == "description" {
				in.Description = s
			} else {
				in.Conditions = []string{s}
			}
			_, err := Validate([]ComponentInput{in}, time.Now())
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Errorf("%s %q was accepted", field, s)
				continue
			}
			found := false
			for _, e := range fe.Fields {
				found = found || e.Code == "waiver_forbidden"
			}
			if !found {
				t.Errorf("%s %q: refused, but not as a waiver: %v", field, s, err)
			}
		}
	}
}

func TestOrdinaryOffersPass(t *testing.T) {
	for _, s := range fineOffers {
		if w := Restraint(s); w != "" || casework.Waiver(s) != "" {
			t.Errorf("%q refused (%q %q)", s, w, casework.Waiver(s))
		}
	}
}
