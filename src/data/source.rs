//! Where the data comes from: the folders searched, in order, and a [`DataSource`] that says which
//! one was used (or that the bundled sample was, loudly) and where else it looked.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::release::{ExpectedFile, find_in, official_files};

/// Environment variable naming the data folder.
pub const DATA_ENV_VAR: &str = "ATELIER_DATA";
/// The data folder relative to the working directory.
pub const WORKING_DIR_DATA: &str = "data/fashion-mnist";
/// Where Debian/Ubuntu's `dataset-fashion-mnist` package installs the files.
pub const SYSTEM_DATA_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Why a folder was considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The `--data-dir` option.
    DataDirOption,
    /// The `ATELIER_DATA` environment variable.
    EnvVar,
    /// `./data/fashion-mnist` in the working directory.
    WorkingDir,
    /// The user data folder (`~/.local/share/atelier/fashion-mnist` on Linux).
    UserDataDir,
    /// `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`).
    SystemDir,
    /// A folder the user picked in the app.
    Picked,
}

impl Origin {
    /// How the origin is named in reports.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::DataDirOption => "--data-dir",
            Self::EnvVar => "ATELIER_DATA",
            Self::WorkingDir => "./data/fashion-mnist",
            Self::UserDataDir => "user data folder",
            Self::SystemDir => "system package dataset-fashion-mnist",
            Self::Picked => "chosen folder",
        }
    }
}

/// A folder that may hold the four files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The folder.
    pub dir: PathBuf,
    /// Why it is searched.
    pub origin: Origin,
}

/// What discovery found in one candidate folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// All four files are there (this folder was used).
    Complete,
    /// The folder does not exist.
    NoFolder,
    /// The folder exists but lacks these files (names without `.gz`).
    Incomplete(Vec<String>),
}

/// One candidate and what was found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Looked {
    /// The folder.
    pub candidate: Candidate,
    /// What was there.
    pub finding: Finding,
}

/// Where the loaded data came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// The four files in a folder.
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why it was searched.
        origin: Origin,
        /// The folders searched before it, in order.
        looked: Vec<Looked>,
    },
    /// A data set the user imported, stored in the user data folder (`datasets/<slug>/`).
    Imported {
        /// The stored data set's folder.
        dir: PathBuf,
        /// What it was imported from (a folder, an IDX pair, a CSV file), as the manifest says.
        imported_from: String,
    },
    /// No folder held the data: the small sample built into the program.
    Sample {
        /// Training images in the sample.
        train_images: usize,
        /// Test images in the sample.
        test_images: usize,
        /// The folders searched, in order.
        looked: Vec<Looked>,
    },
}

impl DataSource {
    /// Whether this is the bundled sample rather than the full set.
    #[must_use]
    pub fn is_sample(&self) -> bool {
        matches!(self, Self::Sample { .. })
    }

    /// The folders searched, in order.
    #[must_use]
    pub fn looked(&self) -> &[Looked] {
        match self {
            Self::Folder { looked, .. } | Self::Sample { looked, .. } => looked,
            Self::Imported { .. } => &[],
        }
    }

    /// One line for every report: the folder and why, or the loud SAMPLE warning.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Folder { dir, origin, .. } => format!("{} ({})", dir.display(), origin.describe()),
            Self::Imported { dir, imported_from } => {
                format!("{} (imported from {imported_from})", dir.display())
            }
            Self::Sample { train_images, test_images, .. } => format!(
                "SAMPLE: {} images ({} train, {} test), not the full set; run `atelier data download` \
                 for the full set",
                crate::files::thousands(train_images + test_images),
                crate::files::thousands(*train_images),
                crate::files::thousands(*test_images)
            ),
        }
    }

    /// A multi-line account of the folders searched and what each held.
    #[must_use]
    pub fn describe_search(&self) -> String {
        let mut text = String::new();
        for looked in self.looked() {
            let finding = match &looked.finding {
                Finding::Complete => "used".to_string(),
                Finding::NoFolder => "no such folder".to_string(),
                Finding::Incomplete(missing) => format!("missing {}", missing.join(", ")),
            };
            let _ = writeln!(
                text,
                "  {:<38} {} — {finding}",
                looked.candidate.origin.describe(),
                looked.candidate.dir.display()
            );
        }
        text
    }
}

/// The user data folder for the data set (`~/.local/share/atelier/fashion-mnist` on Linux), if
/// the system has a home directory; also where `atelier data download` writes by default.
#[must_use]
pub fn user_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "atelier").map(|dirs| dirs.data_dir().join("fashion-mnist"))
}

/// The standard search order after `--data-dir`: `ATELIER_DATA`, `./data/fashion-mnist`, the user
/// data folder, `/usr/share/datasets/fashion-mnist`.
#[must_use]
pub fn standard_candidates() -> Vec<Candidate> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os(DATA_ENV_VAR).filter(|value| !value.is_empty()) {
        candidates.push(Candidate { dir: PathBuf::from(dir), origin: Origin::EnvVar });
    }
    candidates.push(Candidate { dir: PathBuf::from(WORKING_DIR_DATA), origin: Origin::WorkingDir });
    if let Some(dir) = user_data_dir() {
        candidates.push(Candidate { dir, origin: Origin::UserDataDir });
    }
    candidates.push(Candidate { dir: PathBuf::from(SYSTEM_DATA_DIR), origin: Origin::SystemDir });
    candidates
}

/// The files of `expected` missing from `dir` (names without `.gz`).
#[must_use]
pub fn missing_files(dir: &Path, expected: &[ExpectedFile]) -> Vec<String> {
    expected.iter().filter(|file| find_in(dir, file).is_none()).map(|file| file.name.clone()).collect()
}

/// What `dir` holds of the official files.
#[must_use]
pub fn inspect(dir: &Path) -> Finding {
    if !dir.is_dir() {
        return Finding::NoFolder;
    }
    let missing = missing_files(dir, &official_files());
    if missing.is_empty() { Finding::Complete } else { Finding::Incomplete(missing) }
}

/// Searches `candidates` in order; returns the first complete one and what was seen up to it.
#[must_use]
pub fn discover(candidates: &[Candidate]) -> (Option<Candidate>, Vec<Looked>) {
    let mut looked = Vec::new();
    for candidate in candidates {
        let finding = inspect(&candidate.dir);
        let complete = finding == Finding::Complete;
        looked.push(Looked { candidate: candidate.clone(), finding });
        if complete {
            return (Some(candidate.clone()), looked);
        }
    }
    (None, looked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_says_so_loudly() {
        let source = DataSource::Sample { train_images: 1000, test_images: 500, looked: Vec::new() };
        let text = source.describe();
        assert!(text.starts_with("SAMPLE: 1,500 images"), "{text}");
        assert!(text.contains("atelier data download"), "{text}");
    }
}
