//! Where uploaded files live: outside the web root, behind one interface, so a deployment
//! can keep them elsewhere. Files are addressed by a random key the database keeps.

use std::path::{Path, PathBuf};

/// The file store. A local directory by default (`attachment_dir`).
#[derive(Debug, Clone)]
pub enum FileStore {
    LocalDirectory(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no such file")]
    NotFound,
    #[error("the storage key is malformed")]
    BadKey,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl FileStore {
    pub fn local(root: impl AsRef<Path>) -> FileStore {
        FileStore::LocalDirectory(root.as_ref().to_path_buf())
    }

    /// Stores the bytes and answers their key.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let key = crate::identity::sessions::new_token();
        match self {
            FileStore::LocalDirectory(root) => {
                let path = local_path(root, &key)?;
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                // Written aside and renamed, so a reader never sees half a file.
                let partial = path.with_extension("partial");
                tokio::fs::write(&partial, bytes).await?;
                tokio::fs::rename(&partial, &path).await?;
            }
        }
        Ok(key)
    }

    /// Removes a file at once (a failed upload's, from a drop guard: no await there).
    pub fn remove_now(&self, key: &str) {
        match self {
            FileStore::LocalDirectory(root) => {
                if let Ok(path) = local_path(root, key)
                    && let Err(error) = std::fs::remove_file(&path)
                    && error.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(%error, "an upload that failed could not be removed");
                }
            }
        }
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        match self {
            FileStore::LocalDirectory(root) => match tokio::fs::read(local_path(root, key)?).await {
                Ok(bytes) => Ok(bytes),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound),
                Err(error) => Err(error.into()),
            },
        }
    }
}

/// `root/ab/abcdef…`: keys are our own hex, so nothing outside the root can be named.
fn local_path(root: &Path, key: &str) -> Result<PathBuf, StorageError> {
    if key.len() < 16 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(StorageError::BadKey);
    }
    Ok(root.join(&key[..2]).join(key))
}

/// Is this a PDF document a reader can open? By parsing it with a PDF library: its
/// cross-reference table and objects read, and it has at least one page. A page of HTML
/// that starts with `%PDF-` and ends with `%%EOF` does not pass; neither does an
/// encrypted file (a committee could not read it).
pub fn is_pdf(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"%PDF-") {
        return false;
    }
    match lopdf::Document::load_mem(bytes) {
        Ok(document) => !document.is_encrypted() && !document.get_pages().is_empty(),
        Err(_) => false,
    }
}

/// A file name as it may be shown and sent back: no path, no control characters, short.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(120)
        .collect::<String>()
        .trim()
        .to_owned();
    if cleaned.is_empty() { "document.pdf".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_is_known_by_parsing_it_not_by_its_name_or_its_ends() {
        let real = include_bytes!("../../server/tests/fixtures/decision.pdf");
        assert!(is_pdf(real));
        assert!(!is_pdf(b"GIF89a this is an image named decision.pdf"));
        assert!(!is_pdf(b"%PDF-1.7 but cut off before its end"));
        assert!(!is_pdf(b"%PDF-1.7\n<html><body>not a document</body></html>\n%%EOF\n"));
        let mut damaged = real.to_vec();
        damaged.truncate(40);
        assert!(!is_pdf(&damaged), "a PDF cut off in its first object");
        assert!(!is_pdf(b""));
    }

    #[test]
    fn names_lose_their_paths_and_keys_cannot_leave_the_root() {
        assert_eq!(clean_filename("C:\\Users\\x\\beslut.pdf"), "beslut.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b;c\n.pdf"), "abc.pdf");
        assert_eq!(clean_filename(""), "document.pdf");
        assert!(local_path(Path::new("/data"), "../../../../etc/passwd").is_err());
        assert!(local_path(Path::new("/data"), "0123456789abcdef0123").is_ok());
    }

    #[tokio::test]
    async fn files_come_back_as_they_went_in() {
        let root =
            std::env::temp_dir().join(format!("portal-store-{}", crate::identity::sessions::new_token()));
        let store = FileStore::local(&root);
        let key = store.put(b"%PDF-1.4 hello %%EOF").await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), b"%PDF-1.4 hello %%EOF");
        assert!(matches!(store.get("0123456789abcdef0000").await, Err(StorageError::NotFound)));
        let _ = std::fs::remove_dir_all(root);
    }
}
