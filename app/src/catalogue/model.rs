//! Nodes, cohorts and the consent vocabulary (GA4GH Data Use Ontology). Pure, no I/O.

use serde::{Deserialize, Serialize};

/// DUO terms the portal knows: the primary data-use categories and their modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DuoTerm {
    Gru,
    Hmb,
    Ds,
    Poa,
    Nres,
    Npu,
    Ncu,
    Irb,
    Col,
    Pub,
    Gso,
    Nmds,
    Gs,
    Mor,
    Ts,
    Rtn,
}

impl DuoTerm {
    pub const ALL: [DuoTerm; 16] = [
        DuoTerm::Gru,
        DuoTerm::Hmb,
        DuoTerm::Ds,
        DuoTerm::Poa,
        DuoTerm::Nres,
        DuoTerm::Npu,
        DuoTerm::Ncu,
        DuoTerm::Irb,
        DuoTerm::Col,
        DuoTerm::Pub,
        DuoTerm::Gso,
        DuoTerm::Nmds,
        DuoTerm::Gs,
        DuoTerm::Mor,
        DuoTerm::Ts,
        DuoTerm::Rtn,
    ];

    pub fn abbreviation(self) -> &'static str {
        match self {
            DuoTerm::Gru => "GRU",
            DuoTerm::Hmb => "HMB",
            DuoTerm::Ds => "DS",
            DuoTerm::Poa => "POA",
            DuoTerm::Nres => "NRES",
            DuoTerm::Npu => "NPU",
            DuoTerm::Ncu => "NCU",
            DuoTerm::Irb => "IRB",
            DuoTerm::Col => "COL",
            DuoTerm::Pub => "PUB",
            DuoTerm::Gso => "GSO",
            DuoTerm::Nmds => "NMDS",
            DuoTerm::Gs => "GS",
            DuoTerm::Mor => "MOR",
            DuoTerm::Ts => "TS",
            DuoTerm::Rtn => "RTN",
        }
    }

    /// The ontology identifier, e.g. `DUO:0000006` for HMB.
    pub fn duo_id(self) -> &'static str {
        match self {
            DuoTerm::Gru => "DUO:0000042",
            DuoTerm::Hmb => "DUO:0000006",
            DuoTerm::Ds => "DUO:0000007",
            DuoTerm::Poa => "DUO:0000011",
            DuoTerm::Nres => "DUO:0000004",
            DuoTerm::Npu => "DUO:0000045",
            DuoTerm::Ncu => "DUO:0000046",
            DuoTerm::Irb => "DUO:0000021",
            DuoTerm::Col => "DUO:0000020",
            DuoTerm::Pub => "DUO:0000019",
            DuoTerm::Gso => "DUO:0000016",
            DuoTerm::Nmds => "DUO:0000015",
            DuoTerm::Gs => "DUO:0000022",
            DuoTerm::Mor => "DUO:0000024",
            DuoTerm::Ts => "DUO:0000025",
            DuoTerm::Rtn => "DUO:0000029",
        }
    }

    pub fn parse(abbreviation: &str) -> Option<DuoTerm> {
        DuoTerm::ALL.into_iter().find(|t| t.abbreviation().eq_ignore_ascii_case(abbreviation.trim()))
    }

    /// Primary terms say what the data may be used for; the rest restrict or add duties.
    pub fn is_primary(self) -> bool {
        matches!(self, DuoTerm::Gru | DuoTerm::Hmb | DuoTerm::Ds | DuoTerm::Poa | DuoTerm::Nres)
    }

    pub fn label_key(self) -> String {
        format!("duo.{}", self.abbreviation().to_ascii_lowercase())
    }
}

/// A consent code on a cohort; disease-specific codes carry their disease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentCode {
    pub term: DuoTerm,
    pub disease_term: Option<String>,
}

impl ConsentCode {
    /// Short display form: `HMB`, `DS-cardiovascular disease`.
    pub fn short(&self) -> String {
        match &self.disease_term {
            Some(disease) => format!("{}-{}", self.term.abbreviation(), disease),
            None => self.term.abbreviation().to_owned(),
        }
    }
}

/// Controlled vocabularies; each value has a translation under `vocab.<facet>.<value>`.
pub const DATA_TYPES: &[&str] = &[
    "genomics",
    "transcriptomics",
    "proteomics",
    "metabolomics",
    "imaging",
    "clinical",
    "registry",
    "questionnaire",
    "biomarkers",
];
pub const SAMPLE_TYPES: &[&str] = &["blood", "plasma", "serum", "dna", "tissue", "urine", "faeces", "saliva"];
pub const DISEASE_AREAS: &[&str] = &[
    "cardiovascular",
    "pulmonary",
    "cancer",
    "diabetes",
    "ageing_dementia",
    "autoimmune",
    "inflammatory_bowel",
    "population_health",
    "rare_disease",
];
pub const NODE_SERVICES: &[&str] =
    &["genomics", "proteomics", "metabolomics", "spatial_biology", "imaging", "ai_data_science"];

/// The vocabulary of a facet, by its name in `cohort_facets` (keywords are free text).
pub fn vocabulary(facet: &str) -> Option<&'static [&'static str]> {
    match facet {
        "data_type" => Some(DATA_TYPES),
        "sample_type" => Some(SAMPLE_TYPES),
        "disease_area" => Some(DISEASE_AREAS),
        "service" => Some(NODE_SERVICES),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub slug: String,
    pub name: String,
    pub city: String,
    pub universities: Vec<String>,
    pub hospitals: Vec<String>,
    pub services: Vec<String>,
    pub cohort_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortSummary {
    pub slug: String,
    pub acronym: String,
    pub title: String,
    pub description: String,
    pub participants: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub node_names: Vec<String>,
    pub data_types: Vec<String>,
    pub consent_codes: Vec<ConsentCode>,
    pub illustrative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueOverview {
    pub nodes: Vec<NodeSummary>,
    pub cohorts: Vec<CohortSummary>,
}

/// `1 234 567` with the thin spaces Swedish uses, `1,234,567` in English.
pub fn format_count(n: i64, lang: crate::i18n::Lang) -> String {
    let digits = n.unsigned_abs().to_string();
    let separator = match lang {
        crate::i18n::Lang::Sv => "\u{202f}",
        crate::i18n::Lang::En => ",",
    };
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn duo_terms_have_the_ontology_ids_from_the_brief() {
        assert_eq!(DuoTerm::Gru.duo_id(), "DUO:0000042");
        assert_eq!(DuoTerm::Hmb.duo_id(), "DUO:0000006");
        assert_eq!(DuoTerm::Ds.duo_id(), "DUO:0000007");
        assert_eq!(DuoTerm::Npu.duo_id(), "DUO:0000045");
        assert_eq!(DuoTerm::Rtn.duo_id(), "DUO:0000029");
        let ids: std::collections::BTreeSet<_> = DuoTerm::ALL.iter().map(|t| t.duo_id()).collect();
        assert_eq!(ids.len(), DuoTerm::ALL.len(), "ids are unique");
    }

    #[test]
    fn duo_abbreviations_round_trip() {
        for term in DuoTerm::ALL {
            assert_eq!(DuoTerm::parse(term.abbreviation()), Some(term));
        }
        assert_eq!(DuoTerm::parse("hmb"), Some(DuoTerm::Hmb));
        assert_eq!(DuoTerm::parse("XYZ"), None);
    }

    #[test]
    fn disease_specific_codes_show_their_disease() {
        let code = ConsentCode { term: DuoTerm::Ds, disease_term: Some("cancer".into()) };
        assert_eq!(code.short(), "DS-cancer");
    }

    #[test]
    fn every_vocabulary_value_and_duo_term_is_translated() {
        use crate::i18n::translate;
        let mut keys: Vec<String> = DuoTerm::ALL.iter().map(|t| t.label_key()).collect();
        for facet in ["data_type", "sample_type", "disease_area", "service"] {
            keys.extend(vocabulary(facet).unwrap().iter().map(|v| format!("vocab.{facet}.{v}")));
        }
        for key in keys {
            for lang in Lang::ALL {
                assert_ne!(translate(lang, &key), key, "{key} has no {lang:?} translation");
            }
        }
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(format_count(30154, Lang::En), "30,154");
        assert_eq!(format_count(30154, Lang::Sv), "30\u{202f}154");
        assert_eq!(format_count(999, Lang::En), "999");
        assert_eq!(format_count(1_000_000, Lang::En), "1,000,000");
    }
}
