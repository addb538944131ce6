//! The proposal form: what a company writes, in sections. A draft saves whatever is there;
//! submitting checks the required parts (shown at their fields) and then the call's
//! eligibility rules (TRL range), which make a proposal ineligible with a plain reason.

use kernel::proposal::Stage;
use serde::{Deserialize, Serialize};

/// Resources a company may ask the cluster for.
pub const RESOURCES: [&str; 4] = ["technology_platforms", "samples", "cohort_data", "clinical_expertise"];
/// IVDR / MDR device classes.
pub const DEVICE_CLASSES: [&str; 9] =
    ["not_applicable", "ivdr_a", "ivdr_b", "ivdr_c", "ivdr_d", "mdr_i", "mdr_iia", "mdr_iib", "mdr_iii"];
/// EU AI Act risk classes.
pub const AI_ACT_CLASSES: [&str; 4] = ["not_applicable", "minimal", "limited", "high"];

/// The form's sections and their fields, in order (translation keys `proposal.field.*`).
pub const SECTIONS: [(&str, &[&str]); 5] = [
    ("project", &["title", "summary", "technology", "trl_claimed", "trl_evidence"]),
    ("clinical_need", &["disease_area", "patient_group", "unmet_need", "healthcare_pull", "clinical_letter"]),
    ("evidence", &["scientific_evidence", "applications"]),
    ("resources", &["nodes", "resources", "resources_detail", "partners", "budget"]),
    (
        "regulatory",
        &["device_class", "ai_act_class", "regulatory_pathway", "background_ip", "milestones", "may_name"],
    ),
];

/// Required for an expression of interest; a full proposal needs every field but the
/// optional ones below.
const EOI_REQUIRED: [&str; 6] =
    ["title", "summary", "technology", "trl_claimed", "disease_area", "unmet_need"];
const OPTIONAL: [&str; 4] = ["clinical_letter", "partners", "resources_detail", "may_name"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalForm {
    pub title: String,
    pub summary: String,
    pub technology: String,
    pub trl_claimed: Option<u8>,
    pub trl_evidence: String,
    pub disease_area: String,
    pub patient_group: String,
    pub unmet_need: String,
    pub healthcare_pull: String,
    /// A clinical partner's letter, as a PDF (an attachment's id).
    pub clinical_letter: Option<i64>,
    pub scientific_evidence: String,
    pub applications: String,
    /// Slugs of the nodes whose resources are requested.
    pub nodes: Vec<String>,
    pub resources: Vec<String>,
    pub resources_detail: String,
    pub partners: String,
    /// One line per party: `party; cash; in kind` (SEK).
    pub budget: String,
    pub device_class: String,
    pub ai_act_class: String,
    pub regulatory_pathway: String,
    pub background_ip: String,
    pub milestones: String,
    /// The company agrees to be named on the call's public page if selected.
    pub may_name: bool,
}

/// The fields as a browser posts them (`fields[title]=…`): every value a string, a checkbox
/// there when ticked. Node and resource choices come beside them (`nodes[umea]=umea`): the
/// form encoding nests one level deep only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProposalFields {
    pub title: String,
    pub summary: String,
    pub technology: String,
    pub trl_claimed: String,
    pub trl_evidence: String,
    pub disease_area: String,
    pub patient_group: String,
    pub unmet_need: String,
    pub healthcare_pull: String,
    pub scientific_evidence: String,
    pub applications: String,
    #[serde(skip)]
    pub nodes: Vec<String>,
    #[serde(skip)]
    pub resources: Vec<String>,
    pub resources_detail: String,
    pub partners: String,
    pub budget: String,
    pub device_class: String,
    pub ai_act_class: String,
    pub regulatory_pathway: String,
    pub background_ip: String,
    pub milestones: String,
    pub may_name: Option<String>,
}

/// One party's share of the budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub party: String,
    pub cash_sek: u64,
    pub in_kind_sek: u64,
}

/// Reads `party; cash; in kind` lines; amounts may have spaces (`1 200 000`). Answers the
/// first line that does not read.
pub fn parse_budget(text: &str) -> Result<Vec<BudgetLine>, usize> {
    let amount = |s: &str| -> Option<u64> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            None
        } else {
            digits.parse().ok()
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let parts: Vec<&str> = line.split(';').map(str::trim).collect();
            match parts.as_slice() {
                [party, cash, in_kind] if !party.is_empty() => Ok(BudgetLine {
                    party: (*party).to_owned(),
                    cash_sek: amount(cash).ok_or(n + 1)?,
                    in_kind_sek: amount(in_kind).ok_or(n + 1)?,
                }),
                _ => Err(n + 1),
            }
        })
        .collect()
}

impl ProposalForm {
    /// The form from posted fields, keeping only choices that exist; the letter is an upload.
    pub fn from_fields(fields: &ProposalFields, known_nodes: &[String]) -> ProposalForm {
        // In the nodes' own order, each once, only those that exist.
        let nodes: Vec<String> = known_nodes.iter().filter(|n| fields.nodes.contains(n)).cloned().collect();
        let resources: Vec<String> = RESOURCES
            .iter()
            .filter(|r| fields.resources.iter().any(|x| x == *r))
            .map(|r| (*r).to_owned())
            .collect();
        let choice = |value: &str, allowed: &[&str]| {
            if allowed.contains(&value) { value.to_owned() } else { String::new() }
        };
        ProposalForm {
            title: fields.title.clone(),
            summary: fields.summary.clone(),
            technology: fields.technology.clone(),
            trl_claimed: fields.trl_claimed.trim().parse().ok().filter(|t| (1..=9).contains(t)),
            trl_evidence: fields.trl_evidence.clone(),
            disease_area: fields.disease_area.clone(),
            patient_group: fields.patient_group.clone(),
            unmet_need: fields.unmet_need.clone(),
            healthcare_pull: fields.healthcare_pull.clone(),
            clinical_letter: None,
            scientific_evidence: fields.scientific_evidence.clone(),
            applications: fields.applications.clone(),
            nodes,
            resources,
            resources_detail: fields.resources_detail.clone(),
            partners: fields.partners.clone(),
            budget: fields.budget.clone(),
            device_class: choice(&fields.device_class, &DEVICE_CLASSES),
            ai_act_class: choice(&fields.ai_act_class, &AI_ACT_CLASSES),
            regulatory_pathway: fields.regulatory_pathway.clone(),
            background_ip: fields.background_ip.clone(),
            milestones: fields.milestones.clone(),
            may_name: fields.may_name.is_some(),
        }
    }

    fn is_empty(&self, field: &str) -> bool {
        match field {
            "trl_claimed" => self.trl_claimed.is_none(),
            "clinical_letter" => self.clinical_letter.is_none(),
            "nodes" => self.nodes.is_empty(),
            "resources" => self.resources.is_empty(),
            "may_name" => !self.may_name,
            other => self.text(other).is_none_or(|t| t.trim().is_empty()),
        }
    }

    /// A text field's value by name.
    pub fn text(&self, field: &str) -> Option<&str> {
        Some(match field {
            "title" => &self.title,
            "summary" => &self.summary,
            "technology" => &self.technology,
            "trl_evidence" => &self.trl_evidence,
            "disease_area" => &self.disease_area,
            "patient_group" => &self.patient_group,
            "unmet_need" => &self.unmet_need,
            "healthcare_pull" => &self.healthcare_pull,
            "scientific_evidence" => &self.scientific_evidence,
            "applications" => &self.applications,
            "resources_detail" => &self.resources_detail,
            "partners" => &self.partners,
            "budget" => &self.budget,
            "device_class" => &self.device_class,
            "ai_act_class" => &self.ai_act_class,
            "regulatory_pathway" => &self.regulatory_pathway,
            "background_ip" => &self.background_ip,
            "milestones" => &self.milestones,
            _ => return None,
        })
    }

    /// Is this field required at this stage?
    pub fn required(stage: Stage, field: &str) -> bool {
        match stage {
            Stage::ExpressionOfInterest => EOI_REQUIRED.contains(&field),
            Stage::Full => !OPTIONAL.contains(&field),
        }
    }

    /// What stops submission, as (field, message key): missing parts, a budget that does
    /// not read, text beyond its length.
    /// The longest a field may be: a title is a title, the rest are texts.
    pub fn max_length(field: &str) -> usize {
        if field == "title" { crate::forms::limits::TITLE } else { MAX_TEXT }
    }

    pub fn problems(&self, stage: Stage) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (_, fields) in SECTIONS {
            for field in fields {
                if Self::required(stage, field) && self.is_empty(field) {
                    problems.push(((*field).to_owned(), "form.required".to_owned()));
                } else if *field == "budget" && !self.budget.trim().is_empty() {
                    if let Err(line) = parse_budget(&self.budget) {
                        let _ = line;
                        problems.push(("budget".to_owned(), "proposal.refused.budget".to_owned()));
                    }
                } else if self.text(field).is_some_and(|t| t.chars().count() > Self::max_length(field)) {
                    problems.push(((*field).to_owned(), "form.too_long".to_owned()));
                }
            }
        }
        problems
    }

    /// Each section and whether its required fields are done (the progress indicator).
    pub fn sections(&self, stage: Stage) -> Vec<(String, bool)> {
        let problems = self.problems(stage);
        SECTIONS
            .iter()
            .map(|(section, fields)| {
                ((*section).to_owned(), fields.iter().all(|f| !problems.iter().any(|(p, _)| p == f)))
            })
            .collect()
    }
}

/// The longest text a field keeps (about four pages).
pub const MAX_TEXT: usize = 20_000;

/// The call's rules the automatic eligibility check applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EligibilityRules {
    pub trl_min: u8,
    pub trl_max: u8,
}

/// Why a complete proposal is not eligible, as a message key and its values (each reason
/// in plain words on the company's page).
pub fn eligibility(form: &ProposalForm, rules: EligibilityRules) -> Vec<(String, Vec<(String, String)>)> {
    let mut reasons = Vec::new();
    if let Some(trl) = form.trl_claimed {
        let values = vec![
            ("trl".to_owned(), trl.to_string()),
            ("min".to_owned(), rules.trl_min.to_string()),
            ("max".to_owned(), rules.trl_max.to_string()),
        ];
        if trl < rules.trl_min {
            reasons.push(("proposal.ineligible.trl_low".to_owned(), values));
        } else if trl > rules.trl_max {
            reasons.push(("proposal.ineligible.trl_high".to_owned(), values));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> ProposalForm {
        ProposalForm {
            title: "Early sepsis detection".into(),
            summary: "s".into(),
            technology: "t".into(),
            trl_claimed: Some(6),
            trl_evidence: "e".into(),
            disease_area: "Sepsis".into(),
            patient_group: "ICU".into(),
            unmet_need: "u".into(),
            healthcare_pull: "letter".into(),
            scientific_evidence: "x".into(),
            applications: "a".into(),
            nodes: vec!["uppsala".into()],
            resources: vec!["samples".into()],
            budget: "Cellvia; 1 200 000; 300000\nUppsala node; 0; 500 000".into(),
            device_class: "ivdr_c".into(),
            ai_act_class: "high".into(),
            regulatory_pathway: "r".into(),
            background_ip: "b".into(),
            milestones: "m".into(),
            ..ProposalForm::default()
        }
    }

    #[test]
    fn a_complete_full_proposal_has_no_problems_and_an_empty_one_names_each_field() {
        assert_eq!(complete().problems(Stage::Full), vec![]);
        let empty = ProposalForm::default().problems(Stage::Full);
        assert!(empty.iter().any(|(f, _)| f == "trl_claimed"));
        assert!(!empty.iter().any(|(f, _)| f == "clinical_letter" || f == "partners"));
        let short = ProposalForm::default().problems(Stage::ExpressionOfInterest);
        assert_eq!(short.len(), EOI_REQUIRED.len());
        assert!(complete().sections(Stage::Full).iter().all(|(_, done)| *done));
    }

    #[test]
    fn budgets_read_per_party_with_spaces_in_amounts() {
        let lines = parse_budget("Cellvia; 1 200 000; 300000\n\nUppsala node; 0; 500 000").unwrap();
        assert_eq!(lines[0].cash_sek, 1_200_000);
        assert_eq!(lines[1].in_kind_sek, 500_000);
        assert_eq!(parse_budget("A; 1; x"), Err(1));
        assert_eq!(parse_budget("A; 1; 2\nB; 3"), Err(2));
        let bad = ProposalForm { budget: "oops".into(), ..complete() };
        assert_eq!(bad.problems(Stage::Full), vec![("budget".into(), "proposal.refused.budget".into())]);
    }

    #[test]
    fn the_trl_must_be_within_the_calls_range() {
        let rules = EligibilityRules { trl_min: 5, trl_max: 9 };
        let trl4 = ProposalForm { trl_claimed: Some(4), ..complete() };
        let reasons = eligibility(&trl4, rules);
        assert_eq!(reasons[0].0, "proposal.ineligible.trl_low");
        assert!(eligibility(&complete(), rules).is_empty());
        let narrow = EligibilityRules { trl_min: 5, trl_max: 5 };
        assert_eq!(eligibility(&complete(), narrow)[0].0, "proposal.ineligible.trl_high");
    }

    #[test]
    fn posted_choices_that_do_not_exist_are_dropped() {
        let fields = ProposalFields {
            trl_claimed: "12".into(),
            nodes: vec!["umea".into(), "atlantis".into()],
            resources: vec!["samples".into(), "money".into()],
            device_class: "class_x".into(),
            may_name: Some("true".into()),
            ..ProposalFields::default()
        };
        let form = ProposalForm::from_fields(&fields, &["umea".to_owned()]);
        assert_eq!(form.trl_claimed, None);
        assert_eq!(form.nodes, vec!["umea".to_owned()]);
        assert_eq!(form.resources, vec!["samples".to_owned()]);
        assert_eq!(form.device_class, "");
        assert!(form.may_name);
    }

    #[test]
    fn a_browser_posts_the_fields_one_level_deep() {
        // As a browser encodes them, brackets and all, and as the server functions read them.
        #[derive(serde::Deserialize)]
        struct Posted {
            fields: ProposalFields,
            nodes: Option<std::collections::BTreeMap<String, String>>,
        }
        let posted = "fields%5Btitle%5D=T&fields%5Bmay_name%5D=true&nodes%5Bstockholm%5D=stockholm&nodes%5Bumea%5D=umea";
        let read: Posted = serde_qs::Config::new(5, false).deserialize_str(posted).unwrap();
        assert_eq!(read.fields.title, "T");
        assert!(read.fields.may_name.is_some());
        assert_eq!(read.nodes.unwrap().into_values().collect::<Vec<_>>(), vec!["stockholm", "umea"]);
        let none: Posted = serde_qs::Config::new(5, false).deserialize_str("fields%5Btitle%5D=T").unwrap();
        assert!(none.nodes.is_none());
    }
}
