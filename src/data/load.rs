//! Loading the whole data set: `load` (discovery, then the bundled sample), `load_from` (one folder,
//! no fallback), and the checks that tie the four files together (counts, labels, sizes, checksums).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::idx::{self, Hashing, IdxContent, IdxKind};
use super::release::{ChecksumMismatch, ChecksumStatus, ExpectedFile, find_in, hex, official_files};
use super::source::{self, Candidate, DataSource, Looked, Origin};
use super::{ClassNames, DataError, Dataset, DatasetIdentity, FASHION_MNIST_NAMES, Split};

/// A whole data set in memory: its name and class names, its splits, where it came from and how
/// it checked out. Fashion-MNIST (found on disk or the bundled sample) is one; an imported data set
/// is another.
#[derive(Debug, Clone)]
pub struct LoadedData {
    /// The data set's name ("Fashion-MNIST", or what the user called an import).
    pub name: String,
    /// The class names, label order.
    pub classes: ClassNames,
    /// The training split (60,000 images in Fashion-MNIST).
    pub train: Dataset,
    /// The test split (10,000 images in Fashion-MNIST).
    pub test: Dataset,
    /// A validation split the data set brings itself (an imported `val/` folder); when `None`,
    /// training holds out part of `train`.
    pub validation: Option<Dataset>,
    /// Where the files were found, or the bundled sample.
    pub source: DataSource,
    /// How the files compare with the official release.
    pub checksums: ChecksumStatus,
    /// Seconds spent finding, decompressing, parsing and checking.
    pub load_secs: f64,
}

/// Fashion-MNIST's name as data sets and model files record it.
pub const FASHION_MNIST: &str = "Fashion-MNIST";

impl LoadedData {
    /// Fashion-MNIST's splits with its name and class names.
    #[must_use]
    pub fn fashion_mnist(
        train: Dataset,
        test: Dataset,
        source: DataSource,
        checksums: ChecksumStatus,
    ) -> Self {
        Self {
            name: FASHION_MNIST.to_owned(),
            classes: ClassNames::fashion_mnist(),
            train,
            test,
            validation: None,
            source,
            checksums,
            load_secs: 0.0,
        }
    }

    /// What a model file records about the data it learned from: name, class names, fingerprint.
    #[must_use]
    pub fn identity(&self) -> DatasetIdentity {
        DatasetIdentity {
            name: self.name.clone(),
            classes: self.classes.clone(),
            fingerprint: self.fingerprint(),
        }
    }

    /// One split.
    #[must_use]
    pub fn split(&self, split: Split) -> &Dataset {
        match split {
            Split::Train => &self.train,
            Split::Test => &self.test,
        }
    }

    /// What every report should show besides the numbers: the loud SAMPLE line when this is the
    /// bundled sample, and one warning per file that differs from the official release.
    #[must_use]
    pub fn notices(&self) -> Vec<String> {
        let mut notices = Vec::new();
        if self.source.is_sample() {
            notices.push(self.source.describe());
        }
        notices.extend(self.checksums.warnings());
        notices
    }

    /// `sha256:<hex>` over both splits' visible images and labels, in order: the data a model was
    /// trained on, recorded in its file so two models can be told apart by their data.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for split in [Some(&self.train), Some(&self.test), self.validation.as_ref()].into_iter().flatten() {
            for i in 0..split.len() {
                hasher.update(split.image(i));
            }
            hasher.update((0..split.len()).map(|i| split.label(i)).collect::<Vec<u8>>());
        }
        let digest = hasher.finalize();
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("sha256:{hex}")
    }
}

/// Loads the data: from `data_dir` if given (an error if it lacks the files), else from the first
/// folder of the standard search order that holds all four files (`ATELIER_DATA`,
/// `./data/fashion-mnist`, the user data folder, `/usr/share/datasets/fashion-mnist`), else the
/// bundled sample, marked [`DataSource::Sample`].
///
/// # Errors
/// Files that are found but unreadable or damaged (named in the error); an explicit `data_dir`
/// without the files. A folder found by the search is never silently skipped for being damaged.
pub fn load(data_dir: Option<&Path>) -> Result<LoadedData, DataError> {
    match data_dir {
        Some(dir) => load_folder(dir, Origin::DataDirOption, Vec::new()),
        None => load_discovered(&source::standard_candidates()),
    }
}

/// Loads the four files from `dir`, a folder the user chose; never falls back to anything else.
///
/// # Errors
/// A folder without the files, or files that are unreadable or damaged.
pub fn load_from(dir: &Path) -> Result<LoadedData, DataError> {
    load_folder(dir, Origin::Picked, Vec::new())
}

/// Searches `candidates` in order and loads the first that holds all four files, else the sample.
///
/// # Errors
/// As [`load`].
pub fn load_discovered(candidates: &[Candidate]) -> Result<LoadedData, DataError> {
    let started = Instant::now();
    let (found, looked) = source::discover(candidates);
    let mut data = match found {
        Some(candidate) => load_folder(&candidate.dir, candidate.origin, looked)?,
        None => super::sample::load_sample_with_search(looked)?,
    };
    data.load_secs = started.elapsed().as_secs_f64();
    Ok(data)
}

/// Loads the official files from `dir`, remembering why it was chosen.
fn load_folder(dir: &Path, origin: Origin, mut looked: Vec<Looked>) -> Result<LoadedData, DataError> {
    let started = Instant::now();
    let expected = official_files();
    let missing = source::missing_files(dir, &expected);
    if !missing.is_empty() {
        // A folder where a file should be is named as such, not as a missing file.
        let folder_error = expected
            .iter()
            .filter(|file| missing.contains(&file.name))
            .map(|file| missing_error(dir, file))
            .find(|error| matches!(error, DataError::Read { .. }));
        return Err(folder_error.unwrap_or(DataError::MissingFiles { dir: dir.to_path_buf(), missing }));
    }
    if looked.is_empty() {
        looked.push(Looked {
            candidate: Candidate { dir: dir.to_path_buf(), origin },
            finding: source::Finding::Complete,
        });
    }
    let (train, test, checksums) = read_release(dir, &expected)?;
    let source = DataSource::Folder { dir: dir.to_path_buf(), origin, looked };
    let mut data = LoadedData::fashion_mnist(train, test, source, checksums);
    data.load_secs = started.elapsed().as_secs_f64();
    Ok(data)
}

/// Reads and checks the four files of `expected` in `dir`, in parallel.
///
/// # Errors
/// The first failure in file order (so the message does not depend on thread timing).
pub fn read_release(
    dir: &Path,
    expected: &[ExpectedFile],
) -> Result<(Dataset, Dataset, ChecksumStatus), DataError> {
    let paths: Vec<PathBuf> = expected
        .iter()
        .map(|file| find_in(dir, file).ok_or_else(|| missing_error(dir, file)))
        .collect::<Result<_, _>>()?;
    let contents: Vec<Result<IdxContent, DataError>> = paths
        .par_iter()
        .zip(expected.par_iter())
        .map(|(path, file)| idx::read_file(path, file.kind, Hashing::Compute))
        .collect();
    let contents: Vec<IdxContent> = contents.into_iter().collect::<Result<_, _>>()?;
    // Structure first (counts, labels): it explains a broken file better than its size does.
    let train = assemble(&contents, &paths, expected, Split::Train)?;
    let test = assemble(&contents, &paths, expected, Split::Test)?;

    let mut mismatches = Vec::new();
    for ((content, file), path) in contents.iter().zip(expected).zip(&paths) {
        if content.decompressed_bytes != file.decompressed_bytes {
            return Err(DataError::WrongSize {
                path: path.clone(),
                expected_bytes: file.decompressed_bytes,
                found_bytes: content.decompressed_bytes,
            });
        }
        let found = content.sha256.map(|digest| hex(&digest)).unwrap_or_default();
        if found != file.sha256 {
            mismatches.push(ChecksumMismatch { path: path.clone(), found, expected: file.sha256.clone() });
        }
    }
    let status =
        if mismatches.is_empty() { ChecksumStatus::Verified } else { ChecksumStatus::Mismatch(mismatches) };
    Ok((train, test, status))
}

fn missing_error(dir: &Path, file: &ExpectedFile) -> DataError {
    // A folder under the file's name is not "missing": say what is there instead.
    for path in [dir.join(file.gz_name()), dir.join(&file.name)] {
        if path.is_dir() {
            let source = std::io::Error::other("it is a folder, not a file");
            return DataError::Read { path, source };
        }
    }
    DataError::MissingFiles { dir: dir.to_path_buf(), missing: vec![file.name.clone()] }
}

/// Pairs the images and labels of `split` into a dataset after checking that they agree.
fn assemble(
    contents: &[IdxContent],
    paths: &[PathBuf],
    expected: &[ExpectedFile],
    split: Split,
) -> Result<Dataset, DataError> {
    let position = |kind: IdxKind| expected.iter().position(|file| file.split == split && file.kind == kind);
    let (Some(images_at), Some(labels_at)) = (position(IdxKind::Images), position(IdxKind::Labels)) else {
        return Err(DataError::MissingFiles { dir: PathBuf::new(), missing: vec![split.name().to_string()] });
    };
    pair(&contents[images_at], &contents[labels_at], &paths[labels_at])
}

/// Checks one split's images and labels against each other and builds the dataset.
///
/// # Errors
/// Count mismatch or a label outside Fashion-MNIST's 0..=9, naming the labels file.
pub fn pair(images: &IdxContent, labels: &IdxContent, labels_path: &Path) -> Result<Dataset, DataError> {
    pair_with_classes(images, labels, labels_path, FASHION_MNIST_NAMES.len())
}

/// Pairs an images file with its labels file, as `pair` does for Fashion-MNIST, for a data set with
/// `class_count` classes.
///
/// # Errors
/// Count mismatch or a label outside `0..class_count`, naming the labels file.
pub fn pair_with_classes(
    images: &IdxContent,
    labels: &IdxContent,
    labels_path: &Path,
    class_count: usize,
) -> Result<Dataset, DataError> {
    if images.count != labels.count {
        return Err(DataError::CountMismatch {
            labels_path: labels_path.to_path_buf(),
            labels: labels.count,
            images: images.count,
        });
    }
    if let Some(index) = labels.body.iter().position(|&label| usize::from(label) >= class_count) {
        return Err(DataError::BadLabel {
            path: labels_path.to_path_buf(),
            index,
            label: labels.body[index],
        });
    }
    Ok(Dataset::new(images.body.clone(), labels.body.clone()))
}
