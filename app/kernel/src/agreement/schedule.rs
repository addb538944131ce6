//! Follow-up while an agreement runs: milestones and deliverables (due date, responsible
//! party, acceptance criterion, status, evidence) and obligations on a schedule (progress
//! reports, publication notices, exploitation reports). [`due_reminders`] says which
//! reminders are due on a day; the mail outbox sends each once (by [`Reminder::key`]), so
//! a day the job did not run loses nothing. Deliverables are kept apart from payments, as
//! Hypha learned.

use crate::codes::code_list;
use crate::dates;
use crate::ids::{OrganisationId, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days before the due date the first reminder goes out.
pub const REMIND_DAYS_BEFORE: i64 = 14;
/// The longest interval of a recurring obligation, in months.
pub const MAX_EVERY_MONTHS: u8 = 24;
/// The most occurrences one obligation may have.
pub const MAX_OCCURRENCES: usize = 240;

code_list!(
    MilestoneKind {
        Milestone = "milestone",
        Deliverable = "deliverable",
    }
);

code_list!(
    /// Where a milestone stands. Delivered waits for acceptance; rejected goes back to work.
    MilestoneStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Delivered = "delivered",
        Accepted = "accepted",
        Rejected = "rejected",
        Waived = "waived",
    }
);

impl MilestoneStatus {
    /// Still to be delivered: reminded of, and overdue after its date.
    pub fn open(self) -> bool {
        matches!(self, MilestoneStatus::Planned | MilestoneStatus::InProgress | MilestoneStatus::Rejected)
    }

    /// Nothing more to do: what closing the agreement needs of every milestone.
    pub fn settled(self) -> bool {
        matches!(self, MilestoneStatus::Accepted | MilestoneStatus::Waived)
    }
}

/// A milestone or deliverable as the agreement sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    /// Short and unique in the agreement ("M1", "D2.1"): progress is kept by it.
    pub code: String,
    pub title: String,
    pub kind: MilestoneKind,
    pub due: NaiveDate,
    pub responsible: OrganisationId,
    pub acceptance: String,
}

code_list!(
    ObligationKind {
        ProgressReport = "progress_report",
        FinancialReport = "financial_report",
        PublicationNotice = "publication_notice",
        ExploitationReport = "exploitation_report",
        AuditorCertificate = "auditor_certificate",
    }
);

/// Something a party must do on a schedule: once, or every few months until a date (by
/// default the agreement's end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    pub code: String,
    pub kind: ObligationKind,
    pub responsible: OrganisationId,
    pub first_due: NaiveDate,
    /// 0: once.
    pub every_months: u8,
    pub until: Option<NaiveDate>,
}

impl Obligation {
    /// Its due dates, bounded, ending at `until` or else at the agreement's `end`.
    pub fn occurrences(&self, end: Option<NaiveDate>) -> Vec<NaiveDate> {
        let last = self.until.or(end).unwrap_or(self.first_due);
        let mut dates = vec![self.first_due];
        if self.every_months == 0 || self.every_months > MAX_EVERY_MONTHS {
            return dates;
        }
        let mut n = 1u32;
        while dates.len() < MAX_OCCURRENCES {
            let months = n.saturating_mul(u32::from(self.every_months));
            match dates::add_months(self.first_due, months) {
                Some(next) if next <= last && dates::sane(next) => dates.push(next),
                _ => break,
            }
            n += 1;
        }
        dates
    }
}

/// A milestone's latest status, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub status: MilestoneStatus,
    /// A link to what shows it (a report, a dataset, a demo).
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub by: PersonId,
    pub at: DateTime<Utc>,
}

/// An obligation's occurrence done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fulfilment {
    pub evidence: Option<String>,
    pub by: PersonId,
    pub at: DateTime<Utc>,
}

/// What has happened to the schedule: kept by code, so an amendment that keeps a
/// milestone keeps its progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    pub milestones: BTreeMap<String, Progress>,
    pub obligations: BTreeMap<String, BTreeMap<NaiveDate, Fulfilment>>,
}

impl Tracking {
    pub fn status(&self, code: &str) -> MilestoneStatus {
        self.milestones.get(code).map(|p| p.status).unwrap_or(MilestoneStatus::Planned)
    }

    pub fn met(&self, code: &str, due: NaiveDate) -> bool {
        self.obligations.get(code).is_some_and(|done| done.contains_key(&due))
    }
}

code_list!(
    /// Which reminder a day calls for.
    ReminderKind {
        TwoWeeksBefore = "two_weeks_before",
        OnTheDay = "on_the_day",
        Overdue = "overdue",
    }
);

/// What a reminder is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "item")]
pub enum ScheduleItem {
    Milestone { code: String },
    Obligation { code: String, kind: ObligationKind },
}

/// A reminder due on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub item: ScheduleItem,
    pub due: NaiveDate,
    pub responsible: OrganisationId,
    pub kind: ReminderKind,
    /// Days from today to the due date: negative when overdue.
    pub days_left: i64,
}

impl Reminder {
    /// The same reminder on another day has the same key: the outbox sends it once.
    pub fn key(&self) -> String {
        let item = match &self.item {
            ScheduleItem::Milestone { code } => format!("milestone:{code}"),
            ScheduleItem::Obligation { code, .. } => format!("obligation:{code}"),
        };
        format!("{item}:{}:{}", self.due, self.kind.code())
    }

    pub fn overdue(&self) -> bool {
        self.kind == ReminderKind::Overdue
    }
}

fn reminder_for(due: NaiveDate, today: NaiveDate) -> Option<(ReminderKind, i64)> {
    let days_left = (due - today).num_days();
    let kind = match days_left {
        0 => ReminderKind::OnTheDay,
        d if d < 0 => ReminderKind::Overdue,
        d if d <= REMIND_DAYS_BEFORE => ReminderKind::TwoWeeksBefore,
        _ => return None,
    };
    Some((kind, days_left))
}

/// The earliest open item of the schedule (a milestone not settled, an obligation's
/// occurrence not met), with what it is: what lists sort by, overdue first.
pub fn next_due(
    milestones: &[Milestone],
    obligations: &[Obligation],
    end: Option<NaiveDate>,
    tracking: &Tracking,
) -> Option<(NaiveDate, ScheduleItem)> {
    let open_milestones = milestones
        .iter()
        .filter(|m| tracking.status(&m.code).open())
        .map(|m| (m.due, ScheduleItem::Milestone { code: m.code.clone() }));
    let open_obligations = obligations.iter().filter_map(|o| {
        let due = o.occurrences(end).into_iter().find(|due| !tracking.met(&o.code, *due))?;
        Some((due, ScheduleItem::Obligation { code: o.code.clone(), kind: o.kind }))
    });
    open_milestones.chain(open_obligations).min_by(|a, b| a.0.cmp(&b.0))
}

/// The reminders due today: from two weeks before an open milestone or unmet obligation,
/// on its day, and once it is overdue. Sorted overdue first, then by due date.
pub fn due_reminders(
    milestones: &[Milestone],
    obligations: &[Obligation],
    end: Option<NaiveDate>,
    tracking: &Tracking,
    today: NaiveDate,
) -> Vec<Reminder> {
    let mut reminders = Vec::new();
    for milestone in milestones.iter().filter(|m| tracking.status(&m.code).open()) {
        if let Some((kind, days_left)) = reminder_for(milestone.due, today) {
            reminders.push(Reminder {
                item: ScheduleItem::Milestone { code: milestone.code.clone() },
                due: milestone.due,
                responsible: milestone.responsible,
                kind,
                days_left,
            });
        }
    }
    for obligation in obligations {
        for due in obligation.occurrences(end) {
            if tracking.met(&obligation.code, due) {
                continue;
            }
            if let Some((kind, days_left)) = reminder_for(due, today) {
                reminders.push(Reminder {
                    item: ScheduleItem::Obligation { code: obligation.code.clone(), kind: obligation.kind },
                    due,
                    responsible: obligation.responsible,
                    kind,
                    days_left,
                });
            }
        }
    }
    reminders.sort_by_key(|r| (!r.overdue(), r.due));
    reminders
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        dates::parse(text).unwrap()
    }

    fn milestone(code: &str, due: &str) -> Milestone {
        Milestone {
            code: code.into(),
            title: "Pilot".into(),
            kind: MilestoneKind::Deliverable,
            due: day(due),
            responsible: OrganisationId(1),
            acceptance: "Report approved".into(),
        }
    }

    #[test]
    fn the_next_due_item_is_the_earliest_still_open() {
        let milestones = [milestone("M1", "2026-06-15"), milestone("M2", "2026-09-01")];
        let report = Obligation {
            code: "R".into(),
            kind: ObligationKind::ProgressReport,
            responsible: OrganisationId(1),
            first_due: day("2026-03-31"),
            every_months: 6,
            until: None,
        };
        let obligations = [report];
        let end = Some(day("2027-12-31"));
        let mut tracking = Tracking::default();
        let next = |tracking: &Tracking| next_due(&milestones, &obligations, end, tracking);
        let obligation = ScheduleItem::Obligation { code: "R".into(), kind: ObligationKind::ProgressReport };
        assert_eq!(next(&tracking), Some((day("2026-03-31"), obligation.clone())));
        let done = Fulfilment { evidence: None, by: PersonId(1), at: DateTime::default() };
        tracking.obligations.entry("R".into()).or_default().insert(day("2026-03-31"), done);
        assert_eq!(next(&tracking), Some((day("2026-06-15"), ScheduleItem::Milestone { code: "M1".into() })));
        let accepted = Progress {
            status: MilestoneStatus::Accepted,
            evidence: None,
            note: None,
            by: PersonId(1),
            at: DateTime::default(),
        };
        tracking.milestones.insert("M1".into(), accepted);
        assert_eq!(next(&tracking), Some((day("2026-09-01"), ScheduleItem::Milestone { code: "M2".into() })));
        // The report's second occurrence (30 September) comes after M2.
        assert_eq!(next_due(&[], &obligations, end, &tracking).map(|n| n.0), Some(day("2026-09-30")));
    }

    #[test]
    fn two_weeks_before_on_the_day_and_overdue() {
        let milestones = [milestone("M1", "2026-06-15")];
        let mut tracking = Tracking::default();
        let on = |today: &str, tracking: &Tracking| {
            due_reminders(&milestones, &[], None, tracking, day(today))
                .into_iter()
                .map(|r| (r.kind, r.days_left))
                .collect::<Vec<_>>()
        };
        assert_eq!(on("2026-05-31", &tracking), []);
        assert_eq!(on("2026-06-01", &tracking), [(ReminderKind::TwoWeeksBefore, 14)]);
        assert_eq!(on("2026-06-15", &tracking), [(ReminderKind::OnTheDay, 0)]);
        assert_eq!(on("2026-06-20", &tracking), [(ReminderKind::Overdue, -5)]);
        tracking.milestones.insert(
            "M1".into(),
            Progress {
                status: MilestoneStatus::Delivered,
                evidence: None,
                note: None,
                by: PersonId(1),
                at: DateTime::<Utc>::default(),
            },
        );
        assert_eq!(on("2026-06-20", &tracking), [], "delivered is no longer reminded");
    }

    #[test]
    fn a_recurring_obligation_reminds_of_each_unmet_occurrence() {
        let report = Obligation {
            code: "R".into(),
            kind: ObligationKind::ProgressReport,
            responsible: OrganisationId(2),
            first_due: day("2026-03-31"),
            every_months: 6,
            until: None,
        };
        assert_eq!(
            report.occurrences(Some(day("2027-06-30"))),
            [day("2026-03-31"), day("2026-09-30"), day("2027-03-31")]
        );
        let mut tracking = Tracking::default();
        let reminders = due_reminders(
            &[],
            std::slice::from_ref(&report),
            Some(day("2027-06-30")),
            &tracking,
            day("2026-09-20"),
        );
        let keys: Vec<String> = reminders.iter().map(Reminder::key).collect();
        assert_eq!(keys, ["obligation:R:2026-03-31:overdue", "obligation:R:2026-09-30:two_weeks_before"]);
        let done = Fulfilment { evidence: None, by: PersonId(1), at: DateTime::<Utc>::default() };
        tracking.obligations.entry("R".into()).or_default().insert(day("2026-03-31"), done);
        assert_eq!(
            due_reminders(&[], &[report], Some(day("2027-06-30")), &tracking, day("2026-09-20")).len(),
            1
        );
    }

    #[test]
    fn occurrences_stay_bounded() {
        let endless = Obligation {
            code: "X".into(),
            kind: ObligationKind::ExploitationReport,
            responsible: OrganisationId(1),
            first_due: day("1900-01-31"),
            every_months: 1,
            until: Some(day("2200-12-31")),
        };
        assert_eq!(endless.occurrences(None).len(), MAX_OCCURRENCES);
        let once = Obligation { every_months: 0, ..endless };
        assert_eq!(once.occurrences(None), [day("1900-01-31")]);
    }
}
