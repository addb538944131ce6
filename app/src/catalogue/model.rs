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

/// A text the catalogue holds in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Localized {
    pub sv: String,
    pub en: String,
}

impl Localized {
    pub fn new(sv: impl Into<String>, en: impl Into<String>) -> Localized {
        Localized { sv: sv.into(), en: en.into() }
    }

    /// The text in `lang`, or in the other language when this one is empty.
    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        let (first, second) = match lang {
            crate::i18n::Lang::Sv => (&self.sv, &self.en),
            crate::i18n::Lang::En => (&self.en, &self.sv),
        };
        if first.trim().is_empty() { second } else { first }
    }

    pub fn is_empty(&self) -> bool {
        self.sv.trim().is_empty() && self.en.trim().is_empty()
    }
}

/// The EU access-rights vocabulary (DCAT-AP `dct:accessRights`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessRights {
    Public,
    #[default]
    Restricted,
    NonPublic,
}

impl AccessRights {
    pub const ALL: [AccessRights; 3] =
        [AccessRights::Public, AccessRights::Restricted, AccessRights::NonPublic];

    pub fn code(self) -> &'static str {
        match self {
            AccessRights::Public => "public",
            AccessRights::Restricted => "restricted",
            AccessRights::NonPublic => "non_public",
        }
    }

    pub fn parse(code: &str) -> Option<AccessRights> {
        AccessRights::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The term in <http://publications.europa.eu/resource/authority/access-right>.
    pub fn eu_term(self) -> &'static str {
        match self {
            AccessRights::Public => "PUBLIC",
            AccessRights::Restricted => "RESTRICTED",
            AccessRights::NonPublic => "NON_PUBLIC",
        }
    }

    pub fn from_eu_term(term: &str) -> Option<AccessRights> {
        AccessRights::ALL.into_iter().find(|a| a.eu_term().eq_ignore_ascii_case(term))
    }

    pub fn label_key(self) -> String {
        format!("catalogue.access_rights.{}", self.code())
    }
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Entered in the portal (the demo data, or an administrator).
    Entered,
    /// Harvested from a node's machine-readable catalogue.
    Harvested,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Entered => "entered",
            Origin::Harvested => "harvested",
        }
    }
}

/// One cohort or dataset as the catalogue describes it, whichever way it arrived. Harvests,
/// the demo data and the store all speak this type, so a record is mapped in one place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetRecord {
    pub acronym: String,
    pub title: Localized,
    pub description: Localized,
    pub population: Localized,
    pub participants: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub data_types: Vec<String>,
    pub sample_types: Vec<String>,
    pub disease_areas: Vec<String>,
    pub keywords: Vec<String>,
    pub consent_codes: Vec<ConsentCode>,
    pub access_conditions: Localized,
    pub access_committee: Option<String>,
    pub access_rights: AccessRights,
    /// The entry in the node's own catalogue (a web page people can open).
    pub landing_page: Option<String>,
    /// RFC 3339; when the record last changed at its source.
    pub last_modified: Option<String>,
}

impl DatasetRecord {
    /// Sorted and without duplicates, so equal records compare (and digest) equal.
    pub fn normalized(mut self) -> DatasetRecord {
        for list in
            [&mut self.data_types, &mut self.sample_types, &mut self.disease_areas, &mut self.keywords]
        {
            list.iter_mut().for_each(|v| *v = v.trim().to_owned());
            list.retain(|v| !v.is_empty());
            list.sort();
            list.dedup();
        }
        self.consent_codes
            .sort_by_key(|c| (DuoTerm::ALL.iter().position(|t| *t == c.term), c.disease_term.clone()));
        self.consent_codes.dedup_by_key(|c| c.term);
        self
    }

    /// What full-text search matches: (title part, body part).
    pub fn search_text(&self, node_names: &[String]) -> (String, String) {
        let title = [self.acronym.as_str(), &self.title.sv, &self.title.en].join(" ");
        let mut body = vec![
            self.description.sv.clone(),
            self.description.en.clone(),
            self.population.sv.clone(),
            self.population.en.clone(),
            self.keywords.join(" "),
            self.data_types.join(" "),
            self.disease_areas.iter().map(|d| d.replace('_', " ")).collect::<Vec<_>>().join(" "),
            self.consent_codes.iter().map(ConsentCode::short).collect::<Vec<_>>().join(" "),
        ];
        body.extend(node_names.iter().cloned());
        (fold_for_search(&title), fold_for_search(&body.join(" ")))
    }
}

/// Lower case without diacritics (`Örebro` → `orebro`, `Malmö` → `malmo`), so a search
/// typed on any keyboard finds the same records on SQLite and PostgreSQL alike.
pub fn fold_for_search(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars().flat_map(char::to_lowercase) {
        match ch {
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => out.push('a'),
            'ö' | 'ø' | 'ò' | 'ó' | 'ô' | 'õ' => out.push('o'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'ü' | 'ù' | 'ú' | 'û' => out.push('u'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            other => out.push(other),
        }
    }
    out
}

/// Size ranges offered as a filter, by number of participants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeRange {
    Under1k,
    From1kTo10k,
    From10kTo50k,
    Over50k,
}

impl SizeRange {
    pub const ALL: [SizeRange; 4] =
        [SizeRange::Under1k, SizeRange::From1kTo10k, SizeRange::From10kTo50k, SizeRange::Over50k];

    pub fn code(self) -> &'static str {
        match self {
            SizeRange::Under1k => "lt1k",
            SizeRange::From1kTo10k => "1k-10k",
            SizeRange::From10kTo50k => "10k-50k",
            SizeRange::Over50k => "gt50k",
        }
    }

    pub fn parse(code: &str) -> Option<SizeRange> {
        SizeRange::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Participants in `[low, high)`; `None` is unbounded.
    pub fn bounds(self) -> (i64, Option<i64>) {
        match self {
            SizeRange::Under1k => (0, Some(1_000)),
            SizeRange::From1kTo10k => (1_000, Some(10_000)),
            SizeRange::From10kTo50k => (10_000, Some(50_000)),
            SizeRange::Over50k => (50_000, None),
        }
    }

    pub fn of(participants: i64) -> SizeRange {
        SizeRange::ALL
            .into_iter()
            .find(|r| {
                let (low, high) = r.bounds();
                participants >= low && high.is_none_or(|h| participants < h)
            })
            .unwrap_or(SizeRange::Under1k)
    }

    pub fn label_key(self) -> String {
        format!("catalogue.size.{}", self.code())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Best match first when there is a search text; otherwise largest first.
    #[default]
    Relevance,
    Title,
    Participants,
    Modified,
}

impl SortOrder {
    pub const ALL: [SortOrder; 4] =
        [SortOrder::Relevance, SortOrder::Title, SortOrder::Participants, SortOrder::Modified];

    pub fn code(self) -> &'static str {
        match self {
            SortOrder::Relevance => "relevance",
            SortOrder::Title => "title",
            SortOrder::Participants => "participants",
            SortOrder::Modified => "modified",
        }
    }

    pub fn parse(code: &str) -> Option<SortOrder> {
        SortOrder::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The facets a search can be narrowed by; each is also a URL parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    Node,
    DataType,
    SampleType,
    DiseaseArea,
    Duo,
    Size,
}

impl Facet {
    pub const ALL: [Facet; 6] =
        [Facet::Node, Facet::DataType, Facet::SampleType, Facet::DiseaseArea, Facet::Duo, Facet::Size];

    /// The URL parameter (and API query parameter).
    pub fn param(self) -> &'static str {
        match self {
            Facet::Node => "node",
            Facet::DataType => "data_type",
            Facet::SampleType => "sample_type",
            Facet::DiseaseArea => "disease_area",
            Facet::Duo => "duo",
            Facet::Size => "size",
        }
    }

    pub fn label_key(self) -> String {
        format!("catalogue.facet.{}", self.param())
    }
}

pub const SEARCH_PAGE_SIZE: i64 = 20;
/// Longer queries are cut: a search box is not a document.
pub const MAX_SEARCH_TERMS: usize = 8;

/// A catalogue search as the URL carries it: `?q=cardio&node=uppsala&duo=HMB&page=2`.
/// The page, the JSON API and the links all read and write it through this type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetQuery {
    pub text: String,
    pub nodes: Vec<String>,
    pub data_types: Vec<String>,
    pub sample_types: Vec<String>,
    pub disease_areas: Vec<String>,
    pub duo: Vec<DuoTerm>,
    pub sizes: Vec<SizeRange>,
    pub sort: SortOrder,
    /// 1-based.
    pub page: i64,
}

/// A query parameter that could not be read; the API answers 400 with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {problem}")]
pub struct QueryProblem {
    pub parameter: String,
    pub problem: String,
}

impl DatasetQuery {
    /// Reads URL parameters. Unknown vocabulary values are problems (a typo should not
    /// silently widen a search); unknown parameters are ignored.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<DatasetQuery, QueryProblem> {
        let mut query = DatasetQuery { page: 1, ..DatasetQuery::default() };
        let problem = |parameter: &str, problem: &str| QueryProblem {
            parameter: parameter.into(),
            problem: problem.into(),
        };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let check = |facet: &str| -> Result<String, QueryProblem> {
                let known = vocabulary(facet).is_some_and(|v| v.contains(&value));
                if known { Ok(value.to_owned()) } else { Err(problem(key, "not a known value")) }
            };
            match key {
                "q" => query.text = value.chars().take(200).collect(),
                "node" => {
                    let valid =
                        value.len() <= 64 && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                    if !valid {
                        return Err(problem(key, "not a node"));
                    }
                    query.nodes.push(value.to_owned());
                }
                "data_type" => query.data_types.push(check("data_type")?),
                "sample_type" => query.sample_types.push(check("sample_type")?),
                "disease_area" => query.disease_areas.push(check("disease_area")?),
                "duo" => query.duo.push(DuoTerm::parse(value).ok_or_else(|| problem(key, "not a DUO code"))?),
                "size" => {
                    query.sizes.push(SizeRange::parse(value).ok_or_else(|| problem(key, "not a size range"))?)
                }
                "sort" => {
                    query.sort = SortOrder::parse(value).ok_or_else(|| problem(key, "not a sort order"))?
                }
                "page" => {
                    query.page = value
                        .parse::<i64>()
                        .ok()
                        .filter(|p| (1..=100_000).contains(p))
                        .ok_or_else(|| problem(key, "not a page number"))?
                }
                _ => {}
            }
        }
        for list in
            [&mut query.nodes, &mut query.data_types, &mut query.sample_types, &mut query.disease_areas]
        {
            list.sort();
            list.dedup();
        }
        query.duo.sort_by_key(|t| DuoTerm::ALL.iter().position(|x| x == t));
        query.duo.dedup();
        query.sizes.sort();
        query.sizes.dedup();
        Ok(query)
    }

    /// Reads a raw query string (`a=1&b=2`, with or without the leading `?`).
    pub fn from_query_string(query: &str) -> Result<DatasetQuery, QueryProblem> {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).into_owned().collect();
        DatasetQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// The selected values of a facet, as they appear in the URL.
    pub fn selected(&self, facet: Facet) -> Vec<String> {
        match facet {
            Facet::Node => self.nodes.clone(),
            Facet::DataType => self.data_types.clone(),
            Facet::SampleType => self.sample_types.clone(),
            Facet::DiseaseArea => self.disease_areas.clone(),
            Facet::Duo => self.duo.iter().map(|t| t.abbreviation().to_owned()).collect(),
            Facet::Size => self.sizes.iter().map(|s| s.code().to_owned()).collect(),
        }
    }

    pub fn has_filters(&self) -> bool {
        Facet::ALL.iter().any(|f| !self.selected(*f).is_empty())
    }

    /// The URL parameters, in a stable order, without defaults.
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if !self.text.trim().is_empty() {
            out.append_pair("q", self.text.trim());
        }
        for facet in Facet::ALL {
            for value in self.selected(facet) {
                out.append_pair(facet.param(), &value);
            }
        }
        if self.sort != SortOrder::Relevance {
            out.append_pair("sort", self.sort.code());
        }
        if self.page > 1 {
            out.append_pair("page", &self.page.to_string());
        }
        out.finish()
    }

    /// The same search on another page.
    pub fn on_page(&self, page: i64) -> DatasetQuery {
        DatasetQuery { page, ..self.clone() }
    }

    /// The same search with one facet value switched on or off (back to page 1).
    pub fn toggled(&self, facet: Facet, value: &str) -> DatasetQuery {
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(self.to_query_string().as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "page")
            .collect();
        let position = pairs.iter().position(|(k, v)| k == facet.param() && v == value);
        match position {
            Some(i) => {
                pairs.remove(i);
            }
            None => pairs.push((facet.param().to_owned(), value.to_owned())),
        }
        DatasetQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_or_default()
    }

    /// Words of the search text: letters and digits only, lower case, at most
    /// [`MAX_SEARCH_TERMS`]. Each becomes a prefix match, all must match.
    pub fn search_terms(&self) -> Vec<String> {
        fold_for_search(&self.text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .take(MAX_SEARCH_TERMS)
            .collect()
    }

    pub fn offset(&self) -> i64 {
        (self.page.max(1) - 1) * SEARCH_PAGE_SIZE
    }
}

/// One value of a facet with how many records it would give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    /// Display name where the value is not translated (node names).
    pub label: Option<Localized>,
    pub count: i64,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetGroup {
    pub facet: Facet,
    pub values: Vec<FacetCount>,
}

/// What lists show of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub slug: String,
    pub acronym: String,
    pub title: Localized,
    pub description: Localized,
    pub participants: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    pub nodes: Vec<NodeRef>,
    pub data_types: Vec<String>,
    pub consent_codes: Vec<ConsentCode>,
    pub origin: Origin,
    pub illustrative: bool,
    pub last_modified: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRef {
    pub slug: String,
    pub name: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetSearchResult {
    pub query: DatasetQuery,
    pub total: i64,
    pub page_size: i64,
    pub items: Vec<DatasetSummary>,
    pub facets: Vec<FacetGroup>,
}

impl DatasetSearchResult {
    pub fn page_count(&self) -> i64 {
        ((self.total + self.page_size - 1) / self.page_size).max(1)
    }
}

/// Everything the dataset page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetDetail {
    pub slug: String,
    pub record: DatasetRecord,
    pub nodes: Vec<NodeRef>,
    pub origin: Origin,
    /// The node whose catalogue it was harvested from, and the dataset's IRI there.
    pub source_node: Option<NodeRef>,
    pub source_iri: Option<String>,
    /// The node catalogue's own site, for "see it in the node's catalogue".
    pub source_catalogue_site: Option<String>,
    /// The node whose access committee decides on applications for it.
    pub deciding_node: Option<NodeRef>,
    pub withdrawn_at: Option<String>,
    pub illustrative: bool,
    pub updated_at: String,
}

/// A node's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDetail {
    pub slug: String,
    pub name: Localized,
    pub city: String,
    pub description: Localized,
    pub universities: Vec<String>,
    pub hospitals: Vec<String>,
    pub services: Vec<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub catalogue_site_url: Option<String>,
    pub catalogue_url: Option<String>,
    pub catalogue_is_demo: bool,
    pub datasets: Vec<DatasetSummary>,
    pub harvest_runs: Vec<HarvestRunView>,
    /// The viewer may edit the node and start a harvest (decided by the policy).
    pub can_edit: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HarvestOutcome {
    Running,
    Succeeded,
    Failed,
}

impl HarvestOutcome {
    pub fn code(self) -> &'static str {
        match self {
            HarvestOutcome::Running => "running",
            HarvestOutcome::Succeeded => "succeeded",
            HarvestOutcome::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<HarvestOutcome> {
        [HarvestOutcome::Running, HarvestOutcome::Succeeded, HarvestOutcome::Failed]
            .into_iter()
            .find(|o| o.code() == code)
    }
}

/// One harvest of a node's catalogue, as the node page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HarvestRunView {
    pub id: i64,
    pub initiated_by: String,
    pub requested_by: Option<String>,
    pub source_url: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: HarvestOutcome,
    pub pages: i64,
    pub datasets_seen: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub withdrawn: i64,
    pub error: Option<String>,
    pub warnings: Vec<String>,
}

/// What a coordinator may change about their node. Parsed, so a value that exists is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeChanges {
    pub description: Localized,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub catalogue_site_url: Option<String>,
    pub catalogue_url: Option<String>,
    pub services: Vec<String>,
}

/// A field of the node form and the translation key of what is wrong with it.
pub type FieldProblem = (&'static str, &'static str);

impl NodeChanges {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        description_sv: &str,
        description_en: &str,
        contact_name: &str,
        contact_email: &str,
        catalogue_site_url: &str,
        catalogue_url: &str,
        services: &[String],
        require_https: bool,
    ) -> Result<NodeChanges, FieldProblem> {
        let text = |field: &'static str, value: &str| -> Result<String, FieldProblem> {
            let value = value.trim();
            if value.is_empty() {
                Err((field, "form.required"))
            } else if value.chars().count() > 2000 {
                Err((field, "form.too_long"))
            } else {
                Ok(value.to_owned())
            }
        };
        let optional = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        let url = |field: &'static str, value: &str| -> Result<Option<String>, FieldProblem> {
            match optional(value) {
                None => Ok(None),
                Some(value) => parse_web_url(&value, require_https).map(Some).map_err(|key| (field, key)),
            }
        };
        let description =
            Localized::new(text("description_sv", description_sv)?, text("description_en", description_en)?);
        let contact_email = match optional(contact_email) {
            Some(email) if !looks_like_email(&email) => return Err(("contact_email", "form.invalid_email")),
            other => other,
        };
        let contact_name = optional(contact_name);
        if contact_name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(("contact_name", "form.too_long"));
        }
        let mut chosen: Vec<String> = Vec::new();
        for service in services {
            if !NODE_SERVICES.contains(&service.as_str()) {
                return Err(("services", "form.unknown_choice"));
            }
            if !chosen.contains(service) {
                chosen.push(service.clone());
            }
        }
        chosen.sort();
        Ok(NodeChanges {
            description,
            contact_name,
            contact_email,
            catalogue_site_url: url("catalogue_site_url", catalogue_site_url)?,
            catalogue_url: url("catalogue_url", catalogue_url)?,
            services: chosen,
        })
    }
}

/// An absolute http(s) URL without credentials; `https` only where required.
pub fn parse_web_url(value: &str, require_https: bool) -> Result<String, &'static str> {
    let value = value.trim();
    let rest = if let Some(rest) = value.strip_prefix("https://") {
        rest
    } else if let Some(rest) = value.strip_prefix("http://") {
        if require_https {
            return Err("form.https_required");
        }
        rest
    } else {
        return Err("form.invalid_url");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let valid = !host.is_empty()
        && !host.contains('@')
        && value.len() <= 2000
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(value.to_owned()) } else { Err("form.invalid_url") }
}

pub fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

/// The portal's slug for a record harvested from a node: the node, then the last part of
/// the dataset's IRI, in lower-case ASCII.
pub fn harvested_slug(node_slug: &str, iri: &str) -> String {
    let tail =
        iri.trim_end_matches(['/', '#', ':', '=']).rsplit(['/', '#', ':', '=']).next().unwrap_or("dataset");
    let mut slug = String::new();
    for ch in tail.chars().flat_map(char::to_lowercase) {
        let ch = match ch {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if !(ch == '-' && (slug.is_empty() || slug.ends_with('-'))) {
            slug.push(ch);
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(60).collect();
    let slug = if slug.is_empty() { "dataset".to_owned() } else { slug };
    format!("{node_slug}-{slug}")
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

    #[test]
    fn search_queries_round_trip_through_the_url() {
        let query = DatasetQuery::from_query_string(
            "?q=cardio+imaging&node=uppsala&duo=hmb&size=gt50k&sort=title&page=2",
        )
        .unwrap();
        assert_eq!(query.text, "cardio imaging");
        assert_eq!(query.nodes, vec!["uppsala"]);
        assert_eq!(query.duo, vec![DuoTerm::Hmb]);
        assert_eq!(query.sizes, vec![SizeRange::Over50k]);
        assert_eq!(query.sort, SortOrder::Title);
        assert_eq!(query.page, 2);
        assert_eq!(DatasetQuery::from_query_string(&query.to_query_string()).unwrap(), query);
        assert_eq!(query.search_terms(), vec!["cardio", "imaging"]);
    }

    #[test]
    fn unknown_filter_values_are_refused_not_ignored() {
        assert_eq!(
            DatasetQuery::from_query_string("data_type=astrology").unwrap_err().parameter,
            "data_type"
        );
        assert_eq!(DatasetQuery::from_query_string("duo=XYZ").unwrap_err().parameter, "duo");
        assert_eq!(DatasetQuery::from_query_string("page=0").unwrap_err().parameter, "page");
        assert_eq!(DatasetQuery::from_query_string("node=a%27b").unwrap_err().parameter, "node");
        assert!(
            DatasetQuery::from_query_string("utm_source=x&q=").unwrap()
                == DatasetQuery { page: 1, ..Default::default() }
        );
    }

    #[test]
    fn toggling_a_facet_adds_or_removes_it_and_goes_back_to_page_one() {
        let query = DatasetQuery::from_query_string("q=x&node=umea&page=3").unwrap();
        let more = query.toggled(Facet::Node, "uppsala");
        assert_eq!(more.nodes, vec!["umea", "uppsala"]);
        assert_eq!(more.page, 1);
        assert_eq!(more.toggled(Facet::Node, "umea").nodes, vec!["uppsala"]);
        assert_eq!(query.toggled(Facet::Duo, "HMB").duo, vec![DuoTerm::Hmb]);
    }

    #[test]
    fn search_terms_keep_letters_and_digits_only() {
        let query =
            DatasetQuery { text: "\"cardio\" OR x* NEAR(a b) Göteborg".into(), ..Default::default() };
        assert_eq!(query.search_terms(), vec!["cardio", "or", "x", "near", "a", "b", "goteborg"]);
        let long = DatasetQuery { text: "a b c d e f g h i j".into(), ..Default::default() };
        assert_eq!(long.search_terms().len(), MAX_SEARCH_TERMS);
    }

    #[test]
    fn size_ranges_cover_every_count_once() {
        for n in [0, 999, 1_000, 9_999, 10_000, 49_999, 50_000, 10_000_000] {
            let hits = SizeRange::ALL
                .iter()
                .filter(|r| {
                    let (low, high) = r.bounds();
                    n >= low && high.is_none_or(|h| n < h)
                })
                .count();
            assert_eq!(hits, 1, "{n}");
        }
        assert_eq!(SizeRange::of(30_154), SizeRange::From10kTo50k);
    }

    #[test]
    fn node_changes_are_checked_field_by_field() {
        let services = vec!["genomics".to_owned(), "imaging".to_owned(), "genomics".to_owned()];
        let ok = NodeChanges::parse(
            "Beskrivning",
            "Description",
            "",
            "node@example.org",
            "",
            "https://x.example.org/c.ttl",
            &services,
            true,
        )
        .unwrap();
        assert_eq!(ok.services, vec!["genomics", "imaging"]);
        assert_eq!(ok.contact_name, None);
        let parse = |email: &str, url: &str, https: bool| {
            NodeChanges::parse("a", "b", "", email, "", url, &[], https).map(|_| ()).unwrap_err()
        };
        assert_eq!(parse("nope", "", false), ("contact_email", "form.invalid_email"));
        assert_eq!(parse("", "ftp://x", false), ("catalogue_url", "form.invalid_url"));
        assert_eq!(parse("", "http://x.example.org", true), ("catalogue_url", "form.https_required"));
        assert_eq!(parse("", "https://user@x.example.org", true), ("catalogue_url", "form.invalid_url"));
        assert!(NodeChanges::parse("a", "b", "", "", "", "http://127.0.0.1:9/c.ttl", &[], false).is_ok());
        assert_eq!(
            NodeChanges::parse(" ", "b", "", "", "", "", &[], false).unwrap_err(),
            ("description_sv", "form.required")
        );
        assert_eq!(
            NodeChanges::parse("a", "b", "", "", "", "", &["astrology".into()], false).unwrap_err(),
            ("services", "form.unknown_choice")
        );
    }

    #[test]
    fn harvested_slugs_are_readable_and_safe() {
        assert_eq!(harvested_slug("uppsala", "https://c.example.org/dataset/ucan-crc"), "uppsala-ucan-crc");
        assert_eq!(harvested_slug("umea", "https://c.example.org/ds#Betula Ålder/"), "umea-betula-alder");
        assert_eq!(harvested_slug("orebro", "urn:uuid:"), "orebro-uuid");
        assert_eq!(harvested_slug("orebro", "https://x/%%%"), "orebro-dataset");
    }

    #[test]
    fn records_normalise_so_equal_content_compares_equal() {
        let a = DatasetRecord {
            keywords: vec!["b".into(), " a ".into(), "b".into(), "".into()],
            consent_codes: vec![
                ConsentCode { term: DuoTerm::Irb, disease_term: None },
                ConsentCode { term: DuoTerm::Hmb, disease_term: None },
            ],
            ..Default::default()
        }
        .normalized();
        assert_eq!(a.keywords, vec!["a", "b"]);
        assert_eq!(a.consent_codes[0].term, DuoTerm::Hmb);
    }

    #[test]
    fn search_text_and_terms_are_folded_alike() {
        assert_eq!(fold_for_search("Örebro Malmö Åre Ærø Straße"), "orebro malmo are aero strasse");
        let query = DatasetQuery { text: "ÖREBRO".into(), ..Default::default() };
        let record =
            DatasetRecord { title: Localized::new("Örebro kohort", "Örebro cohort"), ..Default::default() };
        let (title, _) = record.search_text(&[]);
        assert!(title.contains(&query.search_terms()[0]), "{title}");
    }

    #[test]
    fn localized_text_falls_back_to_the_other_language() {
        let text = Localized::new("", "English only");
        assert_eq!(text.get(Lang::Sv), "English only");
        assert_eq!(Localized::new("sv", "en").get(Lang::Sv), "sv");
    }
}
