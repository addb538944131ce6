//! The hash chain over the audit trail. Pure: what a row's hash is, and where a sequence
//! of rows stops being a chain. Storage and the walk over the table live in `store`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub use super::model::EventFields as ChainedFields;

/// SHA-256 over the previous hash and the row's fields, as a JSON array so that field
/// boundaries are unambiguous.
pub fn row_hash(prev_hash: &str, fields: &ChainedFields) -> String {
    let canonical = serde_json::json!([
        prev_hash,
        fields.occurred_at,
        fields.actor_id,
        fields.subject_kind,
        fields.subject_id,
        fields.action,
        fields.from_state,
        fields.to_state,
        fields.reason,
        fields.summary,
        fields.request_id,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// A stored row as the verifier reads it.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub id: i64,
    pub fields: ChainedFields,
    pub prev_hash: Option<String>,
    pub row_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Break {
    /// The row has no hash: it was written around the portal.
    Unsealed,
    /// The row's content no longer matches its hash: it was edited.
    ContentChanged,
    /// The row does not point at the row before it: a row was removed, inserted or re-hashed.
    LinkBroken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    pub rows_checked: u64,
    pub first_break: Option<(i64, Break)>,
    /// Hash of the last good row: note it somewhere else to detect a re-hashed tail later.
    pub head: String,
}

/// Checks rows in id order, continuing from `state` (so a large table is walked in pages).
#[derive(Debug, Clone)]
pub struct Verifier {
    expected_prev: String,
    rows_checked: u64,
    first_break: Option<(i64, Break)>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier { expected_prev: GENESIS.to_owned(), rows_checked: 0, first_break: None }
    }
}

impl Verifier {
    /// Feeds the next row; after the first break the rest is ignored.
    pub fn check(&mut self, row: &StoredRow) {
        if self.first_break.is_some() {
            return;
        }
        let (Some(prev), Some(hash)) = (&row.prev_hash, &row.row_hash) else {
            self.first_break = Some((row.id, Break::Unsealed));
            return;
        };
        if *prev != self.expected_prev {
            self.first_break = Some((row.id, Break::LinkBroken));
            return;
        }
        if row_hash(prev, &row.fields) != *hash {
            self.first_break = Some((row.id, Break::ContentChanged));
            return;
        }
        self.rows_checked += 1;
        self.expected_prev = hash.clone();
    }

    pub fn is_broken(&self) -> bool {
        self.first_break.is_some()
    }

    pub fn report(self) -> ChainReport {
        ChainReport {
            rows_checked: self.rows_checked,
            first_break: self.first_break,
            head: self.expected_prev,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(action: &str) -> ChainedFields {
        ChainedFields {
            occurred_at: "2026-11-23T10:00:00Z".into(),
            actor_id: Some(1),
            subject_kind: "person".into(),
            subject_id: "1".into(),
            action: action.into(),
            from_state: None,
            to_state: Some("signed_in".into()),
            reason: None,
            summary: None,
            request_id: None,
        }
    }

    fn chain(actions: &[&str]) -> Vec<StoredRow> {
        let mut prev = GENESIS.to_owned();
        actions
            .iter()
            .enumerate()
            .map(|(i, action)| {
                let fields = fields(action);
                let hash = row_hash(&prev, &fields);
                let row = StoredRow {
                    id: i as i64 + 1,
                    fields,
                    prev_hash: Some(prev.clone()),
                    row_hash: Some(hash.clone()),
                };
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[StoredRow]) -> ChainReport {
        let mut verifier = Verifier::default();
        rows.iter().for_each(|r| verifier.check(r));
        verifier.report()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let report = verify(&chain(&["a", "b", "c"]));
        assert_eq!(report.rows_checked, 3);
        assert_eq!(report.first_break, None);
    }

    #[test]
    fn an_edited_row_is_named() {
        let mut rows = chain(&["a", "b", "c"]);
        rows[1].fields.reason = Some("edited by hand".into());
        assert_eq!(verify(&rows).first_break, Some((2, Break::ContentChanged)));
    }

    #[test]
    fn a_removed_row_breaks_the_link_of_the_next() {
        let mut rows = chain(&["a", "b", "c"]);
        rows.remove(1);
        assert_eq!(verify(&rows).first_break, Some((3, Break::LinkBroken)));
    }

    #[test]
    fn a_rehashed_row_breaks_the_link_of_the_next() {
        let mut rows = chain(&["a", "b", "c"]);
        rows[0].fields.action = "forged".into();
        rows[0].row_hash = Some(row_hash(GENESIS, &rows[0].fields));
        assert_eq!(verify(&rows).first_break, Some((2, Break::LinkBroken)));
    }

    #[test]
    fn field_boundaries_matter() {
        let mut one = fields("ab");
        one.subject_id = "c".into();
        let mut two = fields("a");
        two.subject_id = "bc".into();
        assert_ne!(row_hash(GENESIS, &one), row_hash(GENESIS, &two));
    }
}
