//! The example models the portal ships: one for each IP rule (Lambert-style options 1–5
//! and consortium A–D), in Swedish and English, under Vinnova's headings. Written for
//! this portal and labelled as examples: a starting point for the parties' lawyers, not
//! legal advice. The clauses every model shares are written once ([`shared_clauses`]);
//! each model adds its own IP, publication and governance clauses.

use crate::ids::ModelId;
use std::collections::BTreeSet;

use super::model::{
    Bilingual, Clause, CollaborationModel, DelayGround, Heading, IpRule, PartyKind, PublicationRule,
};

fn clause(heading: Heading, sv: &str, en: &str) -> Clause {
    Clause { heading, body: Bilingual::new(sv, en) }
}

/// The clauses every example has, whatever its IP rule.
fn shared_clauses() -> Vec<Clause> {
    use Heading::*;
    vec![
        clause(
            Parties,
            "Detta avtal ingås mellan följande parter:\n\n{{parties}}\n\nKoordinator är {{coordinator}}.",
            "This agreement is made between the following parties:\n\n{{parties}}\n\nThe coordinator is {{coordinator}}.",
        ),
        clause(
            Purpose,
            "Projektet {{title}} har till syfte att: {{purpose}}\n\nProjektets teknikmognad vid start bedöms till TRL {{trl_start}}.",
            "The project {{title}} aims to: {{purpose}}\n\nThe project's technology readiness at the start is assessed as TRL {{trl_start}}.",
        ),
        clause(
            Definitions,
            "*Bakgrund* är kunskap och rättigheter som en part har före projektet eller tar fram utanför det. *Resultat* är det som tas fram inom projektet. *Nyttiggörande* är att använda resultat kommersiellt eller i vården.",
            "*Background* is knowledge and rights a party holds before the project or creates outside it. *Results* are what the project creates. *Exploitation* is using results commercially or in care.",
        ),
        clause(
            Scope,
            "Projektet genomförs från {{start_date}} till {{end_date}} enligt följande delmål och leveranser:\n\n{{milestones}}",
            "The project runs from {{start_date}} to {{end_date}} with the following milestones and deliverables:\n\n{{milestones}}",
        ),
        clause(
            Financing,
            "Projektets budget är {{total_budget}}. Parternas insatser:\n\n{{contributions}}\n\nIndustrins egen insats är {{industry_contribution}} och den offentliga finansieringen {{public_funding}}. Varje part bär sina egna kostnader om inget annat anges.",
            "The project's budget is {{total_budget}}. The parties' contributions:\n\n{{contributions}}\n\nIndustry's own contribution is {{industry_contribution}} and public funding {{public_funding}}. Each party bears its own costs unless stated otherwise.",
        ),
        clause(
            Communication,
            "Parterna informerar varandra utan dröjsmål om omständigheter som påverkar projektet. Meddelanden sänds via portalen eller skriftligen till partens kontaktperson.",
            "The parties inform each other without delay of anything that affects the project. Notices are given through the portal or in writing to each party's contact person.",
        ),
        clause(
            DevelopedGoods,
            "Kostnaden för det projektet tar fram och villkoren för att köpa eller använda det efter projektet: {{cost_of_developed_goods}}",
            "The cost of what the project produces, and the terms on which the parties may buy or use it afterwards: {{cost_of_developed_goods}}",
        ),
        clause(
            Reporting,
            "Parterna rapporterar enligt följande plan:\n\n{{obligations}}\n\nFör bidrag om 3 miljoner kronor eller mer bifogas revisorsintyg.",
            "The parties report on this schedule:\n\n{{obligations}}\n\nFor grants of 3 million kronor or more an auditor's certificate is attached.",
        ),
        clause(
            Confidentiality,
            "Information som en part betecknar som konfidentiell får inte lämnas vidare utan dess samtycke, under projektet och fem år därefter. Offentlighetsprincipen gäller för parter som är myndigheter; konfidentiella bilagor är märkta:\n\n{{annexes}}",
            "Information a party marks as confidential may not be passed on without its consent, during the project and for five years after. The principle of public access applies to parties that are public authorities; confidential annexes are marked:\n\n{{annexes}}",
        ),
        clause(
            Liability,
            "En parts ansvar gentemot en annan part är begränsat till direkt skada och till partens egen insats i projektet, utom vid uppsåt eller grov vårdslöshet.",
            "A party's liability towards another is limited to direct loss and to its own contribution to the project, except for wilful misconduct or gross negligence.",
        ),
        clause(
            Breach,
            "En part som väsentligt bryter mot avtalet och inte rättar det inom 30 dagar från skriftlig påminnelse kan uteslutas av de övriga parterna.",
            "A party in material breach that does not remedy it within 30 days of a written reminder may be excluded by the other parties.",
        ),
        clause(
            Term,
            "Avtalet gäller från den dag alla parter har undertecknat det till och med {{end_date}}.",
            "The agreement is in force from the day every party has signed it until {{end_date}}.",
        ),
        clause(
            Disputes,
            "Tvister löses i första hand genom förhandling mellan parterna och i andra hand av allmän domstol med Stockholms tingsrätt som första instans.",
            "Disputes are settled first by negotiation between the parties and then by the general courts, with Stockholm District Court as the first instance.",
        ),
        clause(GoverningLaw, "Svensk lag gäller för avtalet.", "Swedish law governs this agreement."),
        clause(
            Survival,
            "Bestämmelserna om immateriella rättigheter, publicering, sekretess och ansvar gäller även efter att avtalet har upphört.",
            "The clauses on intellectual property, publication, confidentiality and liability survive the end of the agreement.",
        ),
        clause(
            Amendments,
            "Ändringar av avtalet gäller först när alla parter har undertecknat en ny version. Till dess gäller den tidigare versionen.",
            "Amendments take effect only when every party has signed a new version. Until then the previous version stays in force.",
        ),
    ]
}

fn governance(consortium: bool) -> Clause {
    if consortium {
        clause(
            Heading::Governance,
            "Projektet leds av en styrgrupp med en företrädare för varje part. Koordinatorn sammankallar. Beslut fattas med enkel majoritet utom beslut om ändrad budget, nya parter eller uteslutning, som kräver enhällighet.",
            "A steering group with one representative of each party leads the project. The coordinator convenes it. Decisions are taken by simple majority, except changes to the budget, new parties or exclusion, which need every party's consent.",
        )
    } else {
        clause(
            Heading::Governance,
            "Varje part utser en projektledare. Projektledarna möts minst en gång per kvartal och följer upp delmålen.",
            "Each party appoints a project lead. The leads meet at least once a quarter and follow up the milestones.",
        )
    }
}

/// The publication clause of a model that lets the research side publish.
fn publication_after_notice() -> Clause {
    clause(
        Heading::Publication,
        "En part som vill publicera resultat meddelar de övriga parterna minst {{notice_days}} dagar i förväg. En part kan inom {{objection_days}} dagar invända på grund av {{delay_grounds}}; publiceringen skjuts då upp, högst {{longest_delay_days}} dagar. {{deemed_consent}} Ingen part får hindra att resultat publiceras i en avhandling.\n\nBakgrundsinformation som omfattas:\n\n{{background}}",
        "A party that wishes to publish results notifies the other parties at least {{notice_days}} days in advance. A party may object within {{objection_days}} days on the grounds of {{delay_grounds}}; publication is then delayed by at most {{longest_delay_days}} days. {{deemed_consent}} No party may prevent results from being published in a doctoral thesis.\n\nBackground concerned:\n\n{{background}}",
    )
}

fn publication(days: (u16, u16, u16), deemed_consent: bool) -> PublicationRule {
    let (notice_days, objection_days, longest_delay_days) = days;
    PublicationRule {
        research_may_publish: true,
        notice_days,
        objection_days,
        longest_delay_days,
        deemed_consent,
        grounds: [DelayGround::PatentFiling, DelayGround::ConfidentialBackground].into(),
    }
}

/// The IP clause's opening, shared: background stays with its owner.
const BACKGROUND_SV: &str = "Varje part behåller äganderätten till sin bakgrund. Bakgrund som används i projektet:\n\n{{background}}\n\n";
const BACKGROUND_EN: &str =
    "Each party keeps ownership of its background. Background used in the project:\n\n{{background}}\n\n";
const UNDERTAKINGS_SV: &str = "\n\nFöljande forskare vid lärosätet har åtagit sig att överlåta sina rättigheter till resultat till lärosätet (lärarundantaget): {{researchers}}\n\nÖverenskomna undantag:\n\n{{foreground_exceptions}}";
const UNDERTAKINGS_EN: &str = "\n\nThe following researchers at the university have undertaken to assign their rights in results to the university (the teachers' exemption): {{researchers}}\n\nAgreed exceptions:\n\n{{foreground_exceptions}}";

fn ip(sv: &str, en: &str) -> Clause {
    clause(
        Heading::IntellectualProperty,
        &format!("{BACKGROUND_SV}{sv}{UNDERTAKINGS_SV}"),
        &format!("{BACKGROUND_EN}{en}{UNDERTAKINGS_EN}"),
    )
}

struct Example {
    id: i64,
    name: (&'static str, &'static str),
    explanation: (&'static str, &'static str),
    suits: &'static [PartyKind],
    rule: IpRule,
    publication: PublicationRule,
    ip: (&'static str, &'static str),
    own_publication: Option<Clause>,
}

fn build(example: Example) -> CollaborationModel {
    let mut clauses = shared_clauses();
    clauses.push(governance(example.rule.consortium()));
    clauses.push(ip(example.ip.0, example.ip.1));
    clauses.push(example.own_publication.unwrap_or_else(publication_after_notice));
    CollaborationModel {
        id: ModelId(example.id),
        version: 1,
        example: true,
        name: Bilingual::new(example.name.0, example.name.1),
        explanation: Bilingual::new(example.explanation.0, example.explanation.1),
        suits: example.suits.iter().copied().collect::<BTreeSet<_>>(),
        ip_rule: example.rule,
        publication: example.publication,
        clauses,
    }
}

/// The shipped examples, one per IP rule.
pub fn example_models() -> Vec<CollaborationModel> {
    use PartyKind::*;
    let bilateral = &[SpinOut, Sme, Pharma, University, UniversityHospitalRegion];
    let everyone = &[SpinOut, Sme, Pharma, InfrastructureProvider, University, UniversityHospitalRegion];
    [
        Example {
            id: 1,
            name: ("Exempel: Akademin äger, företaget får licens", "Example: Academia owns, the company gets a licence"),
            explanation: (
                "Lärosätet eller regionen äger resultaten. Företaget får använda dem med en icke-exklusiv licens. Forskarna publicerar efter en kort granskning.",
                "The university or region owns the results. The company may use them under a non-exclusive licence. The researchers publish after a short review.",
            ),
            suits: bilateral,
            rule: IpRule::AcademicOwnsLicence,
            publication: publication((30, 30, 90), true),
            ip: (
                "Resultaten ägs av den forskningsutförande parten. Företaget får en icke-exklusiv, avgiftsfri licens att använda resultaten inom sitt verksamhetsområde.",
                "The results are owned by the research party. The company receives a non-exclusive, royalty-free licence to use the results within its field of business.",
            ),
            own_publication: None,
        },
        Example {
            id: 2,
            name: ("Exempel: Akademin äger, option på exklusiv licens", "Example: Academia owns, option to an exclusive licence"),
            explanation: (
                "Som föregående, men företaget får dessutom en tidsbegränsad option att förhandla fram en exklusiv licens på marknadsmässiga villkor.",
                "As the previous one, but the company also gets a time-limited option to negotiate an exclusive licence on market terms.",
            ),
            suits: bilateral,
            rule: IpRule::AcademicOwnsExclusiveOption,
            publication: publication((30, 30, 120), true),
            ip: (
                "Resultaten ägs av den forskningsutförande parten. Företaget får en icke-exklusiv licens och en option, att utnyttja inom sex månader från projektets slut, på en exklusiv licens inom ett överenskommet område på marknadsmässiga villkor.",
                "The results are owned by the research party. The company receives a non-exclusive licence and an option, to be exercised within six months of the project's end, to an exclusive licence in an agreed field on market terms.",
            ),
            own_publication: None,
        },
        Example {
            id: 3,
            name: ("Exempel: Akademin äger, option på överlåtelse", "Example: Academia owns, option to assignment"),
            explanation: (
                "Akademin äger resultaten, men företaget kan köpa namngivna resultat till marknadspris. Lämpar sig när företaget behöver äga till exempel en patentansökan.",
                "Academia owns the results, but the company may buy named results at market price. Suits a company that needs to own, say, a patent application.",
            ),
            suits: bilateral,
            rule: IpRule::AcademicOwnsAssignmentOption,
            publication: publication((60, 30, 180), true),
            ip: (
                "Resultaten ägs av den forskningsutförande parten. Företaget får en licens för forskning och en option att, inom sex månader från att ett resultat redovisats, förvärva namngivna resultat mot ersättning motsvarande marknadsvärdet.",
                "The results are owned by the research party. The company receives a research licence and an option, within six months of a result being reported, to acquire named results for compensation equal to their market value.",
            ),
            own_publication: None,
        },
        Example {
            id: 4,
            name: ("Exempel: Företaget äger, forskningen får fortsätta", "Example: The company owns, research use kept"),
            explanation: (
                "Företaget äger resultaten. Lärosätet behåller rätten att använda dem i forskning och undervisning och publicerar efter företagets granskning.",
                "The company owns the results. The university keeps the right to use them in research and teaching and publishes after the company's review.",
            ),
            suits: &[SpinOut, Sme, Pharma, University, UniversityHospitalRegion],
            rule: IpRule::CompanyOwnsResearchUseKept,
            publication: publication((60, 60, 180), false),
            ip: (
                "Resultaten ägs av företaget. Den forskningsutförande parten behåller en avgiftsfri rätt att använda resultaten i egen forskning och undervisning.",
                "The results are owned by the company. The research party keeps a royalty-free right to use the results in its own research and teaching.",
            ),
            own_publication: None,
        },
        Example {
            id: 5,
            name: ("Exempel: Uppdragsforskning och tjänsteavtal", "Example: Contract research and service agreement"),
            explanation: (
                "Företaget betalar fullt pris för ett uppdrag, till exempel en analys hos en infrastruktur. Företaget äger allt som tas fram och inget publiceras utan företagets samtycke.",
                "The company pays the full price for a commission, for example an analysis at an infrastructure. The company owns everything produced and nothing is published without its consent.",
            ),
            suits: everyone,
            rule: IpRule::CompanyOwnsContractResearch,
            publication: PublicationRule {
                research_may_publish: false,
                notice_days: 90,
                objection_days: 90,
                longest_delay_days: 0,
                deemed_consent: false,
                grounds: DelayGround::ALL.iter().copied().collect(),
            },
            ip: (
                "Uppdraget utförs mot full kostnadstäckning till marknadspris. Allt som tas fram i uppdraget ägs av beställaren. Utföraren behåller ingen rätt till resultaten om inte annat avtalats.",
                "The commission is carried out at full cost, at market price. Everything produced is owned by the customer. The provider keeps no right to the results unless agreed otherwise.",
            ),
            own_publication: Some(clause(
                Heading::Publication,
                "Resultat publiceras endast med beställarens skriftliga samtycke. Utföraren får beskriva uppdragets art i allmänna ordalag, utan resultat.",
                "Results are published only with the customer's written consent. The provider may describe the kind of commission in general terms, without results.",
            )),
        },
        Example {
            id: 6,
            name: ("Exempel: Konsortium, var och en äger sitt", "Example: Consortium, each owns its own"),
            explanation: (
                "Varje part äger det den själv tar fram, och alla parter får en bred icke-exklusiv licens till allas resultat. Enkelt när flera parter bidrar på lika villkor.",
                "Each party owns what it creates, and every party gets a broad non-exclusive licence to everyone's results. Simple when several parties contribute on equal terms.",
            ),
            suits: everyone,
            rule: IpRule::EachOwnsBroadLicence,
            publication: publication((30, 30, 90), true),
            ip: (
                "Resultat ägs av den part som tagit fram dem; gemensamt framtagna resultat ägs gemensamt. Varje part får en icke-exklusiv, avgiftsfri licens till övriga parters resultat för forskning och nyttiggörande.",
                "Results are owned by the party that created them; jointly created results are owned jointly. Every party receives a non-exclusive, royalty-free licence to the other parties' results for research and exploitation.",
            ),
            own_publication: None,
        },
        Example {
            id: 7,
            name: ("Exempel: Konsortium med ledande exploaterande part", "Example: Consortium with a lead exploitation party"),
            explanation: (
                "Resultaten samlas hos en part som ansvarar för att nyttiggöra dem. De övriga får del av intäkterna, och rätten går tillbaka om den ledande parten inte nyttiggör.",
                "The results are gathered at one party responsible for exploiting them. The others share the revenue, and the rights revert if the lead party does not exploit.",
            ),
            suits: everyone,
            rule: IpRule::LeadExploitationParty,
            publication: publication((60, 30, 180), true),
            ip: (
                "Resultaten överlåts till {{lead_exploitation_party}} som ledande exploaterande part. Övriga parter får en skälig andel av intäkterna enligt bilaga. Har resultaten inte nyttiggjorts inom tre år från projektets slut återgår rätten till den part som tog fram dem.",
                "The results are assigned to {{lead_exploitation_party}} as lead exploitation party. The other parties receive a fair share of the revenue as set out in an annex. If the results have not been exploited within three years of the project's end, the rights revert to the party that created them.",
            ),
            own_publication: None,
        },
        Example {
            id: 8,
            name: ("Exempel: Konsortium, var och en tar det som passar", "Example: Consortium, each takes what fits its business"),
            explanation: (
                "Parterna fördelar resultaten efter vad som passar var och ens verksamhet, i en plan för nyttiggörande. Den som tar ett resultat måste också nyttiggöra det.",
                "The parties allocate the results by what fits each one's business, in an exploitation plan. Whoever takes a result must also exploit it.",
            ),
            suits: everyone,
            rule: IpRule::EachTakesWhatFits,
            publication: publication((60, 60, 120), true),
            ip: (
                "Resultaten fördelas mellan parterna enligt en plan för nyttiggörande som styrgruppen fastställer. En part som tilldelats ett resultat ska nyttiggöra det enligt planen; gör den inte det kan styrgruppen fördela om resultatet.",
                "The results are allocated among the parties under an exploitation plan set by the steering group. A party allocated a result must exploit it under the plan; otherwise the steering group may reallocate it.",
            ),
            own_publication: None,
        },
        Example {
            id: 9,
            name: ("Exempel: Konsortium, licenser för projektet", "Example: Consortium, licences for the project"),
            explanation: (
                "Varje part äger sitt och får använda de andras bakgrund och resultat bara i projektet. Den som vill nyttiggöra en annans resultat har rätt att förhandla fram en licens.",
                "Each party owns its own and may use the others' background and results only in the project. A party that wants to exploit another's results has the right to negotiate a licence.",
            ),
            suits: everyone,
            rule: IpRule::EachOwnsProjectLicences,
            publication: publication((90, 60, 180), true),
            ip: (
                "Resultat ägs av den part som tagit fram dem. Övriga parter får en avgiftsfri licens att använda resultaten och bakgrunden endast för att genomföra projektet. På begäran ska ägaren förhandla i god tro om en licens för nyttiggörande på skäliga villkor.",
                "Results are owned by the party that created them. The other parties receive a royalty-free licence to use the results and background only to carry out the project. On request the owner shall negotiate in good faith a licence for exploitation on fair and reasonable terms.",
            ),
            own_publication: None,
        },
    ]
    .into_iter()
    .map(build)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_example_is_valid_labelled_and_bilingual() {
        let models = example_models();
        assert!(models.len() >= 6);
        for model in &models {
            assert_eq!(model.validate(), Ok(()), "{}", model.name.en);
            assert!(
                model.example && model.name.sv.starts_with("Exempel") && model.name.en.starts_with("Example")
            );
            for heading in Heading::ALL {
                assert!(model.clause(*heading).is_some(), "{} lacks {heading:?}", model.name.en);
            }
        }
        let ids: BTreeSet<_> = models.iter().map(|m| m.id).collect();
        assert_eq!(ids.len(), models.len());
    }

    #[test]
    fn the_examples_cover_every_ip_rule() {
        let rules: BTreeSet<IpRule> = example_models().iter().map(|m| m.ip_rule).collect();
        assert_eq!(rules, IpRule::ALL.iter().copied().collect());
    }

    #[test]
    fn a_revised_model_is_a_new_version_and_an_unknown_placeholder_invalidates_it() {
        let model = &example_models()[0];
        let mut revised = model.revised();
        assert_eq!((revised.id, revised.version), (model.id, 2));
        revised.clauses[0].body.en.push_str(" {{price}}");
        assert_eq!(
            revised.validate(),
            Err(super::super::model::ModelError::Placeholder {
                clause: Heading::Parties,
                problem: super::super::model::PlaceholderError::Unknown("price".into()),
            })
        );
    }
}
