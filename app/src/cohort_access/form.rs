//! The application form: what an applicant writes, in sections. A draft saves whatever is
//! there; submitting checks everything and names each problem at its field. Each
//! submission is a version, and committees see which fields changed since the last one.

use super::duo::ResearchPurpose;
use serde::{Deserialize, Serialize};

/// Pseudonymised or anonymised data, and why (EHDS asks for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataForm {
    Pseudonymised,
    Anonymised,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    // About the project
    pub title: String,
    pub lay_summary: String,
    pub scientific_abstract: String,
    pub purpose: Option<ResearchPurpose>,
    pub for_profit: bool,
    pub funding: String,
    pub publication_plan: String,
    // The data
    pub data_categories: String,
    pub selection_criteria: String,
    pub linkage: String,
    pub data_form: Option<DataForm>,
    pub data_form_reason: String,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
    // Processing and safeguards
    pub processing_location: String,
    pub safeguards: String,
    // Ethics approval (Swedish Ethical Review Authority)
    pub ethics_reference: String,
    pub ethics_decision_date: String,
    /// The decision as a PDF (an attachment's id).
    pub ethics_decision_attachment: Option<i64>,
}

impl ApplicationForm {
    /// The form from its fields as a browser posts them (every value a string; a checkbox
    /// is present when ticked). The ethics decision's PDF is not a field: it is uploaded.
    pub fn from_fields(fields: &FormFields) -> ApplicationForm {
        use super::duo::ResearchPurpose::*;
        let purpose = match fields.purpose.as_str() {
            "general" => Some(General),
            "health_medical" => Some(HealthMedical),
            "disease_specific" => Some(DiseaseSpecific(fields.disease.trim().to_owned())),
            "population_origins" => Some(PopulationOrigins),
            "methods_development" => Some(MethodsDevelopment),
            _ => None,
        };
        let data_form = match fields.data_form.as_str() {
            "pseudonymised" => Some(DataForm::Pseudonymised),
            "anonymised" => Some(DataForm::Anonymised),
            _ => None,
        };
        ApplicationForm {
            title: fields.title.clone(),
            lay_summary: fields.lay_summary.clone(),
            scientific_abstract: fields.scientific_abstract.clone(),
            purpose,
            for_profit: fields.for_profit,
            funding: fields.funding.clone(),
            publication_plan: fields.publication_plan.clone(),
            data_categories: fields.data_categories.clone(),
            selection_criteria: fields.selection_criteria.clone(),
            linkage: fields.linkage.clone(),
            data_form,
            data_form_reason: fields.data_form_reason.clone(),
            period_start: fields.period_start.clone(),
            period_end: fields.period_end.clone(),
            processing_location: fields.processing_location.clone(),
            safeguards: fields.safeguards.clone(),
            ethics_reference: fields.ethics_reference.clone(),
            ethics_decision_date: fields.ethics_decision_date.clone(),
            ethics_decision_attachment: None,
        }
    }

    /// The purpose as the form's choice (`disease_specific`…) and its disease.
    pub fn purpose_choice(&self) -> (&'static str, String) {
        use super::duo::ResearchPurpose::*;
        match &self.purpose {
            None => ("", String::new()),
            Some(General) => ("general", String::new()),
            Some(HealthMedical) => ("health_medical", String::new()),
            Some(DiseaseSpecific(disease)) => ("disease_specific", disease.clone()),
            Some(PopulationOrigins) => ("population_origins", String::new()),
            Some(MethodsDevelopment) => ("methods_development", String::new()),
        }
    }
}

/// The form's fields as posted, before they mean anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormFields {
    pub title: String,
    pub lay_summary: String,
    pub scientific_abstract: String,
    pub purpose: String,
    pub disease: String,
    pub for_profit: bool,
    pub funding: String,
    pub publication_plan: String,
    pub data_categories: String,
    pub selection_criteria: String,
    pub linkage: String,
    pub data_form: String,
    pub data_form_reason: String,
    pub period_start: String,
    pub period_end: String,
    pub processing_location: String,
    pub safeguards: String,
    pub ethics_reference: String,
    pub ethics_decision_date: String,
}

/// The research purposes a form offers, in order.
pub const PURPOSES: [&str; 5] =
    ["general", "health_medical", "disease_specific", "population_origins", "methods_development"];

/// Longest a whole draft may be when saved (every field together, as JSON).
pub const MAX_DRAFT_BYTES: usize = 200_000;

/// The form's sections, in order; each field belongs to one.
pub const SECTIONS: &[(&str, &[&str])] = &[
    (
        "project",
        &[
            "title",
            "lay_summary",
            "scientific_abstract",
            "purpose",
            "for_profit",
            "funding",
            "publication_plan",
        ],
    ),
    (
        "data",
        &[
            "data_categories",
            "selection_criteria",
            "linkage",
            "data_form",
            "data_form_reason",
            "period_start",
            "period_end",
        ],
    ),
    ("processing", &["processing_location", "safeguards"]),
    ("ethics", &["ethics_reference", "ethics_decision_date", "ethics_decision_attachment"]),
];

/// A field and the translation key of what is wrong with it.
pub type Problem = (&'static str, &'static str);

/// What the requested cohorts demand of the form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Demands {
    /// Some cohort carries IRB, or the data is personal (pseudonymised).
    pub ethics_approval: bool,
    /// Some cohort carries PUB.
    pub publication_plan: bool,
}

/// Fields whose values differ between two versions, by name, in form order.
pub fn changed_fields(before: &ApplicationForm, after: &ApplicationForm) -> Vec<&'static str> {
    let (before, after) =
        (serde_json::to_value(before).unwrap_or_default(), serde_json::to_value(after).unwrap_or_default());
    SECTIONS
        .iter()
        .flat_map(|(_, fields)| fields.iter().copied())
        .filter(|field| before.get(field) != after.get(field))
        .collect()
}

#[cfg(feature = "ssr")]
impl ApplicationForm {
    /// Every problem that stops a submission, in form order; empty when it may go.
    pub fn problems(&self, demands: Demands, today: chrono::NaiveDate) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut text = |field: &'static str, value: &str, max: usize, required: bool| {
            let length = value.trim().chars().count();
            if required && length == 0 {
                problems.push((field, "form.required"));
            } else if length > max {
                problems.push((field, "form.too_long"));
            }
        };
        text("title", &self.title, 200, true);
        text("lay_summary", &self.lay_summary, 2_000, true);
        text("scientific_abstract", &self.scientific_abstract, 5_000, true);
        text("funding", &self.funding, 1_000, false);
        text("publication_plan", &self.publication_plan, 2_000, demands.publication_plan);
        text("data_categories", &self.data_categories, 5_000, true);
        text("selection_criteria", &self.selection_criteria, 5_000, true);
        text("linkage", &self.linkage, 2_000, false);
        text("data_form_reason", &self.data_form_reason, 2_000, true);
        text("processing_location", &self.processing_location, 500, true);
        text("safeguards", &self.safeguards, 5_000, true);
        match &self.purpose {
            None => problems.push(("purpose", "form.required")),
            Some(ResearchPurpose::DiseaseSpecific(disease)) if disease.trim().is_empty() => {
                problems.push(("purpose", "application.disease_required"))
            }
            Some(ResearchPurpose::DiseaseSpecific(disease)) if disease.chars().count() > 500 => {
                problems.push(("purpose", "form.too_long"))
            }
            Some(_) => {}
        }
        if self.ethics_reference.chars().count() > 100 {
            problems.push(("ethics_reference", "form.too_long"));
        }
        if self.data_form.is_none() {
            problems.push(("data_form", "form.required"));
        }
        let date = kernel::dates::parse;
        match (date(&self.period_start), date(&self.period_end)) {
            (None, _) => problems.push(("period_start", "form.invalid_date")),
            (_, None) => problems.push(("period_end", "form.invalid_date")),
            (Some(start), Some(end)) if end <= start => {
                problems.push(("period_end", "application.period_order"))
            }
            (Some(_), Some(end)) if end <= today => problems.push(("period_end", "application.period_past")),
            (Some(start), Some(end))
                if kernel::dates::add_months(start, 120).is_none_or(|limit| end > limit) =>
            {
                problems.push(("period_end", "application.period_too_long"))
            }
            _ => {}
        }
        let ethics_needed = demands.ethics_approval || self.data_form == Some(DataForm::Pseudonymised);
        if ethics_needed {
            if !is_ethics_reference(&self.ethics_reference) {
                problems.push(("ethics_reference", "application.ethics_reference"));
            }
            match date(&self.ethics_decision_date) {
                None => problems.push(("ethics_decision_date", "form.invalid_date")),
                Some(decided) if decided > today => {
                    problems.push(("ethics_decision_date", "application.date_future"))
                }
                Some(_) => {}
            }
            if self.ethics_decision_attachment.is_none() {
                problems.push(("ethics_decision_attachment", "application.ethics_pdf_required"));
            }
        }
        // Form order, so the first problem shown is the first on the page.
        let order = |field: &str| SECTIONS.iter().flat_map(|(_, f)| f.iter()).position(|f| *f == field);
        problems.sort_by_key(|(field, _)| order(field));
        problems
    }

    /// Per section: is everything in it acceptable? (The progress indicator.)
    pub fn sections_complete(&self, demands: Demands, today: chrono::NaiveDate) -> Vec<(&'static str, bool)> {
        let problems = self.problems(demands, today);
        SECTIONS
            .iter()
            .map(|(name, fields)| (*name, !problems.iter().any(|(f, _)| fields.contains(f))))
            .collect()
    }
}

/// A Swedish Ethical Review Authority reference number: `2023-01234-01`.
pub fn is_ethics_reference(value: &str) -> bool {
    let parts: Vec<&str> = value.trim().split('-').collect();
    parts.len() == 3
        && [4, 5, 2]
            .iter()
            .zip(&parts)
            .all(|(len, part)| part.len() == *len && part.chars().all(|c| c.is_ascii_digit()))
        && parts[0].starts_with("20")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn complete() -> ApplicationForm {
        ApplicationForm {
            title: "Coronary plaque and proteomics".into(),
            lay_summary: "We study why some arteries narrow.".into(),
            scientific_abstract: "Plasma proteomics against CCTA plaque burden.".into(),
            purpose: Some(ResearchPurpose::DiseaseSpecific("cardiovascular disease".into())),
            data_categories: "CCTA, plasma proteins, questionnaires".into(),
            selection_criteria: "All participants with CCTA".into(),
            data_form: Some(DataForm::Pseudonymised),
            data_form_reason: "Linkage to registers needs a key held by the node.".into(),
            period_start: "2026-04-01".into(),
            period_end: "2029-03-31".into(),
            processing_location: "SciLifeLab secure computing, Sweden".into(),
            safeguards: "Two-factor access, logging, no export.".into(),
            ethics_reference: "2025-01234-01".into(),
            ethics_decision_date: "2025-11-02".into(),
            ethics_decision_attachment: Some(7),
            ..Default::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    #[test]
    fn a_complete_form_has_no_problems_and_every_section_is_done() {
        let demands = Demands { ethics_approval: true, publication_plan: false };
        assert_eq!(complete().problems(demands, today()), vec![]);
        assert!(complete().sections_complete(demands, today()).iter().all(|(_, done)| *done));
    }

    #[test]
    fn each_problem_is_named_at_its_field_in_form_order() {
        let mut form = complete();
        form.title = " ".into();
        form.period_end = "2026-03-31".into();
        form.period_start = "2026-04-01".into();
        form.ethics_reference = "Dnr 12".into();
        form.purpose = Some(ResearchPurpose::DiseaseSpecific(String::new()));
        let problems = form.problems(Demands::default(), today());
        assert_eq!(
            problems,
            vec![
                ("title", "form.required"),
                ("purpose", "application.disease_required"),
                ("period_end", "application.period_order"),
                ("ethics_reference", "application.ethics_reference"),
            ]
        );
        let sections = form.sections_complete(Demands::default(), today());
        assert_eq!(
            sections,
            vec![("project", false), ("data", false), ("processing", true), ("ethics", false)]
        );
    }

    #[test]
    fn what_the_cohorts_demand_is_asked_for() {
        let mut anonymous = complete();
        anonymous.data_form = Some(DataForm::Anonymised);
        anonymous.ethics_reference.clear();
        anonymous.ethics_decision_attachment = None;
        assert_eq!(
            anonymous.problems(Demands::default(), today()),
            vec![],
            "anonymised data, no IRB code: no ethics needed"
        );
        let irb = Demands { ethics_approval: true, publication_plan: true };
        let fields: Vec<&str> = anonymous.problems(irb, today()).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["publication_plan", "ethics_reference", "ethics_decision_attachment"]);
    }

    #[test]
    fn a_draft_may_be_anything_and_versions_show_what_changed() {
        let empty = ApplicationForm::default();
        assert!(!empty.problems(Demands::default(), today()).is_empty());
        let mut second = complete();
        second.linkage = "National patient register".into();
        second.period_end = "2029-06-30".into();
        assert_eq!(changed_fields(&complete(), &second), vec!["linkage", "period_end"]);
        assert_eq!(changed_fields(&complete(), &complete()), Vec::<&str>::new());
    }

    #[test]
    fn ethics_references_follow_the_authority_format() {
        assert!(is_ethics_reference("2023-01234-01"));
        assert!(!is_ethics_reference("2023-1234-01"));
        assert!(!is_ethics_reference("Dnr 2023-01234-01"));
        assert!(!is_ethics_reference("1999-01234-01"));
    }

    #[test]
    fn every_field_is_in_a_section() {
        let value = serde_json::to_value(complete()).unwrap();
        let listed: Vec<&str> = SECTIONS.iter().flat_map(|(_, f)| f.iter().copied()).collect();
        for key in value.as_object().unwrap().keys() {
            assert!(listed.contains(&key.as_str()), "{key} is in no section");
        }
        assert_eq!(listed.len(), value.as_object().unwrap().len());
    }
}
