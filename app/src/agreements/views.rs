//! Builds what one viewer may see of an agreement: [`page`] is pure, given the folded
//! agreement, its log, the facts and the viewer, and shows only what
//! [`Agreement::visibility_with`] lets them see, with the commands the permission table
//! allows them now.

use super::model::*;
use super::store::LoggedEvent;
use crate::i18n::Lang;
use crate::time::stockholm_time;
use crate::timeline::TimelineEntry;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::agreement::canonical;
use kernel::agreement::model::Language;
use kernel::agreement::money::StateAidWarning;
use kernel::agreement::render;
use kernel::agreement::review::Step;
use kernel::agreement::signing::Capacity;
use kernel::agreement::{Actor, Agreement, AgreementFacts, Context, Origin};
use kernel::workflow::Aggregate;
use kernel::{AgreementId, OrganisationId, PersonId};
use std::collections::BTreeMap;

/// People's names by id, for the checklist and the timeline.
pub type Names = BTreeMap<PersonId, String>;

/// The issuer a demo confirmation records instead of an identity provider.
pub const DEMO_ISSUER: &str = "demo-confirmation";

fn percent_bp(bp: i64) -> String {
    format!("{},{} %", bp / 100, (bp % 100) / 10)
}

fn when(at: DateTime<Utc>) -> String {
    stockholm_time(&crate::db::timestamp(at))
}

fn reading(lang: Lang) -> Language {
    super::store::reading_language(lang)
}

/// The agreement's page for this viewer; `None` when they may not see it at all.
#[allow(clippy::too_many_arguments)]
pub fn page(
    id: AgreementId,
    agreement: &Agreement,
    log: &[LoggedEvent],
    facts: &AgreementFacts,
    actor: &Actor,
    names: &Names,
    lang: Lang,
    demo_signing: bool,
    models: &[kernel::agreement::model::CollaborationModel],
    now: DateTime<Utc>,
) -> Option<AgreementPage> {
    let visibility = agreement.visibility_with(actor, facts);
    if !visibility.sees() {
        return None;
    }
    let language = reading(lang);
    let today = kernel::stockholm::date(now);
    let summary = agreement.summary(today);
    let context = Context::with(now, facts.clone());
    let permitted: Vec<Permission> = agreement.permitted(actor, &context).into_iter().collect();
    let organisation_names: BTreeMap<OrganisationId, String> = agreement
        .latest()
        .map(|v| v.content.terms.parties.iter().map(|p| (p.organisation, p.name.clone())).collect())
        .unwrap_or_default();
    let name_of_party = |o: OrganisationId| organisation_names.get(&o).cloned().unwrap_or_default();
    let milestones = agreement
        .current()
        .map(|v| {
            v.content
                .terms
                .milestones
                .iter()
                .map(|m| {
                    let status = agreement.tracking.status(&m.code);
                    MilestoneLine {
                        code: m.code.clone(),
                        title: m.title.clone(),
                        due: m.due.to_string(),
                        responsible: name_of_party(m.responsible),
                        status: status.code().to_owned(),
                        overdue: status.open() && m.due < today && agreement.in_force.is_some(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let my_roles = actor
        .id()
        .map(|me| {
            agreement
                .checklist()
                .into_iter()
                .filter(|item| item.step == Step::Pending && facts.holds(me, item.role))
                .map(|item| item.role.code().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let may_accept_for = match (actor.person(), agreement.latest()) {
        (Some(person), Some(latest)) if permitted.contains(&Permission::Accept) => latest
            .content
            .terms
            .parties
            .iter()
            .filter(|p| person.organisations.contains(&p.organisation))
            .filter(|p| agreement.accepted.get(&p.organisation).is_none_or(|a| a.version != latest.number))
            .map(|p| (p.organisation.get(), p.name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let models = if permitted.contains(&Permission::Edit) {
        model_choices(agreement, models, language)
    } else {
        Vec::new()
    };
    let may_sign_for = actor
        .id()
        .filter(|_| permitted.contains(&Permission::Sign))
        .map(|me| {
            agreement
                .pending_slots()
                .into_iter()
                .filter(|slot| slot.signer == me && agreement.waiting_for(slot).is_empty())
                .map(|slot| {
                    let organisation = slot.capacity.organisation();
                    let undertaking = matches!(slot.capacity, Capacity::Undertaking { .. });
                    (organisation.get(), undertaking, capacity_text(slot.capacity, &name_of_party, lang))
                })
                .collect()
        })
        .unwrap_or_default();
    let timeline = log
        .iter()
        .filter(|e| e.event.as_ref().is_some_and(|event| visibility.sees_event(event)))
        .map(|e| TimelineEntry {
            at: when(e.at),
            at_iso: crate::db::timestamp(e.at),
            actor: e.actor_id.and_then(|p| names.get(&p).cloned()),
            kind: format!("agreement_{}", e.kind),
            args: Vec::new(),
            text: visibility.sees_clauses().then(|| e.reason.clone()).flatten(),
            internal: false,
        })
        .collect();
    let detail = visibility.sees_clauses().then(|| detail(id, agreement, &visibility, names, language, lang));
    Some(AgreementPage {
        id,
        title: agreement.current().map(|v| v.content.terms.title.clone()).unwrap_or_default(),
        state: agreement.state,
        proposal: match agreement.origin {
            Origin::Proposal { proposal, .. } => Some(proposal.get()),
            Origin::OutsideCall => None,
        },
        model: summary.as_ref().and_then(|s| s.model.as_ref()).map(|(_, name)| name.get(language).to_owned()),
        example_model: agreement.current().and_then(|v| v.content.model.as_ref()).is_some_and(|m| m.example),
        parties: summary
            .as_ref()
            .map(|s| {
                s.parties
                    .iter()
                    .map(|p| (p.name.clone(), p.kind.code().to_owned(), p.role.code().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        period: summary.as_ref().and_then(|s| Some((s.start?.to_string(), s.end?.to_string()))),
        total: summary.as_ref().and_then(|s| s.money.as_ref()).map(|m| render::sek(m.total.0, language)),
        industry_ratio: summary
            .as_ref()
            .and_then(|s| s.money.as_ref())
            .and_then(|m| m.industry_ratio_bp)
            .map(percent_bp),
        milestones,
        summary_only: !visibility.sees_clauses(),
        detail,
        permitted,
        my_roles,
        may_accept_for,
        may_sign_for,
        models,
        demo_signing,
        timeline,
    })
}

fn detail(
    id: AgreementId,
    agreement: &Agreement,
    visibility: &kernel::agreement::Visibility,
    names: &Names,
    language: Language,
    lang: Lang,
) -> AgreementDetail {
    let Some(version) = agreement.latest() else {
        return AgreementDetail {
            purpose: String::new(),
            version: 0,
            frozen: false,
            hash: String::new(),
            clauses: Vec::new(),
            changes: Vec::new(),
            changed_from: None,
            money: Vec::new(),
            warnings: Vec::new(),
            checklist: Vec::new(),
            signatures: Vec::new(),
            to_sign: Vec::new(),
            background: Vec::new(),
            annexes: Vec::new(),
            comments: Vec::new(),
            clause_choices: Vec::new(),
            signed_versions: Vec::new(),
        };
    };
    let terms = &version.content.terms;
    let party_name = |o: OrganisationId| {
        terms.parties.iter().find(|p| p.organisation == o).map(|p| p.name.clone()).unwrap_or_default()
    };
    let previous = agreement.versions.iter().rev().find(|v| v.number < version.number && v.frozen());
    let changes = previous
        .and_then(|p| agreement.diff(p.number, version.number))
        .map(|diff| {
            let fields = diff.fields.into_iter().map(|c| ChangeLine {
                what: c.path,
                before: c.before.unwrap_or_default(),
                after: c.after.unwrap_or_default(),
            });
            let clauses = diff.clauses.into_iter().map(|c| ChangeLine {
                what: c.heading.title(language).to_owned(),
                before: c.before.unwrap_or_default(),
                after: c.after.unwrap_or_default(),
            });
            fields.chain(clauses).collect()
        })
        .unwrap_or_default();
    let money = terms
        .money()
        .map(|summary| {
            summary
                .parties
                .iter()
                .map(|p| MoneyLine {
                    party: party_name(p.party),
                    cash: render::sek(p.cash.0, language),
                    in_kind: render::sek(p.in_kind.0, language),
                    total: render::sek(p.total.0, language),
                    share: percent_bp(i64::from(p.share_bp)),
                })
                .collect()
        })
        .unwrap_or_default();
    let warnings = warnings(&version.content, &party_name, lang);
    let checklist = agreement
        .checklist()
        .into_iter()
        .map(|item| {
            let (step, by, at) = match item.step {
                Step::Approved { by, at } => ("approved", names.get(&by).cloned(), Some(when(at))),
                Step::Pending => ("pending", None, None),
                Step::Waiting => ("waiting", None, None),
            };
            ChecklistLine { role: item.role.code().to_owned(), step: step.to_owned(), by, at }
        })
        .collect();
    let signatures = agreement
        .signatures
        .iter()
        .map(|s| SignatureLine {
            name: s.name.clone(),
            capacity: capacity_text(s.capacity, &party_name, lang),
            version: s.version,
            signed_at: when(s.server_time),
            authenticated_at: when(s.auth_time),
            issuer: s.issuer.clone(),
            demo: s.issuer == DEMO_ISSUER,
        })
        .collect();
    AgreementDetail {
        purpose: terms.purpose.clone(),
        version: version.number,
        frozen: version.frozen(),
        hash: canonical::grouped(&canonical::version_hash(id, version.number, &version.content)),
        clauses: render::clauses(&version.content, language)
            .into_iter()
            .map(|(heading, text)| (heading.title(language).to_owned(), text))
            .collect(),
        changes,
        changed_from: previous.map(|p| p.number),
        money,
        warnings,
        checklist,
        signatures,
        to_sign: agreement.pending_slots().into_iter().map(|s| s.name).collect(),
        background: terms.background.iter().map(|b| (party_name(b.party), b.what.clone())).collect(),
        comments: agreement
            .comments
            .iter()
            .map(|c| CommentLine {
                version: c.version,
                clause: c.clause.title(language).to_owned(),
                text: c.text.clone(),
                by: names.get(&c.by).cloned().unwrap_or_default(),
                at: when(c.at),
            })
            .collect(),
        clause_choices: render::clauses(&version.content, language)
            .into_iter()
            .map(|(heading, _)| (heading.code().to_owned(), heading.title(language).to_owned()))
            .collect(),
        signed_versions: agreement.signed_versions.clone(),
        annexes: terms
            .annexes
            .iter()
            .filter(|a| visibility.sees_annex(a))
            .map(|a| (a.title.clone(), a.confidential))
            .collect(),
    }
}

fn model_choices(
    agreement: &Agreement,
    models: &[kernel::agreement::model::CollaborationModel],
    language: Language,
) -> Vec<ModelChoice> {
    let chosen = agreement.latest().and_then(|v| v.content.model.as_ref()).map(|m| m.id);
    models
        .iter()
        .map(|m| ModelChoice {
            id: m.id.get(),
            name: m.name.get(language).to_owned(),
            explanation: m.explanation.get(language).to_owned(),
            example: m.example,
            chosen: chosen == Some(m.id),
        })
        .collect()
}

/// The guided choice for an editor of the agreement: the questions, and once every one
/// that applies is answered, the recommended model among `models` (one that suits every
/// kind of party the agreement has), why, and the runners-up.
pub fn guide(
    id: AgreementId,
    agreement: &Agreement,
    answers: &BTreeMap<String, String>,
    models: &[kernel::agreement::model::CollaborationModel],
    lang: Lang,
) -> GuidePage {
    use kernel::agreement::guide::{self, Answers};
    let language = reading(lang);
    let terms = agreement.latest().map(|v| &v.content.terms);
    let kinds: Vec<_> = terms.map(|t| t.parties.iter().map(|p| p.kind).collect()).unwrap_or_default();
    let choices = model_choices(agreement, models, language);
    let choice_of = |rule| {
        let model = guide::model_for(models, rule, &kinds)?;
        choices.iter().find(|c| c.id == model.id.get()).cloned()
    };
    let recommendation = Answers::read(|field| answers.get(field).cloned()).map(|given| {
        let found = guide::recommend(&given);
        GuideRecommendation {
            model: choice_of(found.rule),
            rule: found.rule.code().to_owned(),
            reasons: found
                .reasons
                .iter()
                .map(|r| Warning {
                    key: r.key.to_owned(),
                    args: r
                        .args
                        .iter()
                        .map(|(name, value)| {
                            // Codes in a reason are said in words: the option's name.
                            let words = match *name {
                                "need" => crate::i18n::translate(
                                    lang,
                                    &format!("guide.option.company_needs.{value}"),
                                ),
                                "holder" => crate::i18n::translate(
                                    lang,
                                    &format!("guide.option.essential_background.{value}"),
                                ),
                                _ => value.clone(),
                            };
                            ((*name).to_owned(), words)
                        })
                        .collect(),
                })
                .collect(),
            runners_up: found.runners_up.iter().filter_map(|rule| choice_of(*rule)).collect(),
        }
    });
    GuidePage {
        id,
        title: terms.map(|t| t.title.clone()).unwrap_or_default(),
        questions: guide::QUESTIONS
            .iter()
            .map(|q| GuideQuestion {
                key: q.key.to_owned(),
                field: q.field.to_owned(),
                options: q.options.iter().map(|o| (*o).to_owned()).collect(),
                consortium_only: q.consortium_only,
            })
            .collect(),
        answers: answers
            .iter()
            .filter(|(field, _)| guide::QUESTIONS.iter().any(|q| q.field == *field))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        recommendation,
    }
}

fn capacity_text(capacity: Capacity, party_name: &impl Fn(OrganisationId) -> String, lang: Lang) -> String {
    match capacity {
        Capacity::Party { organisation } => party_name(organisation),
        Capacity::Undertaking { university } => crate::i18n::translate(lang, "agreement.undertaking_for")
            .replace("{university}", &party_name(university)),
    }
}

/// The state-aid checks of a version, each explained with its numbers.
fn warnings(
    content: &kernel::agreement::terms::Content,
    party_name: &impl Fn(OrganisationId) -> String,
    lang: Lang,
) -> Vec<Warning> {
    content
        .aid_warnings()
        .unwrap_or_default()
        .iter()
        .map(|w| Warning { key: w.message_key().to_owned(), args: warning_args(w, party_name, lang) })
        .collect()
}

/// Empty rows at the end of a list's form, to add to without JavaScript.
const ROOM: usize = 2;

/// The terms editor for a viewer who may edit the agreement now; `None` otherwise.
pub fn editor(
    id: AgreementId,
    agreement: &Agreement,
    facts: &AgreementFacts,
    actor: &Actor,
    register: &kernel::agreement::form::Register,
    lang: Lang,
    now: DateTime<Utc>,
) -> Option<TermsEditor> {
    use kernel::agreement::form::{self, Input, Section};
    let context = Context::with(now, facts.clone());
    if !agreement.permitted(actor, &context).contains(&Permission::Edit) {
        return None;
    }
    let version = agreement.latest()?;
    let terms = &version.content.terms;
    let party_name = |o: OrganisationId| terms.party(o).map(|p| p.name.clone()).unwrap_or_default();
    let parties: Vec<(String, String)> =
        terms.parties.iter().map(|p| (p.organisation.to_string(), p.name.clone())).collect();
    let organisations: Vec<(String, String)> =
        register.organisations.iter().map(|(id, o)| (id.to_string(), o.name.clone())).collect();
    let sections = Section::ALL
        .iter()
        .map(|section| {
            let columns = form::columns(*section);
            let shown = form::rows(*section, terms, register);
            let filled = shown.len();
            let room = if section.single() { 0 } else { ROOM };
            let rows = shown
                .into_iter()
                .chain(std::iter::repeat_with(Default::default).take(room))
                .map(|row| columns.iter().map(|c| row.get(c.part).cloned().unwrap_or_default()).collect())
                .collect();
            let columns = columns
                .iter()
                .map(|c| EditorColumn {
                    part: c.part.to_owned(),
                    input: match c.input {
                        Input::Text { max } => EditorInput::Text { max },
                        Input::Area { max } => EditorInput::Area { max },
                        Input::Date => EditorInput::Date,
                        Input::Number => EditorInput::Number,
                        Input::Check => EditorInput::Check,
                        Input::Choice { codes, labels, optional } => EditorInput::Choice {
                            options: codes()
                                .into_iter()
                                .map(|code| (code.to_owned(), format!("{labels}{code}")))
                                .collect(),
                            translated: true,
                            optional,
                        },
                        Input::Organisation => EditorInput::Choice {
                            options: organisations.clone(),
                            translated: false,
                            optional: true,
                        },
                        Input::Party => EditorInput::Choice {
                            options: parties.clone(),
                            translated: false,
                            optional: true,
                        },
                    },
                })
                .collect();
            EditorSection { code: section.code().to_owned(), single: section.single(), columns, rows, filled }
        })
        .collect();
    Some(TermsEditor {
        id,
        title: terms.title.clone(),
        version: version.number,
        base: canonical::version_hash(id, version.number, &version.content),
        sections,
        missing: version.content.missing().into_iter().map(|p| (p.field, p.key.to_owned())).collect(),
        warnings: warnings(&version.content, &party_name, lang),
        approval_order: agreement.approval.order.code().to_owned(),
        approval_roles: agreement.approval.roles.iter().map(|r| r.code().to_owned()).collect(),
    })
}

/// The numbers a warning explains itself with.
fn warning_args(
    warning: &StateAidWarning,
    party_name: &impl Fn(OrganisationId) -> String,
    lang: Lang,
) -> Vec<(String, String)> {
    let language = reading(lang);
    match warning {
        StateAidWarning::SizeUnknown { party } => vec![("party".into(), party_name(*party))],
        StateAidWarning::IntensityAboveCap { party, aid, eligible_costs, intensity_bp, cap_pp, .. } => vec![
            ("party".into(), party_name(*party)),
            ("aid".into(), render::sek(aid.0, language)),
            ("costs".into(), render::sek(eligible_costs.0, language)),
            ("intensity".into(), percent_bp(*intensity_bp)),
            ("cap".into(), format!("{cap_pp} %")),
        ],
        StateAidWarning::NotEffectiveCollaboration(collaboration) => vec![
            ("largest".into(), percent_bp(i64::from(collaboration.largest_company_share_bp))),
            ("research".into(), percent_bp(i64::from(collaboration.research_share_bp))),
        ],
        StateAidWarning::IpNotInLineWithContributions { company_share_bp, research_share_bp } => vec![
            ("company".into(), percent_bp(i64::from(*company_share_bp))),
            ("research".into(), percent_bp(i64::from(*research_share_bp))),
        ],
    }
}

/// A row of a list, when the agreement's visibility lets the viewer see it.
pub fn row(
    listed: &super::store::ListedAgreement,
    agreement: &Agreement,
    facts: &AgreementFacts,
    actor: &Actor,
    today: NaiveDate,
) -> Option<AgreementRow> {
    agreement.visibility_with(actor, facts).sees().then(|| AgreementRow {
        id: listed.id,
        title: listed.title.clone(),
        state: listed.state,
        model: listed.model_name.clone(),
        parties: listed.parties.clone(),
        next_due: listed.next_due.map(|d| (d.to_string(), listed.next_due_what.clone().unwrap_or_default())),
        overdue: listed.next_due.is_some_and(|d| d < today),
    })
}

/// The names of everyone the log and the checklist mention.
pub fn people_mentioned(agreement: &Agreement, log: &[LoggedEvent]) -> Vec<PersonId> {
    let mut ids: Vec<PersonId> = log.iter().filter_map(|e| e.actor_id).collect();
    if let Some(review) = &agreement.review {
        ids.extend(review.approvals.values().map(|a| a.by));
    }
    ids.extend(agreement.comments.iter().map(|c| c.by));
    ids.sort();
    ids.dedup();
    ids
}
