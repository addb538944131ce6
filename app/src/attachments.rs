//! Uploaded files of applications (the ethics decision) and proposals (the clinical
//! partner's letter): one way to check, keep and find them. A file reaches storage only
//! after every check has passed, and a transaction that fails takes its file away again,
//! so a refused upload leaves nothing behind.

use crate::audit::{NewEvent, record_in};
use crate::db::{self, Db};
use crate::storage::{FileStore, StorageError};
use kernel::PersonId;
use sqlx::AnyConnection;

/// Whose file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// An application's ethics decision.
    Application(i64),
    /// A proposal's clinical partner letter.
    Proposal(i64),
}

impl Owner {
    fn table(self) -> &'static str {
        match self {
            Owner::Application(_) => "attachments",
            Owner::Proposal(_) => "proposal_attachments",
        }
    }

    fn key_column(self) -> &'static str {
        match self {
            Owner::Application(_) => "application_id",
            Owner::Proposal(_) => "proposal_id",
        }
    }

    fn id(self) -> i64 {
        match self {
            Owner::Application(id) | Owner::Proposal(id) => id,
        }
    }

    fn subject(self) -> &'static str {
        match self {
            Owner::Application(_) => "application",
            Owner::Proposal(_) => "proposal",
        }
    }

    fn record_table(self) -> &'static str {
        match self {
            Owner::Application(_) => "applications",
            Owner::Proposal(_) => "proposals",
        }
    }

    /// The states whose form can still change, as SQL literals (the kernel's codes).
    fn editable_states(self) -> String {
        use kernel::access::ApplicationState;
        let codes: Vec<&str> = match self {
            Owner::Application(_) => vec![ApplicationState::Draft.code(), ApplicationState::Returned.code()],
            Owner::Proposal(_) => vec![kernel::proposal::ProposalState::Draft.code()],
        };
        codes.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
    }

    fn purpose(self) -> &'static str {
        match self {
            Owner::Application(_) => "ethics_decision",
            Owner::Proposal(_) => "clinical_letter",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// The file is not what the field asks for: the message key for the field.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// The record can no longer take files (submitted, decided, gone).
    #[error("the record cannot be changed now")]
    Closed,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
}

/// A PDF that passed the checks: the file name to keep and the bytes.
#[derive(Debug, Clone)]
pub struct CheckedPdf {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Checks an upload: not empty, within the size limit, and a PDF a PDF library can read
/// (its objects and pages parse; a page of HTML with a PDF header does not).
pub fn check_pdf(filename: &str, bytes: Vec<u8>, max_bytes: u64) -> Result<CheckedPdf, AttachError> {
    if bytes.is_empty() {
        return Err(AttachError::Refused("upload.empty"));
    }
    if bytes.len() as u64 > max_bytes {
        return Err(AttachError::Refused("upload.too_large"));
    }
    if !crate::storage::is_pdf(&bytes) {
        return Err(AttachError::Refused("upload.not_pdf"));
    }
    Ok(CheckedPdf { filename: crate::storage::clean_filename(filename), bytes })
}

/// A file written to storage that is removed again unless [`Staged::keep`] is called.
struct Staged<'a> {
    files: &'a FileStore,
    key: String,
    kept: bool,
}

impl Staged<'_> {
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.files.remove_now(&self.key);
        }
    }
}

/// Keeps a checked PDF for its owner, in one transaction, once the record's rules allowed
/// the person to change it (the caller asked them). The file is written only now and kept
/// only if the transaction commits. Answers the new attachment's id.
pub async fn attach(
    db: &Db,
    files: &FileStore,
    owner: Owner,
    person: PersonId,
    pdf: CheckedPdf,
) -> Result<i64, AttachError> {
    use sha2::{Digest, Sha256};
    let mut tx = db.write().await?;
    // The record may have been sent in since the rules were asked: a draft takes files.
    let editable: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM {} WHERE id = $1 AND state IN ({})",
        owner.record_table(),
        owner.editable_states()
    ))
    .bind(owner.id())
    .fetch_optional(&mut *tx)
    .await?;
    if editable.is_none() {
        return Err(AttachError::Closed);
    }
    let staged = Staged { files, key: files.put(&pdf.bytes).await?, kept: false };
    let now = db::now();
    let content_type = match owner {
        Owner::Application(_) => ", content_type",
        Owner::Proposal(_) => "",
    };
    let content_value = match owner {
        Owner::Application(_) => ", 'application/pdf'",
        Owner::Proposal(_) => "",
    };
    let attachment: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO {} ({}, purpose, filename{content_type}, size_bytes, sha256, storage_key, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3{content_value}, $4, $5, $6, $7, $8) RETURNING id",
        owner.table(),
        owner.key_column()
    ))
    .bind(owner.id())
    .bind(owner.purpose())
    .bind(&pdf.filename)
    .bind(pdf.bytes.len() as i64)
    .bind(hex::encode(Sha256::digest(&pdf.bytes)))
    .bind(&staged.key)
    .bind(person.get())
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let (form_table, form_field) = match owner {
        Owner::Application(_) => ("applications", "ethics_decision_attachment"),
        Owner::Proposal(_) => ("proposals", "clinical_letter"),
    };
    let form: String = sqlx::query_scalar(&format!("SELECT form FROM {form_table} WHERE id = $1"))
        .bind(owner.id())
        .fetch_one(&mut *tx)
        .await?;
    let mut form: serde_json::Value = serde_json::from_str(&form).unwrap_or_else(|_| serde_json::json!({}));
    form[form_field] = serde_json::json!(attachment);
    sqlx::query(&format!("UPDATE {form_table} SET form = $1, updated_at = $2 WHERE id = $3"))
        .bind(form.to_string())
        .bind(&now)
        .bind(owner.id())
        .execute(&mut *tx)
        .await?;
    let event = NewEvent::transition(
        Some(person.get()),
        owner.subject(),
        owner.id(),
        "attachment_uploaded",
        None,
        None,
    );
    let summary = format!("{} {}", owner.purpose().replace('_', " "), pdf.filename);
    record_in(&mut tx, NewEvent { summary: Some(summary), ..event }).await?;
    tx.commit().await?;
    staged.keep();
    Ok(attachment)
}

/// A stored attachment of this owner: (file name, storage key, size).
pub async fn find(
    conn: &mut AnyConnection,
    owner: Owner,
    attachment: i64,
) -> Result<Option<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT filename, storage_key, size_bytes FROM {} WHERE id = $1 AND {} = $2",
        owner.table(),
        owner.key_column()
    ))
    .bind(attachment)
    .bind(owner.id())
    .fetch_optional(conn)
    .await
}
