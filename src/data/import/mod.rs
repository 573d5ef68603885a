//! Importing a data set people bring: class folders of pictures, IDX pairs or CSV, recognised by
//! what the source holds, turned into 28×28 inputs (in parallel) and written into the store in one
//! rename. A bad picture is skipped and listed; a bad source is one [`ImportError`] naming the file,
//! folder or line at fault; a cancelled or failed import leaves nothing behind.

mod csv;
mod decode;
mod error;
mod folders;
mod idx_pair;
mod picture;
mod preview;
mod split;
mod walk;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub use decode::MAX_PICTURE_FILE_BYTES;
pub use error::ImportError;
pub use folders::PICTURE_EXTENSIONS;
pub use preview::{PREVIEW_CLASSES, PreviewPicture, preview};
pub use split::TEST_FRACTION;
pub use walk::listing_fingerprint;

use super::ClassNames;
use super::store::{
    DatasetManifest, DatasetStore, MANIFEST_VERSION, Preprocessing, SkippedFile, SourceInfo, SplitCounts,
    Staging, StoredDataset, StoredSplit, check_name, fingerprint,
};
use split::Gathered;

/// How IDX pictures are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdxLayout {
    /// Row by row, as MNIST, Fashion-MNIST and KMNIST.
    #[default]
    RowMajor,
    /// Column by column, as EMNIST ships its pictures.
    Transposed,
}

/// What the first class's label is in IDX and CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelBase {
    /// Labels start at 0.
    #[default]
    Zero,
    /// Labels start at 1 (EMNIST letters); they are stored 0-based.
    One,
}

/// The user's choices for an import.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// The data set's name; by default the source's, made unique (`name (2)`).
    pub name: Option<String>,
    /// How pictures become inputs.
    pub preprocessing: Preprocessing,
    /// How IDX pictures are laid out.
    pub idx_layout: IdxLayout,
    /// Where IDX and CSV labels start.
    pub label_base: LabelBase,
    /// Chooses the test pictures when the source has no test split.
    pub seed: u64,
}

/// What the import is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    /// Listing the source's files.
    Scanning,
    /// Reading CSV lines (`done`/`total` are bytes).
    Reading,
    /// Decoding and preparing pictures (`done`/`total` are pictures).
    Decoding,
    /// Writing the stored files (`done`/`total` are splits).
    Writing,
}

/// Progress of an import, sent often enough for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    /// What is being done.
    pub stage: ImportStage,
    /// Units done (see [`ImportStage`]).
    pub done: usize,
    /// Units in all (0 when not known yet).
    pub total: usize,
    /// The file last worked on, when there is one.
    pub current: Option<PathBuf>,
}

/// What an import made.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The stored data set, open.
    pub dataset: StoredDataset,
    /// Files left out, with the reason (also in the manifest).
    pub skipped: Vec<SkippedFile>,
    /// How the test split was made when the source had none.
    pub split_note: Option<String>,
}

/// What [`open_or_import`] did.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A stored data set, opened by name.
    Stored(StoredDataset),
    /// A folder imported before and unchanged since: its stored copy.
    Cached(StoredDataset),
    /// A folder imported now.
    Imported(ImportReport),
}

impl Resolved {
    /// The data set.
    #[must_use]
    pub fn dataset(&self) -> &StoredDataset {
        match self {
            Self::Stored(dataset) | Self::Cached(dataset) => dataset,
            Self::Imported(report) => &report.dataset,
        }
    }

    /// The data set, owned.
    #[must_use]
    pub fn into_dataset(self) -> StoredDataset {
        match self {
            Self::Stored(dataset) | Self::Cached(dataset) => dataset,
            Self::Imported(report) => report.dataset,
        }
    }
}

/// `--data DIR|NAME`: an existing file or folder is imported, unless the store already holds an
/// import of the same path with the same listing (then that one is opened: the one with the same
/// preprocessing if there is one, else the user's earlier choice); anything else is the name of a
/// stored data set.
///
/// # Errors
/// As [`import`], or [`crate::data::store::StoreError::NotFound`] for an unknown name.
pub fn open_or_import(
    dir_or_name: &str,
    store: &DatasetStore,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Resolved, ImportError> {
    let path = Path::new(dir_or_name);
    if !path.exists() {
        return Ok(Resolved::Stored(store.open(dir_or_name)?));
    }
    let source =
        path.canonicalize().map_err(|source| ImportError::Read { path: path.to_path_buf(), source })?;
    let listing = listing_fingerprint(&source)?;
    // An earlier import of the same, unchanged source: the one with these options, or else the
    // one the user made with options of their own (`data import --resize-only` before).
    let mut earlier = None;
    for summary in store.list()? {
        if summary.source.path == source && summary.source.listing_fingerprint == listing {
            let dataset = store.open_dir(&summary.dir)?;
            if dataset.manifest.preprocessing == options.preprocessing {
                return Ok(Resolved::Cached(dataset));
            }
            earlier.get_or_insert(dataset);
        }
    }
    match earlier {
        Some(dataset) => Ok(Resolved::Cached(dataset)),
        None => Ok(Resolved::Imported(import(&source, options, store, progress, cancel)?)),
    }
}

/// Imports `source` (a folder, a CSV file or an IDX images file) into `store`.
///
/// Progress is reported through `progress` on the calling thread; `cancel` is checked between
/// small chunks of work. Nothing is visible in the store until the import has succeeded.
///
/// # Errors
/// See [`ImportError`]: a source that is not a data set, one bad in a way that skipping a file
/// cannot fix, a name already taken, a cancel, or a store that cannot be written.
pub fn import(
    source: &Path,
    options: &ImportOptions,
    store: &DatasetStore,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportReport, ImportError> {
    let source = source
        .canonicalize()
        .map_err(|error| ImportError::Read { path: source.to_path_buf(), source: error })?;
    progress(ImportProgress {
        stage: ImportStage::Scanning,
        done: 0,
        total: 0,
        current: Some(source.clone()),
    });
    let listing = listing_fingerprint(&source)?;
    let name = match &options.name {
        Some(name) => {
            let name = check_name(name)?;
            store.check_free(&name)?;
            name
        }
        None => store.free_name(&default_name(&source))?,
    };
    let gathered = gather(&source, options, progress, cancel)?;
    if gathered.train.len() == 0 {
        return Err(ImportError::NoExamples { path: source });
    }
    let kind = gathered.kind;
    let Arranged { train, test, validation, split_note, classes, mut skipped } =
        arrange(gathered, options.seed);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let mut all = vec![&train, &test];
    all.extend(validation.as_ref());
    let manifest = DatasetManifest {
        format_version: MANIFEST_VERSION,
        name: name.clone(),
        classes,
        source: SourceInfo { path: source.clone(), kind, listing_fingerprint: listing },
        counts: SplitCounts {
            train: train.len(),
            test: test.len(),
            validation: validation.as_ref().map(super::Dataset::len),
        },
        preprocessing: options.preprocessing,
        fingerprint: fingerprint(&all),
        created: crate::files::now_rfc3339(),
        split_note: split_note.clone(),
        skipped: skipped.clone(),
    };
    let staging = Staging::new(store.root())?;
    let mut parts = vec![(StoredSplit::Train, &train), (StoredSplit::Test, &test)];
    parts.extend(validation.as_ref().map(|data| (StoredSplit::Validation, data)));
    for (done, (split, data)) in parts.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(ImportError::Cancelled);
        }
        let current = Some(staging.dir().join(split.images_file()));
        progress(ImportProgress { stage: ImportStage::Writing, done, total: parts.len(), current });
        staging.write_split(*split, data)?;
    }
    staging.write_manifest(&manifest)?;
    if cancel.load(Ordering::Relaxed) {
        return Err(ImportError::Cancelled);
    }
    let dir = store.dir_for(&name);
    staging.publish(&dir)?;
    let dataset = StoredDataset { dir, manifest, train, test, validation };
    Ok(ImportReport { dataset, skipped, split_note })
}

/// Recognises the format and reads the source.
fn gather(
    source: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<Gathered, ImportError> {
    if !source.is_dir() {
        if csv::is_csv(source) {
            return csv::gather(source, options, progress, cancel);
        }
        if idx_pair::is_idx_file(source) {
            return idx_pair::gather(source, options, progress, cancel);
        }
        let hint = "a file to import must be a CSV file or an IDX images file; pictures go in one folder \
                    per class"
            .to_owned();
        return Err(ImportError::UnknownFormat { path: source.to_path_buf(), hint });
    }
    let entries: Vec<walk::Entry> = walk::entries(source)?
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| !entry.is_hidden())
        .collect();
    if entries.is_empty() {
        return Err(ImportError::EmptyFolder { path: source.to_path_buf() });
    }
    if folders::looks_like_class_folders(&entries) {
        folders::gather(source, options, progress, cancel)
    } else if idx_pair::looks_like_idx(&entries) {
        idx_pair::gather(source, options, progress, cancel)
    } else if csv::looks_like_csv(&entries) {
        csv::gather(source, options, progress, cancel)
    } else {
        let hint = "it holds files but no class folders, IDX or CSV files; put each class's pictures in a \
                    folder named after the class (DIR/<class>/picture.png)"
            .to_owned();
        Err(ImportError::UnknownFormat { path: source.to_path_buf(), hint })
    }
}

/// The splits as data sets (the test split made when the source has none), and the rest.
struct Arranged {
    train: super::Dataset,
    test: super::Dataset,
    validation: Option<super::Dataset>,
    split_note: Option<String>,
    classes: ClassNames,
    skipped: Vec<SkippedFile>,
}

fn arrange(gathered: Gathered, seed: u64) -> Arranged {
    let (train, test, split_note) = match gathered.test {
        Some(test) => (gathered.train, test, None),
        None => {
            let (train, test, note) = split::stratified_split(&gathered.train, gathered.classes.len(), seed);
            (train, test, Some(note))
        }
    };
    Arranged {
        train: train.into_dataset(),
        test: test.into_dataset(),
        validation: gathered.validation.map(split::Examples::into_dataset),
        split_note,
        classes: gathered.classes,
        skipped: gathered.skipped,
    }
}

/// A name for the data set from its source: the folder's name, or the file's without the usual
/// IDX and CSV endings (`emnist-letters-train-images-idx3-ubyte.gz` → `emnist-letters`).
fn default_name(source: &Path) -> String {
    let file_name = source.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    if source.is_dir() {
        return if file_name.is_empty() { "data set".to_owned() } else { file_name };
    }
    let lower = file_name.to_ascii_lowercase();
    let cut = ["-train", "_train", "train-", "train_", "-images", "-labels", "-idx", ".csv", ".gz"]
        .iter()
        .filter_map(|marker| lower.find(marker))
        .min()
        .unwrap_or(file_name.len());
    let stem = file_name[..cut].trim_matches(['-', '_', '.', ' ']).to_owned();
    if stem.is_empty() {
        let parent =
            source.parent().and_then(Path::file_name).map(|name| name.to_string_lossy().into_owned());
        parent.unwrap_or_else(|| "data set".to_owned())
    } else {
        stem
    }
}

/// Checks a list of class names, naming `source` in the error.
fn class_names(source: &Path, names: Vec<String>) -> Result<ClassNames, ImportError> {
    match names.len() {
        0 | 1 => Err(ImportError::SingleClass {
            path: source.to_path_buf(),
            class: names.first().cloned().unwrap_or_default(),
        }),
        count if count > super::MAX_CLASSES => {
            Err(ImportError::TooManyClasses { path: source.to_path_buf(), count })
        }
        _ => ClassNames::new(names)
            .map_err(|error| ImportError::BadClassNames { path: source.to_path_buf(), source: error }),
    }
}

/// `classes.txt`: one class name per line, in label order (blank lines at the end ignored).
fn read_classes_txt(path: &Path) -> Result<Vec<String>, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ImportError::Read { path: path.to_path_buf(), source })?;
    let mut names: Vec<String> = text.lines().map(|line| line.trim().to_owned()).collect();
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    Ok(names)
}
