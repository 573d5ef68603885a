//! The imported data sets in the user data folder, one folder each (`<root>/<slug>/`): IDX files
//! per split and a `dataset.json` manifest. Listing reads only manifests; opening reads a split's two
//! files; every change is a rename, so the store never shows a half-written data set.
//!
//! Every function takes the store's root explicitly ([`DatasetStore::new`]); the app and the
//! command line use [`DatasetStore::default_root`] (`~/.local/share/atelier/datasets` on Linux).

mod error;
mod files;
mod manifest;

use std::path::{Path, PathBuf};

pub use error::StoreError;
pub use files::{
    MANIFEST_FILE, STAGING_PREFIX, STALE_STAGING, Staging, StoredSplit, fingerprint, read_split,
    remove_stale_staging, write_manifest,
};
pub use manifest::{
    DatasetManifest, MANIFEST_VERSION, Preprocessing, SkippedFile, SourceInfo, SourceKind, SplitCounts,
};

use super::{ClassNames, Dataset, slug};

/// The longest data set name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// The folder of stored data sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetStore {
    root: PathBuf,
}

/// What the list of data sets shows, from the manifest alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSummary {
    /// The data set's name.
    pub name: String,
    /// Its folder.
    pub dir: PathBuf,
    /// The class names in label order.
    pub classes: ClassNames,
    /// Images per split.
    pub counts: SplitCounts,
    /// When it was imported (RFC 3339, UTC).
    pub created: String,
    /// Where it came from.
    pub source: SourceInfo,
}

/// A stored data set, opened: its manifest and its splits in memory.
#[derive(Debug, Clone)]
pub struct StoredDataset {
    /// Its folder in the store.
    pub dir: PathBuf,
    /// Its `dataset.json`.
    pub manifest: DatasetManifest,
    /// The training split.
    pub train: Dataset,
    /// The test split.
    pub test: Dataset,
    /// The validation split, when the source had one.
    pub validation: Option<Dataset>,
}

impl StoredDataset {
    /// The class names in label order.
    #[must_use]
    pub fn classes(&self) -> &ClassNames {
        &self.manifest.classes
    }
}

impl DatasetStore {
    /// The store in `root` (created when the first data set is written).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// `<user data>/datasets` (`~/.local/share/atelier/datasets` on Linux, following
    /// `XDG_DATA_HOME`), if the system has a home folder.
    #[must_use]
    pub fn default_root() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "atelier").map(|dirs| dirs.data_dir().join("datasets"))
    }

    /// The store's folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every stored data set, by name, from the manifests alone (fast). Folders without a readable
    /// manifest (a data set being written, a damaged one) are left out.
    ///
    /// # Errors
    /// The store's folder exists but cannot be read.
    pub fn list(&self) -> Result<Vec<StoredSummary>, StoreError> {
        let mut summaries: Vec<StoredSummary> = self
            .dataset_dirs()?
            .into_iter()
            .filter_map(|dir| {
                let manifest = read_manifest(&dir).ok()?;
                Some(StoredSummary {
                    name: manifest.name,
                    dir,
                    classes: manifest.classes,
                    counts: manifest.counts,
                    created: manifest.created,
                    source: manifest.source,
                })
            })
            .collect();
        summaries.sort_by_key(|summary| summary.name.to_lowercase());
        Ok(summaries)
    }

    /// The folder of the data set called `name` (its exact name, any case, or its folder name).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] listing the names there are.
    pub fn find(&self, name: &str) -> Result<PathBuf, StoreError> {
        let summaries = self.list()?;
        let wanted = name.trim();
        let found = summaries
            .iter()
            .find(|summary| summary.name == wanted)
            .or_else(|| summaries.iter().find(|summary| summary.name.eq_ignore_ascii_case(wanted)))
            .or_else(|| {
                summaries.iter().find(|summary| summary.dir.file_name().is_some_and(|dir| dir == wanted))
            });
        match found {
            Some(summary) => Ok(summary.dir.clone()),
            None => Err(StoreError::NotFound {
                name: wanted.to_owned(),
                root: self.root.clone(),
                available: summaries.into_iter().map(|summary| summary.name).collect(),
            }),
        }
    }

    /// Opens the data set called `name`: its manifest and splits (a second or less for 70,000
    /// images; the files are read in parallel).
    ///
    /// # Errors
    /// No such data set, or a damaged file (named).
    pub fn open(&self, name: &str) -> Result<StoredDataset, StoreError> {
        self.open_dir(&self.find(name)?)
    }

    /// Opens the stored data set in `dir`.
    ///
    /// # Errors
    /// A missing or damaged file (named), or files that disagree with the manifest.
    pub fn open_dir(&self, dir: &Path) -> Result<StoredDataset, StoreError> {
        let manifest = read_manifest(dir)?;
        let classes = manifest.classes.len();
        let counts = manifest.counts;
        let ((train, test), validation) = rayon::join(
            || {
                rayon::join(
                    || read_split(dir, StoredSplit::Train, counts.train, classes),
                    || read_split(dir, StoredSplit::Test, counts.test, classes),
                )
            },
            || counts.validation.map(|count| read_split(dir, StoredSplit::Validation, count, classes)),
        );
        Ok(StoredDataset {
            dir: dir.to_path_buf(),
            manifest,
            train: train?,
            test: test?,
            validation: validation.transpose()?,
        })
    }

    /// Renames a data set (its manifest and its folder).
    ///
    /// # Errors
    /// No such data set, an unusable or taken new name, or a file that cannot be written.
    pub fn rename(&self, old: &str, new: &str) -> Result<PathBuf, StoreError> {
        let new = check_name(new)?;
        let dir = self.find(old)?;
        let target = self.root.join(slug(&new));
        if target != dir {
            self.check_free(&new)?;
        }
        let mut manifest = read_manifest(&dir)?;
        let old_name = std::mem::replace(&mut manifest.name, new);
        write_manifest(&dir, &manifest)?;
        if target != dir
            && let Err(source) = std::fs::rename(&dir, &target)
        {
            manifest.name = old_name;
            let _ = write_manifest(&dir, &manifest);
            return Err(StoreError::Io { path: target, source });
        }
        Ok(target)
    }

    /// Deletes a data set: its folder is first renamed to a hidden name, so a deletion cut short
    /// never leaves a half data set in the list.
    ///
    /// # Errors
    /// No such data set, or its folder cannot be removed.
    pub fn delete(&self, name: &str) -> Result<(), StoreError> {
        let dir = self.find(name)?;
        let hidden = self.root.join(format!("{STAGING_PREFIX}deleted-{}", slug(name)));
        let _ = std::fs::remove_dir_all(&hidden);
        std::fs::rename(&dir, &hidden).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        std::fs::remove_dir_all(&hidden).map_err(|source| StoreError::Io { path: hidden, source })
    }

    /// Refuses `name` when another data set has it or would use the same folder.
    ///
    /// # Errors
    /// [`StoreError::NameTaken`].
    pub fn check_free(&self, name: &str) -> Result<(), StoreError> {
        let dir = self.root.join(slug(name));
        if let Some(existing) = self
            .list()?
            .into_iter()
            .find(|summary| summary.dir == dir || summary.name.eq_ignore_ascii_case(name.trim()))
        {
            return Err(StoreError::NameTaken { existing: existing.name, dir: existing.dir });
        }
        if dir.exists() {
            return Err(StoreError::NameTaken { existing: name.to_owned(), dir });
        }
        Ok(())
    }

    /// `name`, or `name (2)`, `name (3)`, … : the first that is free.
    ///
    /// # Errors
    /// The store cannot be read.
    pub fn free_name(&self, name: &str) -> Result<String, StoreError> {
        let name = check_name(name)?;
        let mut candidate = name.clone();
        let mut number = 2;
        while let Err(StoreError::NameTaken { .. }) = self.check_free(&candidate) {
            candidate = format!("{name} ({number})");
            number += 1;
        }
        Ok(candidate)
    }

    /// The folder a data set called `name` is stored in.
    #[must_use]
    pub fn dir_for(&self, name: &str) -> PathBuf {
        self.root.join(slug(name))
    }

    /// The data set folders (not staging ones).
    fn dataset_dirs(&self) -> Result<Vec<PathBuf>, StoreError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Io { path: self.root.clone(), source }),
        };
        Ok(entries
            .filter_map(Result::ok)
            .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
            .map(|entry| entry.path())
            .filter(|path| path.join(MANIFEST_FILE).is_file())
            .collect())
    }
}

/// Checks a data set name: trimmed, non-empty, at most [`MAX_NAME_CHARS`], no control characters.
///
/// # Errors
/// [`StoreError::BadName`] saying why.
pub fn check_name(name: &str) -> Result<String, StoreError> {
    let trimmed = name.trim();
    let bad = |reason| Err(StoreError::BadName { name: name.to_owned(), reason });
    if trimmed.is_empty() {
        return bad("it is empty");
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return bad("it is longer than 80 characters");
    }
    if trimmed.chars().any(char::is_control) {
        return bad("it holds control characters");
    }
    Ok(trimmed.to_owned())
}

/// Reads and checks `dir/dataset.json`.
///
/// # Errors
/// The file is missing, damaged, or from a newer Atelier.
pub fn read_manifest(dir: &Path) -> Result<DatasetManifest, StoreError> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(|source| StoreError::Io { path: path.clone(), source })?;
    // The version first, so a newer file is not reported as damaged.
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && let Some(found) = fields.get("format_version").and_then(serde_json::Value::as_u64)
        && found > u64::from(MANIFEST_VERSION)
    {
        let found = u32::try_from(found).unwrap_or(u32::MAX);
        return Err(StoreError::NewerFormat { path, found, supported: MANIFEST_VERSION });
    }
    serde_json::from_slice(&bytes)
        .map_err(|error| StoreError::BadManifest { path, reason: error.to_string() })
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;

impl From<StoredDataset> for super::LoadedData {
    fn from(stored: StoredDataset) -> Self {
        let imported_from =
            format!("{} ({})", stored.manifest.source.path.display(), stored.manifest.source.kind.describe());
        Self {
            name: stored.manifest.name,
            classes: stored.manifest.classes,
            train: stored.train,
            test: stored.test,
            validation: stored.validation,
            source: super::DataSource::Imported { dir: stored.dir, imported_from },
            checksums: super::ChecksumStatus::Imported,
            load_secs: 0.0,
        }
    }
}
