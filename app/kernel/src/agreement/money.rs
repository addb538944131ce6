//! Who pays what: contributions per party and year (cash, or in kind: hours × rate,
//! equipment, samples or data access, each valued), their funding source, the totals and
//! shares they add up to, the industry co-funding ratio, and the state-aid checks of the
//! General Block Exemption Regulation (651/2014) Article 25 as warnings that explain the
//! rule and the numbers. The portal warns; it never blocks on these.
//!
//! Amounts are whole kronor in `i64`, every value is bounded ([`MAX_AMOUNT`], …) and all
//! arithmetic is checked, so no input can make it panic.

use crate::codes::{CompanySize, code_list};
use crate::dates;
use crate::ids::OrganisationId;
use crate::workflow::text_fits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::model::PartyKind;

/// The largest value of one contribution: ten billion kronor.
pub const MAX_AMOUNT: i64 = 10_000_000_000;
/// The most hours one contribution may count.
pub const MAX_HOURS: i64 = 1_000_000;
/// The highest hourly rate.
pub const MAX_RATE: i64 = 100_000;
/// The most contributions one agreement may list.
pub const MAX_CONTRIBUTIONS: usize = 2_000;
/// Longest description of a contribution.
pub const MAX_DESCRIPTION: usize = 500;
/// A whole, in basis points (hundredths of a per cent).
pub const WHOLE_BP: u32 = 10_000;

/// Whole Swedish kronor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sek(pub i64);

impl Sek {
    pub const ZERO: Sek = Sek(0);

    pub fn checked_add(self, other: Sek) -> Result<Sek, MoneyError> {
        self.0.checked_add(other.0).map(Sek).ok_or(MoneyError::Overflow)
    }
}

code_list!(
    /// Where the money of a contribution comes from.
    FundingSource {
        Own = "own",
        Vinnova = "vinnova",
        Eu = "eu",
        Region = "region",
        Other = "other",
    }
);

impl FundingSource {
    /// A public grant: state aid when a company receives it.
    pub fn is_public_grant(self) -> bool {
        matches!(self, FundingSource::Vinnova | FundingSource::Eu | FundingSource::Region)
    }
}

/// What a party puts in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ContributionKind {
    Cash {
        amount: i64,
    },
    /// Work in kind, valued at hours × rate.
    Hours {
        hours: i64,
        rate: i64,
    },
    Equipment {
        value: i64,
    },
    /// Samples or access to data, valued.
    SamplesOrData {
        value: i64,
    },
}

/// One party's contribution in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contribution {
    pub party: OrganisationId,
    pub year: i32,
    pub kind: ContributionKind,
    pub source: FundingSource,
    pub description: String,
}

/// Why contributions cannot be added up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum MoneyError {
    #[error("contribution {index}: {field} is out of bounds")]
    OutOfBounds { index: usize, field: &'static str },
    #[error("contribution {index} names no party of the agreement")]
    UnknownParty { index: usize },
    #[error("too many contributions")]
    TooMany,
    #[error("the sum is too large")]
    Overflow,
}

impl MoneyError {
    pub fn message_key(&self) -> &'static str {
        match self {
            MoneyError::OutOfBounds { .. } => "agreement.money.out_of_bounds",
            MoneyError::UnknownParty { .. } => "agreement.money.unknown_party",
            MoneyError::TooMany => "agreement.money.too_many",
            MoneyError::Overflow => "agreement.money.overflow",
        }
    }
}

fn bounded(value: i64, max: i64, index: usize, field: &'static str) -> Result<i64, MoneyError> {
    if (0..=max).contains(&value) { Ok(value) } else { Err(MoneyError::OutOfBounds { index, field }) }
}

impl Contribution {
    /// Its value in kronor, once its numbers are within bounds (`index` names it in the error).
    pub fn value(&self, index: usize) -> Result<Sek, MoneyError> {
        let value = match self.kind {
            ContributionKind::Cash { amount } => bounded(amount, MAX_AMOUNT, index, "amount")?,
            ContributionKind::Hours { hours, rate } => {
                let hours = bounded(hours, MAX_HOURS, index, "hours")?;
                let rate = bounded(rate, MAX_RATE, index, "rate")?;
                hours.checked_mul(rate).ok_or(MoneyError::Overflow)?
            }
            ContributionKind::Equipment { value } | ContributionKind::SamplesOrData { value } => {
                bounded(value, MAX_AMOUNT, index, "value")?
            }
        };
        if !dates::YEARS.contains(&self.year) {
            return Err(MoneyError::OutOfBounds { index, field: "year" });
        }
        if !text_fits(&self.description, MAX_DESCRIPTION, false) {
            return Err(MoneyError::OutOfBounds { index, field: "description" });
        }
        Ok(Sek(value))
    }

    pub fn is_cash(&self) -> bool {
        matches!(self.kind, ContributionKind::Cash { .. })
    }
}

/// A party as the money rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    pub organisation: OrganisationId,
    pub kind: PartyKind,
    /// A company's size under the EU definition (which sets its aid bonus).
    pub size: Option<CompanySize>,
}

/// One party's sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyTotals {
    pub party: OrganisationId,
    pub kind: PartyKind,
    pub cash: Sek,
    pub in_kind: Sek,
    pub total: Sek,
    /// Of its total, what public grants pay (the aid, for a company).
    pub public_grants: Sek,
    /// Its share of the whole, in basis points; the shares sum to exactly [`WHOLE_BP`].
    pub share_bp: u32,
}

/// A fraction of two sums, kept exact; shown as a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub numerator: Sek,
    pub denominator: Sek,
}

impl Ratio {
    /// In basis points, rounded half up; `None` for a zero denominator.
    pub fn basis_points(self) -> Option<i64> {
        let (n, d) = (i128::from(self.numerator.0), i128::from(self.denominator.0));
        if d == 0 {
            return None;
        }
        i64::try_from((n * 10_000 * 2 + d) / (d * 2)).ok()
    }
}

/// What the contributions add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub parties: Vec<PartyTotals>,
    pub years: BTreeMap<i32, Sek>,
    pub total: Sek,
    /// The companies' own cash and in kind: industry's co-funding.
    pub industry: Sek,
    /// Grants from Vinnova, the EU and regions, to any party.
    pub public_grants: Sek,
    /// The research organisations' own contributions: public money, kept apart from
    /// industry's.
    pub public_cofinancing: Sek,
    /// Funded from other sources.
    pub other: Sek,
    /// Industry's co-funding ÷ public funding (grants and public co-financing); `None`
    /// with no public funding.
    pub industry_ratio: Option<Ratio>,
}

impl Summary {
    pub fn party(&self, organisation: OrganisationId) -> Option<&PartyTotals> {
        self.parties.iter().find(|p| p.party == organisation)
    }

    /// The share of the whole borne by parties of these kinds, in basis points.
    fn share_of(&self, pick: impl Fn(PartyKind) -> bool) -> u32 {
        self.parties.iter().filter(|p| pick(p.kind)).map(|p| p.share_bp).sum()
    }
}

/// Adds the contributions up per party (in the parties' order) and year.
pub fn summarise(
    contributors: &[Contributor],
    contributions: &[Contribution],
) -> Result<Summary, MoneyError> {
    if contributions.len() > MAX_CONTRIBUTIONS {
        return Err(MoneyError::TooMany);
    }
    let mut parties: Vec<PartyTotals> = contributors
        .iter()
        .map(|c| PartyTotals {
            party: c.organisation,
            kind: c.kind,
            cash: Sek::ZERO,
            in_kind: Sek::ZERO,
            total: Sek::ZERO,
            public_grants: Sek::ZERO,
            share_bp: 0,
        })
        .collect();
    let mut years = BTreeMap::new();
    let (mut industry, mut public_grants, mut public_cofinancing, mut other) =
        (Sek::ZERO, Sek::ZERO, Sek::ZERO, Sek::ZERO);
    for (index, contribution) in contributions.iter().enumerate() {
        let value = contribution.value(index)?;
        let party = parties
            .iter_mut()
            .find(|p| p.party == contribution.party)
            .ok_or(MoneyError::UnknownParty { index })?;
        if contribution.is_cash() {
            party.cash = party.cash.checked_add(value)?;
        } else {
            party.in_kind = party.in_kind.checked_add(value)?;
        }
        party.total = party.total.checked_add(value)?;
        let year = years.entry(contribution.year).or_insert(Sek::ZERO);
        *year = year.checked_add(value)?;
        let bucket = match contribution.source {
            source if source.is_public_grant() => {
                party.public_grants = party.public_grants.checked_add(value)?;
                &mut public_grants
            }
            FundingSource::Own if party.kind.is_industry() => &mut industry,
            FundingSource::Own => &mut public_cofinancing,
            _ => &mut other,
        };
        *bucket = bucket.checked_add(value)?;
    }
    let total = parties.iter().try_fold(Sek::ZERO, |sum, p| sum.checked_add(p.total))?;
    let shares = shares_bp(&parties.iter().map(|p| p.total).collect::<Vec<_>>());
    for (party, share) in parties.iter_mut().zip(shares) {
        party.share_bp = share;
    }
    let public = public_grants.checked_add(public_cofinancing)?;
    let industry_ratio = (public.0 > 0).then_some(Ratio { numerator: industry, denominator: public });
    Ok(Summary { parties, years, total, industry, public_grants, public_cofinancing, other, industry_ratio })
}

/// Each part's share of the sum in basis points, by the largest remainder: the shares
/// always sum to exactly [`WHOLE_BP`] (or are all zero when the sum is zero).
pub fn shares_bp(parts: &[Sek]) -> Vec<u32> {
    let whole = i128::from(WHOLE_BP);
    let sum: i128 = parts.iter().map(|p| i128::from(p.0.max(0))).sum();
    if sum == 0 {
        return vec![0; parts.len()];
    }
    let exact: Vec<(i128, i128)> = parts
        .iter()
        .map(|p| {
            let scaled = i128::from(p.0.max(0)) * whole;
            (scaled / sum, scaled % sum)
        })
        .collect();
    let mut shares: Vec<u32> = exact.iter().map(|(q, _)| u32::try_from(*q).unwrap_or(0)).collect();
    let given: i128 = exact.iter().map(|(q, _)| q).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1).then(a.cmp(b)));
    for index in order.into_iter().take(usize::try_from(whole - given).unwrap_or(0)) {
        shares[index] += 1;
    }
    shares
}

code_list!(
    /// The research category of the project's work, which sets the base aid intensity.
    #[derive(Default)]
    ResearchCategory {
        #[default]
        IndustrialResearch = "industrial_research",
        ExperimentalDevelopment = "experimental_development",
    }
);

/// The bonus for effective collaboration, in percentage points.
pub const COLLABORATION_BONUS_PP: u32 = 15;
/// No aid intensity goes above this, in per cent.
pub const CEILING_PP: u32 = 80;
/// Effective collaboration between companies: none bears more than this share.
pub const LARGEST_COMPANY_SHARE_BP: u32 = 7_000;
/// Effective collaboration with research organisations: they bear at least this share.
pub const RESEARCH_SHARE_BP: u32 = 1_000;

impl ResearchCategory {
    /// The base aid intensity, in per cent.
    pub fn base_pp(self) -> u32 {
        match self {
            ResearchCategory::IndustrialResearch => 50,
            ResearchCategory::ExperimentalDevelopment => 25,
        }
    }
}

/// The bonus a company's size gives, in percentage points (a micro enterprise is small).
pub fn size_bonus_pp(size: CompanySize) -> u32 {
    match size {
        CompanySize::Micro | CompanySize::Small => 20,
        CompanySize::Medium => 10,
        CompanySize::Large => 0,
    }
}

/// The highest aid intensity allowed, in per cent.
pub fn aid_cap_pp(category: ResearchCategory, size: CompanySize, effective_collaboration: bool) -> u32 {
    let bonus = if effective_collaboration { COLLABORATION_BONUS_PP } else { 0 };
    (category.base_pp() + size_bonus_pp(size) + bonus).min(CEILING_PP)
}

/// What the state-aid checks need besides the money: from the agreement and its model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AidTerms {
    pub category: ResearchCategory,
    /// The model lets the research organisations publish their own results.
    pub research_may_publish: bool,
    /// The IP rule gives the company every result.
    pub company_takes_all: bool,
    /// The research organisations are paid the market price for their work.
    pub market_price_paid: bool,
}

/// Whether the project's collaboration is "effective" (Art. 25(6)(b)), and the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaboration {
    pub companies: usize,
    pub smes: usize,
    /// The largest share of the eligible costs one company bears, in basis points.
    pub largest_company_share_bp: u32,
    /// The research organisations' share of the eligible costs, in basis points.
    pub research_share_bp: u32,
    pub research_may_publish: bool,
}

impl Collaboration {
    /// Between companies, at least one an SME, none bearing more than 70 %.
    pub fn between_companies(&self) -> bool {
        self.companies >= 2 && self.smes >= 1 && self.largest_company_share_bp <= LARGEST_COMPANY_SHARE_BP
    }

    /// With research organisations bearing at least 10 % and free to publish.
    pub fn with_research(&self) -> bool {
        self.companies >= 1 && self.research_share_bp >= RESEARCH_SHARE_BP && self.research_may_publish
    }

    pub fn effective(&self) -> bool {
        self.between_companies() || self.with_research()
    }
}

fn is_sme(size: Option<CompanySize>) -> bool {
    matches!(size, Some(CompanySize::Micro | CompanySize::Small | CompanySize::Medium))
}

/// The collaboration the contributions describe.
pub fn collaboration(
    contributors: &[Contributor],
    summary: &Summary,
    research_may_publish: bool,
) -> Collaboration {
    let companies: Vec<&Contributor> = contributors.iter().filter(|c| c.kind.is_industry()).collect();
    let largest_company_share_bp =
        companies.iter().filter_map(|c| summary.party(c.organisation)).map(|p| p.share_bp).max().unwrap_or(0);
    Collaboration {
        companies: companies.len(),
        smes: companies.iter().filter(|c| is_sme(c.size)).count(),
        largest_company_share_bp,
        research_share_bp: summary.share_of(PartyKind::is_research_organisation),
        research_may_publish,
    }
}

/// A state-aid rule the contributions seem to break, with the numbers that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "warning")]
pub enum StateAidWarning {
    /// The company's size is not known: the checks take it as a large enterprise.
    SizeUnknown { party: OrganisationId },
    /// Public grants pay more of the company's costs than the regulation allows.
    IntensityAboveCap {
        party: OrganisationId,
        size: CompanySize,
        category: ResearchCategory,
        eligible_costs: Sek,
        aid: Sek,
        intensity_bp: i64,
        cap_pp: u32,
        base_pp: u32,
        size_bonus_pp: u32,
        collaboration_bonus_pp: u32,
    },
    /// A company's aid needs the collaboration bonus, but the collaboration is not
    /// effective: neither among companies (several, one an SME, none above 70 %) nor with
    /// research organisations (at least 10 % and free to publish).
    NotEffectiveCollaboration(Collaboration),
    /// The company takes every result while research organisations bear costs and are not
    /// paid the market price: the IP is not allocated in line with the contributions.
    IpNotInLineWithContributions { company_share_bp: u32, research_share_bp: u32 },
}

impl StateAidWarning {
    pub fn message_key(&self) -> &'static str {
        match self {
            StateAidWarning::SizeUnknown { .. } => "agreement.aid.size_unknown",
            StateAidWarning::IntensityAboveCap { .. } => "agreement.aid.intensity_above_cap",
            StateAidWarning::NotEffectiveCollaboration(_) => "agreement.aid.not_effective_collaboration",
            StateAidWarning::IpNotInLineWithContributions { .. } => "agreement.aid.ip_not_in_line",
        }
    }
}

/// The state-aid checks of Art. 25 and the R&D&I framework, as warnings.
pub fn state_aid_warnings(
    contributors: &[Contributor],
    summary: &Summary,
    terms: &AidTerms,
) -> Vec<StateAidWarning> {
    let collaboration = collaboration(contributors, summary, terms.research_may_publish);
    let effective = collaboration.effective();
    let mut warnings = Vec::new();
    let mut needs_bonus = false;
    for company in contributors.iter().filter(|c| c.kind.is_industry()) {
        let Some(totals) = summary.party(company.organisation) else { continue };
        if company.size.is_none() {
            warnings.push(StateAidWarning::SizeUnknown { party: company.organisation });
        }
        let size = company.size.unwrap_or(CompanySize::Large);
        let (aid, eligible) = (i128::from(totals.public_grants.0), i128::from(totals.total.0));
        let above = |cap_pp: u32| aid * 100 > i128::from(cap_pp) * eligible;
        needs_bonus |= above(aid_cap_pp(terms.category, size, false));
        let cap_pp = aid_cap_pp(terms.category, size, effective);
        if above(cap_pp) {
            warnings.push(StateAidWarning::IntensityAboveCap {
                party: company.organisation,
                size,
                category: terms.category,
                eligible_costs: totals.total,
                aid: totals.public_grants,
                intensity_bp: Ratio { numerator: totals.public_grants, denominator: totals.total }
                    .basis_points()
                    .unwrap_or(0),
                cap_pp,
                base_pp: terms.category.base_pp(),
                size_bonus_pp: size_bonus_pp(size),
                collaboration_bonus_pp: if effective { COLLABORATION_BONUS_PP } else { 0 },
            });
        }
    }
    if needs_bonus && !effective {
        warnings.push(StateAidWarning::NotEffectiveCollaboration(collaboration));
    }
    let research_bears_costs =
        summary.parties.iter().any(|p| p.kind.is_research_organisation() && p.total.0 > 0);
    if terms.company_takes_all && research_bears_costs && !terms.market_price_paid {
        warnings.push(StateAidWarning::IpNotInLineWithContributions {
            company_share_bp: summary.share_of(PartyKind::is_industry),
            research_share_bp: collaboration.research_share_bp,
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const UNI: OrganisationId = OrganisationId(1);
    const SME: OrganisationId = OrganisationId(2);
    const PHARMA: OrganisationId = OrganisationId(3);

    fn contributors() -> Vec<Contributor> {
        vec![
            Contributor { organisation: UNI, kind: PartyKind::University, size: None },
            Contributor { organisation: SME, kind: PartyKind::Sme, size: Some(CompanySize::Small) },
            Contributor { organisation: PHARMA, kind: PartyKind::Pharma, size: Some(CompanySize::Large) },
        ]
    }

    fn cash(party: OrganisationId, amount: i64, source: FundingSource) -> Contribution {
        Contribution {
            party,
            year: 2026,
            kind: ContributionKind::Cash { amount },
            source,
            description: String::new(),
        }
    }

    fn hours(party: OrganisationId, hours: i64, rate: i64, source: FundingSource) -> Contribution {
        Contribution {
            party,
            year: 2027,
            kind: ContributionKind::Hours { hours, rate },
            source,
            description: String::new(),
        }
    }

    fn aid(category: ResearchCategory, publish: bool) -> AidTerms {
        AidTerms {
            category,
            research_may_publish: publish,
            company_takes_all: false,
            market_price_paid: false,
        }
    }

    #[test]
    fn totals_shares_and_the_industry_ratio() {
        use FundingSource::*;
        let contributions = [
            cash(UNI, 1_000_000, Vinnova),
            hours(UNI, 1_000, 800, Own),
            cash(SME, 200_000, Own),
            hours(SME, 500, 1_200, Own),
            cash(SME, 400_000, Vinnova),
            cash(PHARMA, 1_000_000, Own),
        ];
        let summary = summarise(&contributors(), &contributions).unwrap();
        assert_eq!(summary.total, Sek(4_000_000));
        assert_eq!(summary.party(UNI).unwrap().in_kind, Sek(800_000));
        assert_eq!(summary.party(SME).unwrap().total, Sek(1_200_000));
        assert_eq!(summary.industry, Sek(1_800_000));
        assert_eq!((summary.public_grants, summary.public_cofinancing), (Sek(1_400_000), Sek(800_000)));
        assert_eq!(summary.industry_ratio.and_then(Ratio::basis_points), Some(8_182), "1.8 ÷ 2.2 MSEK");
        assert_eq!(summary.years[&2027], Sek(1_400_000));
        let shares: Vec<u32> = summary.parties.iter().map(|p| p.share_bp).collect();
        assert_eq!(shares, [4_500, 3_000, 2_500]);
        assert_eq!(shares_bp(&[Sek(1), Sek(1), Sek(1)]), [3_334, 3_333, 3_333], "the largest remainder");
        assert_eq!(shares_bp(&[Sek(0), Sek(0)]), [0, 0]);
    }

    #[test]
    fn bad_numbers_are_errors_not_panics() {
        let mut too_big = cash(UNI, MAX_AMOUNT + 1, FundingSource::Own);
        assert_eq!(
            summarise(&contributors(), &[too_big.clone()]),
            Err(MoneyError::OutOfBounds { index: 0, field: "amount" })
        );
        too_big.kind = ContributionKind::Hours { hours: 10, rate: -1 };
        assert_eq!(
            summarise(&contributors(), &[too_big.clone()]),
            Err(MoneyError::OutOfBounds { index: 0, field: "rate" })
        );
        let stranger = cash(OrganisationId(99), 1, FundingSource::Own);
        assert_eq!(summarise(&contributors(), &[stranger]), Err(MoneyError::UnknownParty { index: 0 }));
        let mut old = cash(UNI, 1, FundingSource::Own);
        old.year = 1800;
        assert_eq!(
            summarise(&contributors(), &[old]),
            Err(MoneyError::OutOfBounds { index: 0, field: "year" })
        );
        let summary = summarise(&contributors(), &[]).unwrap();
        assert_eq!((summary.total, summary.industry_ratio), (Sek::ZERO, None));
    }

    #[test]
    fn the_aid_caps_of_article_25() {
        use CompanySize::*;
        use ResearchCategory::*;
        let table = [
            (IndustrialResearch, Large, false, 50),
            (IndustrialResearch, Medium, false, 60),
            (IndustrialResearch, Small, false, 70),
            (IndustrialResearch, Micro, false, 70),
            (ExperimentalDevelopment, Large, false, 25),
            (ExperimentalDevelopment, Medium, false, 35),
            (ExperimentalDevelopment, Small, false, 45),
            (IndustrialResearch, Large, true, 65),
            (IndustrialResearch, Medium, true, 75),
            (IndustrialResearch, Small, true, 80),
            (ExperimentalDevelopment, Large, true, 40),
            (ExperimentalDevelopment, Small, true, 60),
        ];
        for (category, size, effective, cap) in table {
            assert_eq!(aid_cap_pp(category, size, effective), cap, "{category:?} {size:?} {effective}");
        }
    }

    #[test]
    fn a_large_company_above_its_cap_without_effective_collaboration() {
        use FundingSource::*;
        // Pharma alone with a university that bears 5 %: 60 % aid > 50 %.
        let contributions =
            [cash(PHARMA, 400_000, Own), cash(PHARMA, 600_000, Vinnova), cash(UNI, 50_000, Own)];
        let people = [contributors()[0], contributors()[2]];
        let summary = summarise(&people, &contributions).unwrap();
        let warnings =
            state_aid_warnings(&people, &summary, &aid(ResearchCategory::IndustrialResearch, true));
        let StateAidWarning::IntensityAboveCap { intensity_bp, cap_pp, collaboration_bonus_pp, .. } =
            warnings[0]
        else {
            panic!("{warnings:?}")
        };
        assert_eq!((intensity_bp, cap_pp, collaboration_bonus_pp), (6_000, 50, 0));
        let StateAidWarning::NotEffectiveCollaboration(collaboration) = warnings[1] else {
            panic!("{warnings:?}")
        };
        assert_eq!(collaboration.research_share_bp, 476);
        assert_eq!(warnings.len(), 2);
        let json = serde_json::to_string(&warnings).unwrap();
        assert!(json.contains(r#""warning":"not_effective_collaboration""#), "{json}");
        assert_eq!(serde_json::from_str::<Vec<StateAidWarning>>(&json).unwrap(), warnings);
    }

    #[test]
    fn research_bearing_ten_per_cent_and_publishing_earns_the_bonus() {
        use FundingSource::*;
        let people = [contributors()[0], contributors()[2]];
        let contributions =
            [cash(PHARMA, 400_000, Own), cash(PHARMA, 600_000, Vinnova), cash(UNI, 120_000, Own)];
        let summary = summarise(&people, &contributions).unwrap();
        let publishing = aid(ResearchCategory::IndustrialResearch, true);
        assert!(state_aid_warnings(&people, &summary, &publishing).is_empty(), "60 % ≤ 50 + 15");
        let secret = aid(ResearchCategory::IndustrialResearch, false);
        assert_eq!(state_aid_warnings(&people, &summary, &secret).len(), 2, "no right to publish, no bonus");
    }

    #[test]
    fn collaboration_between_companies_needs_an_sme_and_nobody_above_seventy_per_cent() {
        let people = &contributors()[1..];
        let split = |sme: i64, pharma: i64| {
            let contributions =
                [cash(SME, sme, FundingSource::Own), cash(PHARMA, pharma, FundingSource::Own)];
            collaboration(people, &summarise(people, &contributions).unwrap(), false)
        };
        assert!(split(300_000, 700_000).between_companies());
        assert!(!split(290_000, 710_000).between_companies());
        let mut large_only = people.to_vec();
        large_only[0].size = Some(CompanySize::Large);
        let contributions = [cash(SME, 500, FundingSource::Own), cash(PHARMA, 500, FundingSource::Own)];
        let summary = summarise(&large_only, &contributions).unwrap();
        assert!(!collaboration(&large_only, &summary, true).effective(), "no SME among them");
    }

    #[test]
    fn the_ceiling_holds_and_unknown_sizes_count_as_large() {
        use FundingSource::*;
        let mut people = contributors();
        let contributions = [
            cash(SME, 150_000, Own),
            cash(SME, 850_000, Vinnova),
            cash(UNI, 500_000, Own),
            cash(PHARMA, 500_000, Own),
        ];
        let summary = summarise(&people, &contributions).unwrap();
        let terms = aid(ResearchCategory::IndustrialResearch, true);
        let warnings = state_aid_warnings(&people, &summary, &terms);
        assert!(
            matches!(
                warnings[..],
                [StateAidWarning::IntensityAboveCap { cap_pp: 80, intensity_bp: 8_500, .. }]
            ),
            "{warnings:?}"
        );
        people[1].size = None;
        let warnings = state_aid_warnings(&people, &summary, &terms);
        assert_eq!(warnings[0], StateAidWarning::SizeUnknown { party: SME });
        assert!(matches!(
            warnings[1],
            StateAidWarning::IntensityAboveCap { size: CompanySize::Large, cap_pp: 65, .. }
        ));
    }

    #[test]
    fn a_company_taking_every_result_must_pay_the_research_side() {
        let people = [contributors()[0], contributors()[2]];
        let contributions =
            [cash(PHARMA, 900_000, FundingSource::Own), cash(UNI, 100_000, FundingSource::Own)];
        let summary = summarise(&people, &contributions).unwrap();
        let mut terms = aid(ResearchCategory::ExperimentalDevelopment, true);
        terms.company_takes_all = true;
        assert_eq!(
            state_aid_warnings(&people, &summary, &terms),
            [StateAidWarning::IpNotInLineWithContributions {
                company_share_bp: 9_000,
                research_share_bp: 1_000
            }]
        );
        terms.market_price_paid = true;
        assert!(state_aid_warnings(&people, &summary, &terms).is_empty());
    }

    fn any_contribution() -> impl Strategy<Value = Contribution> {
        let party = (0i64..5).prop_map(OrganisationId);
        let kind = prop_oneof![
            any::<i64>().prop_map(|amount| ContributionKind::Cash { amount }),
            (0..MAX_AMOUNT).prop_map(|amount| ContributionKind::Cash { amount }),
            (any::<i64>(), any::<i64>()).prop_map(|(hours, rate)| ContributionKind::Hours { hours, rate }),
            (0..=MAX_HOURS, 0..=MAX_RATE).prop_map(|(hours, rate)| ContributionKind::Hours { hours, rate }),
            any::<i64>().prop_map(|value| ContributionKind::SamplesOrData { value }),
        ];
        let source = proptest::sample::select(FundingSource::ALL);
        let year = prop_oneof![Just(2026), any::<i32>()];
        (party, year, kind, source).prop_map(|(party, year, kind, source)| Contribution {
            party,
            year,
            kind,
            source,
            description: String::new(),
        })
    }

    proptest! {
        #[test]
        fn shares_make_a_whole_and_nothing_panics(
            contributions in proptest::collection::vec(any_contribution(), 0..40),
            sizes in proptest::collection::vec(proptest::option::of(proptest::sample::select(CompanySize::ALL)), 4),
            category in proptest::sample::select(ResearchCategory::ALL),
            flags in any::<(bool, bool, bool)>(),
        ) {
            let kinds = [PartyKind::University, PartyKind::Sme, PartyKind::Pharma, PartyKind::UniversityHospitalRegion];
            let people: Vec<Contributor> = kinds
                .iter()
                .zip(&sizes)
                .enumerate()
                .map(|(i, (kind, size))| Contributor { organisation: OrganisationId(i as i64), kind: *kind, size: *size })
                .collect();
            if let Ok(summary) = summarise(&people, &contributions) {
                let shares: u32 = summary.parties.iter().map(|p| p.share_bp).sum();
                prop_assert_eq!(shares, if summary.total.0 == 0 { 0 } else { WHOLE_BP });
                for party in &summary.parties {
                    let exact = i128::from(party.total.0) * 10_000;
                    let share = i128::from(party.share_bp) * i128::from(summary.total.0);
                    prop_assert!((exact - share).abs() <= i128::from(summary.total.0), "within one basis point");
                }
                let sum = summary.industry.0 + summary.public_grants.0 + summary.public_cofinancing.0 + summary.other.0;
                prop_assert_eq!(sum, summary.total.0);
                let (research_may_publish, company_takes_all, market_price_paid) = flags;
                let terms = AidTerms { category, research_may_publish, company_takes_all, market_price_paid };
                let _ = state_aid_warnings(&people, &summary, &terms);
            }
        }
    }
}
