//! The four files of the Fashion-MNIST release: names, decompressed sizes and SHA-256 checksums,
//! and the result of checking a loaded folder against them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::Split;
use super::idx::IdxKind;

/// One file of a data set release: its name and what its decompressed content must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFile {
    /// Base name without `.gz`, e.g. `train-images-idx3-ubyte`.
    pub name: String,
    /// Which split it belongs to.
    pub split: Split,
    /// Images or labels.
    pub kind: IdxKind,
    /// SHA-256 of the decompressed content, lower-case hex.
    pub sha256: String,
    /// Size of the decompressed content in bytes.
    pub decompressed_bytes: u64,
}

impl ExpectedFile {
    /// The compressed file name (`….gz`), as mirrors serve it.
    #[must_use]
    pub fn gz_name(&self) -> String {
        format!("{}.gz", self.name)
    }
}

/// The official release (measured on the Zalando files; compressed bytes differ between mirrors
/// that recompress, so the decompressed content is what is checked).
#[must_use]
pub fn official_files() -> [ExpectedFile; 4] {
    let file = |name: &str, split, kind, sha256: &str, decompressed_bytes| ExpectedFile {
        name: name.to_string(),
        split,
        kind,
        sha256: sha256.to_string(),
        decompressed_bytes,
    };
    [
        file(
            "train-images-idx3-ubyte",
            Split::Train,
            IdxKind::Images,
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            47_040_016,
        ),
        file(
            "train-labels-idx1-ubyte",
            Split::Train,
            IdxKind::Labels,
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            60_008,
        ),
        file(
            "t10k-images-idx3-ubyte",
            Split::Test,
            IdxKind::Images,
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            7_840_016,
        ),
        file(
            "t10k-labels-idx1-ubyte",
            Split::Test,
            IdxKind::Labels,
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            10_008,
        ),
    ]
}

/// A file whose content differs from the known release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumMismatch {
    /// The file on disk.
    pub path: PathBuf,
    /// SHA-256 found (hex).
    pub found: String,
    /// SHA-256 of the official file (hex).
    pub expected: String,
}

/// How the loaded files compare with the official release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChecksumStatus {
    /// All four files match the official release.
    Verified,
    /// Some files differ (perhaps a different release); the data loaded anyway.
    Mismatch(Vec<ChecksumMismatch>),
    /// The bundled sample, which is part of the program and not a release file.
    BundledSample,
    /// A data set the user imported: there is no official release to compare with; its
    /// fingerprint, taken when it was imported, is in its `dataset.json`.
    Imported,
}

impl ChecksumStatus {
    /// One line for reports: "OK (SHA-256 of all four files match)" or the warning.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Verified => "OK (SHA-256 of the 4 files match the Fashion-MNIST release)".to_string(),
            Self::BundledSample => "not applicable (bundled sample, part of the program)".to_string(),
            Self::Imported => {
                "not applicable (imported data set; fingerprint in its dataset.json)".to_string()
            }
            Self::Mismatch(mismatches) => {
                let mut text = String::from("WARNING: differs from the Fashion-MNIST release:");
                for mismatch in mismatches {
                    let _ = write!(text, " {} (SHA-256 {})", mismatch.path.display(), mismatch.found);
                }
                text
            }
        }
    }

    /// The warnings to show, one per file that differs.
    #[must_use]
    pub fn warnings(&self) -> Vec<String> {
        match self {
            Self::Verified | Self::BundledSample | Self::Imported => Vec::new(),
            Self::Mismatch(mismatches) => mismatches
                .iter()
                .map(|m| {
                    format!(
                        "{} differs from the Fashion-MNIST release (SHA-256 {}, expected {}); \
                         it may be a different version of the data",
                        m.path.display(),
                        m.found,
                        m.expected
                    )
                })
                .collect(),
        }
    }
}

/// Lower-case hex of a digest.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

/// The path of `file` in `dir`: the `.gz` if present, else the raw file, else `None`.
#[must_use]
pub fn find_in(dir: &Path, file: &ExpectedFile) -> Option<PathBuf> {
    [dir.join(file.gz_name()), dir.join(&file.name)].into_iter().find(|path| path.is_file())
}
