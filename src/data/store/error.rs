//! `StoreError`: what can go wrong listing, opening, writing, renaming or deleting a stored data set.

use std::path::PathBuf;

use crate::data::DataError;

/// A failure of the data set store; each variant names the data set or file at fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or folder of the store could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// No stored data set has this name.
    #[error("no data set called \"{name}\" in {} (stored: {})", root.display(), list_or_none(available))]
    NotFound {
        /// The name asked for.
        name: String,
        /// The store's folder.
        root: PathBuf,
        /// The names that are there.
        available: Vec<String>,
    },
    /// The name is empty, too long or holds control characters.
    #[error("\"{name}\" cannot name a data set: {reason}")]
    BadName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Another data set already has this name (or one that makes the same folder name).
    #[error("a data set called \"{existing}\" already exists in {}; choose another name", dir.display())]
    NameTaken {
        /// The name of the data set already there.
        existing: String,
        /// Its folder.
        dir: PathBuf,
    },
    /// `dataset.json` cannot be parsed.
    #[error("{} is damaged: {reason}", path.display())]
    BadManifest {
        /// The manifest file.
        path: PathBuf,
        /// The parser's explanation.
        reason: String,
    },
    /// `dataset.json` was written by a newer Atelier.
    #[error("{} has format version {found}; this Atelier reads up to {supported}: update Atelier", path.display())]
    NewerFormat {
        /// The manifest file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A stored IDX file is damaged (the error names it).
    #[error(transparent)]
    Data(#[from] DataError),
    /// A stored file disagrees with the manifest (a count or a label).
    #[error("{} does not match its dataset.json: {reason}", path.display())]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}
