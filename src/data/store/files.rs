//! The files of one stored data set: IDX images and labels per split (gzip, fast level) and
//! `dataset.json`, written into a staging folder that only a final rename makes visible.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{DatasetManifest, StoreError};
use crate::data::idx::{self, Hashing, IdxKind};
use crate::data::{Dataset, IMAGE_PIXELS};

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "dataset.json";
/// Staging folders start with this (hidden, and never listed as data sets).
pub const STAGING_PREFIX: &str = ".staging-";
/// A staging folder untouched this long was left by an import that was killed (a crash, a power
/// cut): the next import removes it. No live import stays silent for a day.
pub const STALE_STAGING: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The stored splits, in manifest order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredSplit {
    /// Training images.
    Train,
    /// Test images.
    Test,
    /// Validation images (only when the source had them).
    Validation,
}

impl StoredSplit {
    /// Lower-case name, as in the file names.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "test",
            Self::Validation => "validation",
        }
    }

    /// `<split>-images-idx3-ubyte.gz`.
    #[must_use]
    pub fn images_file(self) -> String {
        format!("{}-images-idx3-ubyte.gz", self.name())
    }

    /// `<split>-labels-idx1-ubyte.gz`.
    #[must_use]
    pub fn labels_file(self) -> String {
        format!("{}-labels-idx1-ubyte.gz", self.name())
    }
}

/// `sha256:<hex>` over each split's images, then its labels, split after split (the same recipe as
/// the built-in data set's fingerprint).
#[must_use]
pub fn fingerprint(splits: &[&Dataset]) -> String {
    let mut hasher = Sha256::new();
    for split in splits {
        for i in 0..split.len() {
            hasher.update(split.image(i));
        }
        hasher.update((0..split.len()).map(|i| split.label(i)).collect::<Vec<u8>>());
    }
    let hex: String = hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// A folder being filled; removed on drop unless [`Staging::publish`] renamed it into place, so a
/// failed, cancelled or panicking import leaves nothing behind.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    published: bool,
}

impl Staging {
    /// Creates a fresh staging folder in `root` (created too if missing).
    ///
    /// # Errors
    /// `root` cannot be created or written.
    pub fn new(root: &Path) -> Result<Self, StoreError> {
        let io_error = |source| StoreError::Io { path: root.to_path_buf(), source };
        std::fs::create_dir_all(root).map_err(io_error)?;
        remove_stale_staging(root, STALE_STAGING);
        let dir = tempfile::Builder::new().prefix(STAGING_PREFIX).tempdir_in(root).map_err(io_error)?.keep();
        Ok(Self { dir, published: false })
    }

    /// The folder being filled.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one split's two IDX files.
    ///
    /// # Errors
    /// A file cannot be written.
    pub fn write_split(&self, split: StoredSplit, data: &Dataset) -> Result<(), StoreError> {
        let mut pixels = Vec::with_capacity(data.len() * IMAGE_PIXELS);
        for i in 0..data.len() {
            pixels.extend_from_slice(data.image(i));
        }
        let labels: Vec<u8> = (0..data.len()).map(|i| data.label(i)).collect();
        write_gz(&self.dir.join(split.images_file()), &idx::encode(IdxKind::Images, data.len(), &pixels))?;
        write_gz(&self.dir.join(split.labels_file()), &idx::encode(IdxKind::Labels, data.len(), &labels))
    }

    /// Writes `dataset.json`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_manifest(&self, manifest: &DatasetManifest) -> Result<(), StoreError> {
        write_manifest(&self.dir, manifest)
    }

    /// Renames the folder to `target` (which must not exist) and keeps it.
    ///
    /// # Errors
    /// The rename fails (the staging folder is then removed).
    pub fn publish(mut self, target: &Path) -> Result<(), StoreError> {
        std::fs::rename(&self.dir, target)
            .map_err(|source| StoreError::Io { path: target.to_path_buf(), source })?;
        self.published = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes staging folders in `root` not modified for `age` (best effort: the store works without).
pub fn remove_stale_staging(root: &Path, age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.filter_map(Result::ok) {
        let stale = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .is_ok_and(|modified| modified.elapsed().is_ok_and(|elapsed| elapsed >= age));
        if stale && entry.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes `dataset.json` in `dir` atomically.
///
/// # Errors
/// The file cannot be written.
pub fn write_manifest(dir: &Path, manifest: &DatasetManifest) -> Result<(), StoreError> {
    let path = dir.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(manifest)
        .map_err(|error| StoreError::Io { path: path.clone(), source: std::io::Error::other(error) })?;
    crate::files::write_atomically(&path, &json).map_err(|source| StoreError::Io { path, source })
}

/// Gzip at the fast level: a stored data set is written once and read often, and decompression
/// speed barely depends on the level, while `best` takes seconds for 70,000 images.
fn write_gz(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io_error = |source| StoreError::Io { path: path.to_path_buf(), source };
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).map_err(io_error)?;
    let compressed = encoder.finish().map_err(io_error)?;
    std::fs::write(path, compressed).map_err(io_error)
}

/// Reads one stored split and checks it against the manifest's count and class count.
///
/// # Errors
/// A damaged file, or a count or label that disagrees with the manifest.
pub fn read_split(
    dir: &Path,
    split: StoredSplit,
    count: usize,
    classes: usize,
) -> Result<Dataset, StoreError> {
    let images_path = dir.join(split.images_file());
    let labels_path = dir.join(split.labels_file());
    let (images, labels) = rayon::join(
        || idx::read_file(&images_path, IdxKind::Images, Hashing::Skip),
        || idx::read_file(&labels_path, IdxKind::Labels, Hashing::Skip),
    );
    let (images, labels) = (images?, labels?);
    for (path, found) in [(&images_path, images.count), (&labels_path, labels.count)] {
        if found != count {
            let reason = format!("{found} entries, the manifest says {count}");
            return Err(StoreError::Mismatch { path: path.clone(), reason });
        }
    }
    if let Some(index) = labels.body.iter().position(|&label| usize::from(label) >= classes) {
        let reason =
            format!("label {} at position {index}, but there are {classes} classes", labels.body[index]);
        return Err(StoreError::Mismatch { path: labels_path, reason });
    }
    Ok(Dataset::new(images.body, labels.body))
}
