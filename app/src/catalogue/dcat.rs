//! DCAT-AP 3 / HealthDCAT-AP in and out: reading a node's catalogue page into records
//! (harvest) and writing the national catalogue (publishing). Pure: bytes in, triples out.
//!
//! What is read and written, property by property, is listed in the README ("Catalogue
//! metadata"); the portal's own terms live under [`ns::PMC`] and [`ns::VOCAB`].

use super::model::{AccessRights, ConsentCode, DatasetRecord, DuoTerm, Localized, vocabulary};
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Graph, Literal, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef, Triple};
use oxrdfio::{JsonLdProfileSet, RdfFormat, RdfParser, RdfSerializer};
use std::collections::{BTreeSet, HashSet};

pub mod ns {
    pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
    pub const DCT: &str = "http://purl.org/dc/terms/";
    pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
    pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
    pub const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
    pub const HEALTH: &str = "http://healthdataportal.eu/ns/health#";
    pub const DCATAP: &str = "http://data.europa.eu/r5r/";
    pub const DPV: &str = "https://w3id.org/dpv#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const OBO: &str = "http://purl.obolibrary.org/obo/";
    /// The portal's properties for what DCAT lacks (sample types, DUO codes, conditions).
    pub const PMC: &str = "https://w3id.org/se-pmc/ns#";
    /// The portal's controlled vocabularies: `<VOCAB>data-type/genomics` and so on.
    pub const VOCAB: &str = "https://w3id.org/se-pmc/vocab/";
    pub const ACCESS_RIGHT: &str = "http://publications.europa.eu/resource/authority/access-right/";
    pub const DATA_THEME_HEALTH: &str = "http://publications.europa.eu/resource/authority/data-theme/HEAL";
    /// The European Health Data Space regulation and the GDPR, as ELI identifiers.
    pub const EHDS: &str = "http://data.europa.eu/eli/reg/2025/327/oj";
    pub const GDPR: &str = "http://data.europa.eu/eli/reg/2016/679/oj";

    pub const PREFIXES: &[(&str, &str)] = &[
        ("dcat", DCAT),
        ("dct", DCT),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("hydra", HYDRA),
        ("healthdcatap", HEALTH),
        ("dcatap", DCATAP),
        ("dpv", DPV),
        ("xsd", XSD),
        ("rdfs", RDFS),
        ("pmc", PMC),
    ];
}

fn iri(namespace: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{namespace}{local}"))
}

/// The RDF formats a catalogue may come in or go out as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueFormat {
    Turtle,
    JsonLd,
    RdfXml,
    NTriples,
}

impl CatalogueFormat {
    pub const PUBLISHED: [CatalogueFormat; 3] =
        [CatalogueFormat::Turtle, CatalogueFormat::JsonLd, CatalogueFormat::RdfXml];

    fn rdf(self) -> RdfFormat {
        match self {
            CatalogueFormat::Turtle => RdfFormat::Turtle,
            CatalogueFormat::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
            CatalogueFormat::RdfXml => RdfFormat::RdfXml,
            CatalogueFormat::NTriples => RdfFormat::NTriples,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            CatalogueFormat::Turtle => "text/turtle",
            CatalogueFormat::JsonLd => "application/ld+json",
            CatalogueFormat::RdfXml => "application/rdf+xml",
            CatalogueFormat::NTriples => "application/n-triples",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            CatalogueFormat::Turtle => "ttl",
            CatalogueFormat::JsonLd => "jsonld",
            CatalogueFormat::RdfXml => "rdf",
            CatalogueFormat::NTriples => "nt",
        }
    }

    pub fn from_extension(extension: &str) -> Option<CatalogueFormat> {
        match extension {
            "ttl" => Some(CatalogueFormat::Turtle),
            "jsonld" | "json" => Some(CatalogueFormat::JsonLd),
            "rdf" | "xml" | "owl" => Some(CatalogueFormat::RdfXml),
            "nt" => Some(CatalogueFormat::NTriples),
            _ => None,
        }
    }

    /// From a `Content-Type` value, falling back to the URL's extension.
    pub fn detect(content_type: Option<&str>, url: &str) -> Option<CatalogueFormat> {
        let media = content_type.map(|c| c.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        let by_media = match media.as_deref() {
            Some("text/turtle" | "application/x-turtle") => Some(CatalogueFormat::Turtle),
            Some("application/ld+json") => Some(CatalogueFormat::JsonLd),
            Some("application/rdf+xml") => Some(CatalogueFormat::RdfXml),
            Some("application/n-triples") => Some(CatalogueFormat::NTriples),
            _ => None,
        };
        by_media.or_else(|| {
            let path = url.split(['?', '#']).next().unwrap_or_default();
            let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
            CatalogueFormat::from_extension(&extension)
        })
    }
}

/// A dataset read from a node's catalogue: its IRI there and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarvestedDataset {
    pub iri: String,
    pub record: DatasetRecord,
}

/// One page of a node's catalogue, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CataloguePage {
    pub datasets: Vec<HarvestedDataset>,
    /// `hydra:next` (or the older `hydra:nextPage`), resolved against the page's URL.
    pub next_page: Option<String>,
    /// Datasets skipped or values ignored, in words a coordinator can act on.
    pub warnings: Vec<String>,
}

/// Parses one page. A syntax error fails the page (and so the run); a dataset that lacks
/// what the portal needs is skipped with a warning.
pub fn read_page(bytes: &[u8], format: CatalogueFormat, page_url: &str) -> Result<CataloguePage, String> {
    // The RDF/XML parser expands entities without limit: a few hundred bytes of nested
    // <!ENTITY> declarations would fill the memory. Catalogues have no use for a DTD.
    if format == CatalogueFormat::RdfXml && has_dtd(bytes) {
        return Err("RDF/XML with a DOCTYPE or ENTITY declaration is refused".to_owned());
    }
    let parser = RdfParser::from_format(format.rdf())
        .with_base_iri(page_url)
        .map_err(|e| format!("the page URL is not a valid IRI: {e}"))?;
    let mut graph = Graph::new();
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| format!("not valid {}: {e}", format.media_type()))?;
        graph.insert(&Triple::from(quad));
    }
    let mut page = CataloguePage::default();
    let hydra_next = [iri(ns::HYDRA, "next"), iri(ns::HYDRA, "nextPage")];
    let next: BTreeSet<String> = hydra_next
        .iter()
        .flat_map(|p| graph.triples_for_predicate(p))
        .filter_map(|t| match t.object {
            TermRef::NamedNode(n) => Some(n.as_str().to_owned()),
            _ => None,
        })
        .filter(|n| n != page_url)
        .collect();
    if next.len() > 1 {
        page.warnings.push(format!("the page names {} next pages; the first was followed", next.len()));
    }
    page.next_page = next.into_iter().next();

    let dataset_class = iri(ns::DCAT, "Dataset");
    let subjects: Vec<NamedOrBlankNodeRef> =
        graph.subjects_for_predicate_object(rdf::TYPE, &dataset_class).collect();
    for subject in subjects {
        let NamedOrBlankNodeRef::NamedNode(node) = subject else {
            page.warnings.push("a dataset without an IRI (a blank node) was skipped".to_owned());
            continue;
        };
        match read_dataset(&graph, node.as_str(), &mut page.warnings) {
            Some(record) => page.datasets.push(HarvestedDataset { iri: node.as_str().to_owned(), record }),
            None => continue,
        }
    }
    page.datasets.sort_by(|a, b| a.iri.cmp(&b.iri));
    Ok(page)
}

fn has_dtd(bytes: &[u8]) -> bool {
    bytes.windows(9).any(|w| w.eq_ignore_ascii_case(b"<!DOCTYPE"))
        || bytes.windows(8).any(|w| w.eq_ignore_ascii_case(b"<!ENTITY"))
}

/// Text as the portal stores it: trimmed, without control characters (PostgreSQL refuses
/// NUL in text; none belongs in a title).
fn clean(text: &str) -> String {
    text.trim().chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

/// Values of `subject`'s `property`, literals and IRIs alike.
fn values<'g>(graph: &'g Graph, subject: &str, namespace: &str, local: &str) -> Vec<TermRef<'g>> {
    let subject = NamedNode::new_unchecked(subject);
    let property = iri(namespace, local);
    graph.objects_for_subject_predicate(&subject, &property).collect()
}

fn localized(graph: &Graph, subject: &str, namespace: &str, local: &str) -> Localized {
    let mut text = Localized::default();
    let mut untagged: Option<String> = None;
    let mut other: Option<String> = None;
    for term in values(graph, subject, namespace, local) {
        let TermRef::Literal(literal) = term else { continue };
        let value = clean(literal.value());
        match literal.language().map(|l| l.to_ascii_lowercase()) {
            Some(lang) if lang == "sv" || lang.starts_with("sv-") => text.sv = value,
            Some(lang) if lang == "en" || lang.starts_with("en-") => text.en = value,
            Some(_) => other = other.or(Some(value)),
            None => untagged = untagged.or(Some(value)),
        }
    }
    for fallback in [untagged, other].into_iter().flatten() {
        if text.sv.is_empty() {
            text.sv = fallback.clone();
        }
        if text.en.is_empty() {
            text.en = fallback;
        }
    }
    text
}

fn plain_texts(graph: &Graph, subject: &str, namespace: &str, local: &str) -> Vec<String> {
    values(graph, subject, namespace, local)
        .into_iter()
        .filter_map(|t| match t {
            TermRef::Literal(l) => Some(clean(l.value())),
            TermRef::NamedNode(n) => Some(n.as_str().to_owned()),
            _ => None,
        })
        .filter(|v| !v.is_empty())
        .collect()
}

fn first_iri(graph: &Graph, subject: &str, namespace: &str, local: &str) -> Option<String> {
    values(graph, subject, namespace, local).into_iter().find_map(|t| match t {
        TermRef::NamedNode(n) => Some(n.as_str().to_owned()),
        _ => None,
    })
}

fn count(graph: &Graph, subject: &str, local: &str) -> Option<i64> {
    plain_texts(graph, subject, ns::HEALTH, local)
        .into_iter()
        .find_map(|v| v.parse::<i64>().ok().filter(|n| *n >= 0))
}

/// `https://…/data-type/genomics`, `…#Genomics` or the literal `"genomics"` → `genomics`.
fn vocabulary_value(raw: &str, facet: &str) -> Option<String> {
    let tail = raw.trim_end_matches('/').rsplit(['/', '#']).next().unwrap_or(raw);
    let normalized = tail.trim().to_lowercase().replace(['-', ' '], "_");
    vocabulary(facet)?.iter().find(|v| **v == normalized).map(|v| (*v).to_owned())
}

fn vocabulary_values(
    graph: &Graph,
    subject: &str,
    properties: &[(&str, &str)],
    facet: &str,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let mut found = Vec::new();
    for (namespace, local) in properties {
        for raw in plain_texts(graph, subject, namespace, local) {
            match vocabulary_value(&raw, facet) {
                Some(value) => found.push(value),
                // Themes are shared with other vocabularies (e.g. the EU data themes).
                None if *local == "theme" => {}
                None => warnings.push(format!("{subject}: {raw} is not a known {facet} and was ignored")),
            }
        }
    }
    found
}

/// `…/obo/DUO_0000006`, `"DUO:0000006"` or `"HMB"`.
pub fn duo_term(raw: &str) -> Option<DuoTerm> {
    let tail = raw.rsplit('/').next().unwrap_or(raw).replace('_', ":");
    DuoTerm::ALL.into_iter().find(|t| t.duo_id() == tail).or_else(|| DuoTerm::parse(raw))
}

/// `xsd:dateTime` or `xsd:date` → RFC 3339 UTC text.
fn timestamp(raw: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, Utc};
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(crate::db::timestamp(at.with_timezone(&Utc)));
    }
    let date = NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()?;
    Some(crate::db::timestamp(date.and_hms_opt(0, 0, 0)?.and_utc()))
}

fn read_dataset(graph: &Graph, subject: &str, warnings: &mut Vec<String>) -> Option<DatasetRecord> {
    let title = localized(graph, subject, ns::DCT, "title");
    let description = localized(graph, subject, ns::DCT, "description");
    if title.is_empty() {
        warnings.push(format!("{subject} has no dct:title and was skipped"));
        return None;
    }
    if description.is_empty() {
        warnings.push(format!("{subject} has no dct:description and was skipped"));
        return None;
    }
    let mut consent_codes = Vec::new();
    let disease = plain_texts(graph, subject, ns::PMC, "diseaseSpecificTo").into_iter().next();
    for raw in plain_texts(graph, subject, ns::PMC, "consentCode") {
        match duo_term(&raw) {
            Some(term) => consent_codes.push(ConsentCode {
                term,
                disease_term: if term == DuoTerm::Ds { disease.clone() } else { None },
            }),
            None => {
                warnings.push(format!("{subject}: {raw} is not a DUO term the portal knows and was ignored"))
            }
        }
    }
    let committee = values(graph, subject, ns::HEALTH, "hdab").into_iter().find_map(|term| match term {
        TermRef::Literal(l) => Some(l.value().to_owned()),
        TermRef::NamedNode(n) => plain_texts(graph, n.as_str(), ns::FOAF, "name").into_iter().next(),
        _ => None,
    });
    let access_rights = first_iri(graph, subject, ns::DCT, "accessRights")
        .and_then(|r| AccessRights::from_eu_term(r.rsplit('/').next().unwrap_or_default()))
        .unwrap_or_default();
    let modified = plain_texts(graph, subject, ns::DCT, "modified").into_iter().find_map(|m| timestamp(&m));
    let record = DatasetRecord {
        acronym: plain_texts(graph, subject, ns::DCT, "alternative").into_iter().next().unwrap_or_default(),
        title,
        description,
        population: localized(graph, subject, ns::HEALTH, "populationCoverage"),
        participants: count(graph, subject, "numberOfUniqueIndividuals")
            .or_else(|| count(graph, subject, "numberOfRecords"))
            .unwrap_or(0),
        age_min: count(graph, subject, "minTypicalAge"),
        age_max: count(graph, subject, "maxTypicalAge"),
        data_types: vocabulary_values(graph, subject, &[(ns::DCT, "type")], "data_type", warnings),
        sample_types: vocabulary_values(graph, subject, &[(ns::PMC, "sampleType")], "sample_type", warnings),
        disease_areas: vocabulary_values(
            graph,
            subject,
            &[(ns::HEALTH, "healthCategory"), (ns::DCAT, "theme")],
            "disease_area",
            warnings,
        ),
        keywords: plain_texts(graph, subject, ns::DCAT, "keyword"),
        consent_codes,
        access_conditions: localized(graph, subject, ns::PMC, "accessConditions"),
        access_committee: committee,
        access_rights,
        // Only web pages: a `javascript:` or `data:` IRI must not become a link.
        landing_page: first_iri(graph, subject, ns::DCAT, "landingPage")
            .and_then(|page| super::model::parse_web_url(&page, false).ok()),
        last_modified: modified,
    };
    Some(record.normalized())
}

/// A record as the national catalogue publishes it.
#[derive(Debug, Clone)]
pub struct PublishedDataset {
    pub slug: String,
    pub record: DatasetRecord,
    /// (slug, name) of the nodes that hold it; the first publishes it.
    pub nodes: Vec<(String, Localized)>,
    /// The dataset's IRI in the node's catalogue, for harvested records.
    pub source_iri: Option<String>,
    pub updated_at: String,
    /// (slug, name) of the node whose access committee decides (HealthDCAT-AP's `hdab`).
    pub deciding_node: Option<(String, Localized)>,
    /// Whom to ask about the dataset: the publishing node's contact.
    pub contact: NodeContact,
    /// The node catalogue the record was harvested from; none when curated in the portal.
    pub harvested_from: Option<String>,
}

/// A node's contact as the catalogue publishes it (a vCard).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeContact {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Does the dataset hold structured data (HealthDCAT-AP's `hasStructuredData`)? Every kind
/// of data the catalogue knows is structured (tables, variants, measurements) except images.
pub fn has_structured_data(record: &DatasetRecord) -> bool {
    record.data_types.iter().any(|kind| kind != "imaging")
}

/// Where this page sits in the whole catalogue.
#[derive(Debug, Clone, Copy)]
pub struct PageInfo {
    pub page: i64,
    pub page_size: i64,
    pub total_items: i64,
    pub format: CatalogueFormat,
}

impl PageInfo {
    pub fn last_page(&self) -> i64 {
        ((self.total_items + self.page_size - 1) / self.page_size).max(1)
    }
}

/// Collects triples without duplicates, in the order they were added.
#[derive(Default)]
struct Triples {
    seen: HashSet<Triple>,
    list: Vec<Triple>,
}

impl Triples {
    fn add(&mut self, subject: &NamedNode, predicate: NamedNode, object: impl Into<Term>) {
        let triple = Triple::new(NamedOrBlankNode::from(subject.clone()), predicate, object.into());
        if self.seen.insert(triple.clone()) {
            self.list.push(triple);
        }
    }

    fn text(&mut self, subject: &NamedNode, predicate: NamedNode, text: &Localized) {
        for (lang, value) in [("sv", &text.sv), ("en", &text.en)] {
            if !value.trim().is_empty() {
                let literal = Literal::new_language_tagged_literal_unchecked(value.trim(), lang);
                self.add(subject, predicate.clone(), literal);
            }
        }
    }

    fn typed(
        &mut self,
        subject: &NamedNode,
        predicate: NamedNode,
        value: impl ToString,
        datatype: oxrdf::NamedNodeRef,
    ) {
        self.add(subject, predicate, Literal::new_typed_literal(value.to_string(), datatype));
    }

    fn agent(&mut self, agent: &NamedNode, name: &str) {
        self.add(agent, rdf::TYPE.into_owned(), iri(ns::FOAF, "Agent"));
        self.add(agent, iri(ns::FOAF, "name"), Literal::new_simple_literal(name));
    }
}

/// The IRIs the portal mints, all under its public URL.
pub struct Iris<'a> {
    pub base: &'a str,
}

impl Iris<'_> {
    pub fn catalogue(&self) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/catalog", self.base))
    }
    pub fn dataset(&self, slug: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/datasets/{slug}", self.base))
    }
    pub fn node(&self, slug: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/nodes/{slug}", self.base))
    }
    pub fn page(&self, format: CatalogueFormat, page: i64) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/catalog.{}?page={page}", self.base, format.extension()))
    }
}

/// One page of the national catalogue: the catalogue itself, the datasets on the page
/// and the paging (`hydra:PagedCollection` with both the current and the older terms).
pub fn catalogue_page(base_url: &str, info: PageInfo, datasets: &[PublishedDataset]) -> Vec<Triple> {
    let iris = Iris { base: base_url.trim_end_matches('/') };
    let mut out = Triples::default();
    let catalogue = iris.catalogue();
    out.add(&catalogue, rdf::TYPE.into_owned(), iri(ns::DCAT, "Catalog"));
    out.text(
        &catalogue,
        iri(ns::DCT, "title"),
        &Localized::new(
            "Nationell katalog över kohorter för precisionsmedicin",
            "National catalogue of precision-medicine cohorts",
        ),
    );
    out.text(
        &catalogue,
        iri(ns::DCT, "description"),
        &Localized::new(
            "Kohorter och dataset vid klustrets sju noder. Metadata samlas nationellt; data stannar vid noden.",
            "Cohorts and datasets at the cluster's seven nodes. Metadata is aggregated nationally; data stays at the node.",
        ),
    );
    let publisher = NamedNode::new_unchecked(format!("{}/#publisher", iris.base));
    out.add(&catalogue, iri(ns::DCT, "publisher"), publisher.clone());
    out.agent(&publisher, "SciLifeLab precision medicine cluster");
    out.add(
        &catalogue,
        iri(ns::FOAF, "homepage"),
        NamedNode::new_unchecked(format!("{}/catalogue", iris.base)),
    );
    out.add(
        &catalogue,
        iri(ns::DCAT, "themeTaxonomy"),
        NamedNode::new_unchecked("http://publications.europa.eu/resource/authority/data-theme"),
    );

    let this_page = iris.page(info.format, info.page);
    out.add(&this_page, rdf::TYPE.into_owned(), iri(ns::HYDRA, "PagedCollection"));
    out.add(&this_page, rdf::TYPE.into_owned(), iri(ns::HYDRA, "PartialCollectionView"));
    out.typed(&this_page, iri(ns::HYDRA, "totalItems"), info.total_items, xsd::INTEGER);
    out.typed(&this_page, iri(ns::HYDRA, "itemsPerPage"), info.page_size, xsd::INTEGER);
    out.add(&this_page, iri(ns::HYDRA, "firstPage"), iris.page(info.format, 1));
    out.add(&this_page, iri(ns::HYDRA, "first"), iris.page(info.format, 1));
    out.add(&this_page, iri(ns::HYDRA, "lastPage"), iris.page(info.format, info.last_page()));
    out.add(&this_page, iri(ns::HYDRA, "last"), iris.page(info.format, info.last_page()));
    if info.page < info.last_page() {
        out.add(&this_page, iri(ns::HYDRA, "nextPage"), iris.page(info.format, info.page + 1));
        out.add(&this_page, iri(ns::HYDRA, "next"), iris.page(info.format, info.page + 1));
    }
    if info.page > 1 {
        out.add(&this_page, iri(ns::HYDRA, "previousPage"), iris.page(info.format, info.page - 1));
        out.add(&this_page, iri(ns::HYDRA, "previous"), iris.page(info.format, info.page - 1));
    }

    for dataset in datasets {
        let subject = iris.dataset(&dataset.slug);
        out.add(&catalogue, iri(ns::DCAT, "dataset"), subject.clone());
        out.add(&this_page, iri(ns::HYDRA, "member"), subject.clone());
        dataset_triples(&mut out, &iris, &subject, dataset);
    }
    out.list
}

fn dataset_triples(out: &mut Triples, iris: &Iris, subject: &NamedNode, dataset: &PublishedDataset) {
    let record = &dataset.record;
    out.add(subject, rdf::TYPE.into_owned(), iri(ns::DCAT, "Dataset"));
    out.text(subject, iri(ns::DCT, "title"), &record.title);
    out.text(subject, iri(ns::DCT, "description"), &record.description);
    out.add(subject, iri(ns::DCT, "identifier"), Literal::new_simple_literal(subject.as_str()));
    if !record.acronym.is_empty() {
        out.add(subject, iri(ns::DCT, "alternative"), Literal::new_simple_literal(&record.acronym));
    }
    for keyword in &record.keywords {
        out.add(subject, iri(ns::DCAT, "keyword"), Literal::new_simple_literal(keyword));
    }
    let modified = record.last_modified.as_deref().unwrap_or(&dataset.updated_at);
    if let Some(at) = crate::db::parse_timestamp(modified) {
        out.typed(subject, iri(ns::DCT, "modified"), at.format("%Y-%m-%dT%H:%M:%SZ"), xsd::DATE_TIME);
    }
    out.add(subject, iri(ns::DCAT, "landingPage"), iris.dataset(&dataset.slug));
    if let Some(page) = record.landing_page.as_deref().and_then(|p| NamedNode::new(p).ok()) {
        out.add(subject, iri(ns::FOAF, "page"), page);
    }
    if let Some(source) = dataset.source_iri.as_deref().and_then(|s| NamedNode::new(s).ok()) {
        out.add(subject, iri(ns::DCT, "source"), source);
    }
    out.add(subject, iri(ns::DCAT, "theme"), NamedNode::new_unchecked(ns::DATA_THEME_HEALTH));
    out.add(subject, iri(ns::DCT, "accessRights"), iri(ns::ACCESS_RIGHT, record.access_rights.eu_term()));
    for legislation in [ns::EHDS, ns::GDPR] {
        out.add(subject, iri(ns::DCATAP, "applicableLegislation"), NamedNode::new_unchecked(legislation));
    }
    for value in &record.data_types {
        out.add(subject, iri(ns::DCT, "type"), iri(ns::VOCAB, &format!("data-type/{value}")));
    }
    for value in &record.sample_types {
        out.add(subject, iri(ns::PMC, "sampleType"), iri(ns::VOCAB, &format!("sample-type/{value}")));
    }
    for value in &record.disease_areas {
        out.add(subject, iri(ns::HEALTH, "healthCategory"), iri(ns::VOCAB, &format!("disease-area/{value}")));
    }
    for code in &record.consent_codes {
        out.add(subject, iri(ns::PMC, "consentCode"), iri(ns::OBO, &code.term.duo_id().replace(':', "_")));
        if let Some(disease) = &code.disease_term {
            out.add(subject, iri(ns::PMC, "diseaseSpecificTo"), Literal::new_simple_literal(disease));
        }
    }
    // Purpose (DPV): research, and only not-for-profit research where the codes say so.
    let non_commercial = record.consent_codes.iter().any(|c| matches!(c.term, DuoTerm::Npu | DuoTerm::Ncu));
    let purpose = if non_commercial { "NonCommercialResearch" } else { "ScientificResearch" };
    out.add(subject, iri(ns::DPV, "hasPurpose"), iri(ns::DPV, purpose));
    out.text(subject, iri(ns::PMC, "accessConditions"), &record.access_conditions);
    out.text(subject, iri(ns::HEALTH, "populationCoverage"), &record.population);
    for property in ["numberOfUniqueIndividuals", "numberOfRecords"] {
        out.typed(subject, iri(ns::HEALTH, property), record.participants, xsd::NON_NEGATIVE_INTEGER);
    }
    if let Some(age) = record.age_min {
        out.typed(subject, iri(ns::HEALTH, "minTypicalAge"), age, xsd::NON_NEGATIVE_INTEGER);
    }
    if let Some(age) = record.age_max {
        out.typed(subject, iri(ns::HEALTH, "maxTypicalAge"), age, xsd::NON_NEGATIVE_INTEGER);
    }
    if let Some((slug, name)) = dataset.nodes.first() {
        let node = iris.node(slug);
        out.add(subject, iri(ns::DCT, "publisher"), node.clone());
        out.agent(&node, &format!("{} node", name.en));
        // HealthDCAT-AP asks non-public datasets for a contact point: the node's, as a vCard.
        let contact = NamedNode::new_unchecked(format!("{}#contact", node.as_str()));
        out.add(subject, iri(ns::DCAT, "contactPoint"), contact.clone());
        out.add(&contact, rdf::TYPE.into_owned(), iri(ns::VCARD, "Organization"));
        let contact_name = dataset.contact.name.clone().unwrap_or_else(|| format!("{} node", name.en));
        out.add(&contact, iri(ns::VCARD, "fn"), Literal::new_simple_literal(contact_name));
        if let Some(email) = dataset.contact.email.as_deref().filter(|e| e.contains('@'))
            && let Ok(mailto) = NamedNode::new(format!("mailto:{email}"))
        {
            out.add(&contact, iri(ns::VCARD, "hasEmail"), mailto);
        }
    }
    // The committee that decides is the deciding node's, under its own name (a cohort held
    // at several nodes is decided at one; a harvested record's own label names another body).
    if let Some((slug, name)) = &dataset.deciding_node {
        let committee = NamedNode::new_unchecked(format!("{}#access-committee", iris.node(slug).as_str()));
        out.add(subject, iri(ns::HEALTH, "hdab"), committee.clone());
        out.add(&committee, rdf::TYPE.into_owned(), iri(ns::FOAF, "Agent"));
        out.text(
            &committee,
            iri(ns::FOAF, "name"),
            &Localized::new(
                format!("Åtkomstkommittén vid noden {}", name.sv),
                format!("{} node access committee", name.en),
            ),
        );
    }
    let provenance = NamedNode::new_unchecked(format!("{}#provenance", subject.as_str()));
    out.add(subject, iri(ns::DCT, "provenance"), provenance.clone());
    out.add(&provenance, rdf::TYPE.into_owned(), iri(ns::DCT, "ProvenanceStatement"));
    let statement = match &dataset.harvested_from {
        Some(url) => Localized::new(
            format!("Skördad från nodens katalog {url}; posten ändras där."),
            format!("Harvested from the node's catalogue {url}; the record is changed there."),
        ),
        None => Localized::new(
            "Beskriven i portalen av noden som förvaltar kohorten.",
            "Described in the portal by the node that looks after the cohort.",
        ),
    };
    out.text(&provenance, iri(ns::RDFS, "label"), &statement);
    out.typed(subject, iri(ns::HEALTH, "hasStructuredData"), has_structured_data(record), xsd::BOOLEAN);
    for (slug, _) in dataset.nodes.iter().skip(1) {
        out.add(subject, iri(ns::PMC, "heldAt"), iris.node(slug));
    }
    // Data stays at the node: the one distribution is the way to ask for access.
    let distribution = NamedNode::new_unchecked(format!("{}#access", subject.as_str()));
    out.add(subject, iri(ns::DCAT, "distribution"), distribution.clone());
    out.add(&distribution, rdf::TYPE.into_owned(), iri(ns::DCAT, "Distribution"));
    out.add(&distribution, iri(ns::DCAT, "accessURL"), iris.dataset(&dataset.slug));
    out.add(
        &distribution,
        iri(ns::DCT, "accessRights"),
        iri(ns::ACCESS_RIGHT, record.access_rights.eu_term()),
    );
    out.text(
        &distribution,
        iri(ns::DCT, "description"),
        &Localized::new(
            "Data lämnas ut av noden efter beslut om tillgång; ansök i portalen.",
            "Data is released by the node after an access decision; apply in the portal.",
        ),
    );
}

/// Writes triples in a format, with the usual prefixes.
pub fn serialize(triples: &[Triple], format: CatalogueFormat) -> Result<Vec<u8>, String> {
    let mut serializer = RdfSerializer::from_format(format.rdf());
    for (prefix, namespace) in ns::PREFIXES {
        serializer = serializer.with_prefix(*prefix, *namespace).map_err(|e| e.to_string())?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for triple in triples {
        writer.serialize_triple(triple).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix hydra: <http://www.w3.org/ns/hydra/core#> . @prefix pmc: <https://w3id.org/se-pmc/ns#> .
        @prefix healthdcatap: <http://healthdataportal.eu/ns/health#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <> a hydra:Collection ; hydra:next <page-2.ttl> .
        <https://c.example.org/dataset/a> a dcat:Dataset ;
            dct:title "Hjärtkohort"@sv, "Heart cohort"@en ; dct:description "Beskrivning"@sv, "Description"@en ;
            dct:alternative "HC" ; dcat:keyword "heart"@en, "hjärta"@sv ;
            dct:type <https://w3id.org/se-pmc/vocab/data-type/imaging>, <https://example.org/astrology> ;
            healthdcatap:healthCategory <https://w3id.org/se-pmc/vocab/disease-area/cardiovascular> ;
            pmc:consentCode <http://purl.obolibrary.org/obo/DUO_0000007>, <http://purl.obolibrary.org/obo/DUO_0000021> ;
            pmc:diseaseSpecificTo "cardiovascular disease" ;
            healthdcatap:numberOfUniqueIndividuals "1234"^^xsd:nonNegativeInteger ;
            healthdcatap:hdab <https://c.example.org/committee> ;
            dct:accessRights <http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC> ;
            dct:modified "2026-03-01"^^xsd:date ; dcat:landingPage <datasets/a> .
        <https://c.example.org/committee> foaf:name "Heart committee" .
        <https://c.example.org/dataset/untitled> a dcat:Dataset ; dct:description "x" .
        [] a dcat:Dataset ; dct:title "blank" ; dct:description "x" .
    "#;

    #[test]
    fn a_turtle_page_maps_to_records_with_warnings_for_what_was_skipped() {
        let page =
            read_page(PAGE.as_bytes(), CatalogueFormat::Turtle, "http://127.0.0.1:9/cat/page-1.ttl").unwrap();
        assert_eq!(page.next_page.as_deref(), Some("http://127.0.0.1:9/cat/page-2.ttl"));
        assert_eq!(page.datasets.len(), 1);
        let record = &page.datasets[0].record;
        assert_eq!(record.title, Localized::new("Hjärtkohort", "Heart cohort"));
        assert_eq!(record.acronym, "HC");
        assert_eq!(record.data_types, vec!["imaging"]);
        assert_eq!(record.disease_areas, vec!["cardiovascular"]);
        assert_eq!(record.participants, 1234);
        assert_eq!(record.access_committee.as_deref(), Some("Heart committee"));
        assert_eq!(record.access_rights, AccessRights::NonPublic);
        assert_eq!(record.last_modified.as_deref(), Some("2026-03-01T00:00:00.000000Z"));
        assert_eq!(record.landing_page.as_deref(), Some("http://127.0.0.1:9/cat/datasets/a"));
        assert_eq!(record.consent_codes[0].short(), "DS-cardiovascular disease");
        assert_eq!(record.consent_codes[1].term, DuoTerm::Irb);
        let warnings = page.warnings.join("\n");
        assert!(warnings.contains("astrology"), "{warnings}");
        assert!(warnings.contains("untitled has no dct:title"), "{warnings}");
        assert!(warnings.contains("blank node"), "{warnings}");
    }

    #[test]
    fn rdf_xml_with_entity_declarations_is_refused_before_parsing() {
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#;
        let error = read_page(bomb, CatalogueFormat::RdfXml, "http://x.example.org/c.rdf").unwrap_err();
        assert!(error.contains("DOCTYPE"), "{error}");
    }

    #[test]
    fn only_web_pages_become_landing_pages_and_control_characters_go() {
        let page = r#"<https://c.example.org/d> a <http://www.w3.org/ns/dcat#Dataset> ;
            <http://purl.org/dc/terms/title> "Nul\u0000 title" ; <http://purl.org/dc/terms/description> "x" ;
            <http://www.w3.org/ns/dcat#landingPage> <javascript:alert(1)> ."#;
        let read = read_page(page.as_bytes(), CatalogueFormat::Turtle, "http://x.example.org/c.ttl").unwrap();
        assert_eq!(read.datasets[0].record.landing_page, None);
        assert_eq!(read.datasets[0].record.title.en, "Nul title");
    }

    #[test]
    fn a_syntax_error_fails_the_page() {
        let error = read_page(b"<a> <b> \"unterminated", CatalogueFormat::Turtle, "http://x.example.org/")
            .unwrap_err();
        assert!(error.contains("not valid text/turtle"), "{error}");
    }

    #[test]
    fn formats_are_detected_from_the_media_type_then_the_extension() {
        use CatalogueFormat::*;
        assert_eq!(CatalogueFormat::detect(Some("text/turtle; charset=utf-8"), "x"), Some(Turtle));
        assert_eq!(
            CatalogueFormat::detect(Some("application/octet-stream"), "/a/page.jsonld?x=1"),
            Some(JsonLd)
        );
        assert_eq!(CatalogueFormat::detect(None, "/catalog.rdf"), Some(RdfXml));
        assert_eq!(CatalogueFormat::detect(Some("text/html"), "/catalog"), None);
    }

    #[test]
    fn duo_terms_are_read_from_iris_curies_and_abbreviations() {
        assert_eq!(duo_term("http://purl.obolibrary.org/obo/DUO_0000006"), Some(DuoTerm::Hmb));
        assert_eq!(duo_term("DUO:0000042"), Some(DuoTerm::Gru));
        assert_eq!(duo_term("npu"), Some(DuoTerm::Npu));
        assert_eq!(duo_term("DUO:9999999"), None);
    }

    fn published() -> PublishedDataset {
        let page =
            read_page(PAGE.as_bytes(), CatalogueFormat::Turtle, "http://127.0.0.1:9/cat/page-1.ttl").unwrap();
        PublishedDataset {
            slug: "uppsala-a".into(),
            record: page.datasets[0].record.clone(),
            nodes: vec![("uppsala".into(), Localized::new("Uppsala", "Uppsala"))],
            source_iri: Some("https://c.example.org/dataset/a".into()),
            updated_at: crate::db::now(),
            deciding_node: Some(("uppsala".into(), Localized::new("Uppsala", "Uppsala"))),
            contact: NodeContact {
                name: Some("Anna Ekström".into()),
                email: Some("access@uppsala.example".into()),
            },
            harvested_from: Some("https://c.example.org/catalogue.ttl".into()),
        }
    }

    #[test]
    fn every_dataset_has_the_healthdcat_fields_non_public_data_needs() {
        let info = PageInfo { page: 1, page_size: 1, total_items: 1, format: CatalogueFormat::Turtle };
        let triples = catalogue_page("https://portal.example.org", info, &[published()]);
        let text = String::from_utf8(serialize(&triples, CatalogueFormat::Turtle).unwrap()).unwrap();
        for expected in [
            "dcat:contactPoint <https://portal.example.org/nodes/uppsala#contact>",
            "<mailto:access@uppsala.example>",
            "dct:provenance <https://portal.example.org/datasets/uppsala-a#provenance>",
            "Harvested from the node's catalogue https://c.example.org/catalogue.ttl",
            "healthdcatap:hasStructuredData",
            "healthdcatap:hdab <https://portal.example.org/nodes/uppsala#access-committee>",
            "\"Uppsala node access committee\"@en",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }

    #[test]
    fn what_is_published_reads_back_as_the_same_record_in_every_format() {
        let info = PageInfo { page: 1, page_size: 1, total_items: 2, format: CatalogueFormat::Turtle };
        for format in CatalogueFormat::PUBLISHED {
            let info = PageInfo { format, ..info };
            let triples = catalogue_page("https://portal.example.org", info, &[published()]);
            let bytes = serialize(&triples, format).unwrap();
            let url = format!("https://portal.example.org/catalog.{}?page=1", format.extension());
            let page = read_page(&bytes, format, &url).unwrap();
            assert_eq!(page.datasets.len(), 1, "{format:?}");
            let mut expected = published().record;
            expected.landing_page = Some("https://portal.example.org/datasets/uppsala-a".into());
            assert_eq!(page.datasets[0].record.title, expected.title, "{format:?}");
            assert_eq!(page.datasets[0].record.consent_codes, expected.consent_codes, "{format:?}");
            assert_eq!(page.datasets[0].record.participants, 1234);
            assert_eq!(
                page.next_page.as_deref(),
                Some(&*format!("https://portal.example.org/catalog.{}?page=2", format.extension()))
            );
        }
    }

    #[test]
    fn published_pages_use_absolute_iris_only() {
        let info = PageInfo { page: 2, page_size: 1, total_items: 2, format: CatalogueFormat::Turtle };
        let triples = catalogue_page("https://portal.example.org/", info, &[published()]);
        for triple in &triples {
            assert!(matches!(triple.subject, NamedOrBlankNode::NamedNode(_)), "{triple}");
            assert!(!matches!(triple.object, Term::BlankNode(_)), "{triple}");
        }
        let text = String::from_utf8(serialize(&triples, CatalogueFormat::Turtle).unwrap()).unwrap();
        assert!(text.contains("hydra:previousPage"), "{text}");
        assert!(!text.contains("hydra:nextPage"), "the last page has no next page");
    }
}
