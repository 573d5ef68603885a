//! `ImportError`: why a folder or file cannot become a data set. Each variant names the file,
//! folder or line at fault and reads as one sentence a user can act on.

use std::path::PathBuf;

use crate::data::store::StoreError;
use crate::data::{ClassNamesError, DataError, MAX_CLASSES};

/// A failure to import a data set; nothing is left in the store when it happens.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source (or a file in it) cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The folder holds nothing at all.
    #[error("{} is empty: put one folder of pictures per class in it", path.display())]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },
    /// Neither class folders, IDX files nor CSV files.
    #[error("{} is not a data set Atelier can import: {hint}", path.display())]
    UnknownFormat {
        /// The folder or file.
        path: PathBuf,
        /// What was found and what is expected instead.
        hint: String,
    },
    /// A class folder without one readable picture.
    #[error("class folder {} has no readable picture ({reason})", path.display())]
    EmptyClass {
        /// The class folder.
        path: PathBuf,
        /// Why: no picture files, or the first picture's problem.
        reason: String,
    },
    /// Only one class: there is nothing to tell apart.
    #[error("{} has only one class (\"{class}\"); a classifier needs at least two", path.display())]
    SingleClass {
        /// The folder or file.
        path: PathBuf,
        /// The one class.
        class: String,
    },
    /// More classes than Atelier handles.
    #[error("{} has {count} classes; Atelier handles at most {MAX_CLASSES}", path.display())]
    TooManyClasses {
        /// The folder or file.
        path: PathBuf,
        /// How many classes it has.
        count: usize,
    },
    /// Class names that cannot be used (two the same, an empty one).
    #[error("{}: {source}", path.display())]
    BadClassNames {
        /// Where the names came from (a folder, `classes.txt`).
        path: PathBuf,
        /// What is wrong.
        source: ClassNamesError,
    },
    /// A folder reached again through a symbolic link, or a link that points at itself.
    #[error("{} is a symbolic link loop; remove the link or point it elsewhere", path.display())]
    SymlinkLoop {
        /// The link.
        path: PathBuf,
    },
    /// A class folder whose name is not valid UTF-8 (it would have no printable class name).
    #[error("the name of {} is not valid UTF-8; rename the folder", path.display())]
    NonUtf8Name {
        /// The folder, its name shown with replacement characters.
        path: PathBuf,
    },
    /// A CSV line with more or fewer cells than the others.
    #[error("{} line {line} has {found} columns, expected {expected} (a label and {} pixels)", path.display(), expected - 1)]
    CsvColumns {
        /// The CSV file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// Cells on that line.
        found: usize,
        /// Cells on the first data line.
        expected: usize,
    },
    /// A CSV cell that is not a whole number from 0 to 255.
    #[error("{} line {line} column {column}: \"{value}\" is not a whole number from 0 to 255", path.display())]
    CsvValue {
        /// The CSV file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// The column number, from 1.
        column: usize,
        /// The cell's text (shortened).
        value: String,
    },
    /// CSV pixels that do not make a square picture.
    #[error("{} line {line} has {pixels} pixels, which is not a square picture (784 = 28×28)", path.display())]
    CsvNotSquare {
        /// The CSV file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// Pixel cells on the line.
        pixels: usize,
    },
    /// A file of the source that holds no examples.
    #[error("{} holds no pictures", path.display())]
    NoExamples {
        /// The file or folder.
        path: PathBuf,
    },
    /// An IDX pair whose images and labels counts differ.
    #[error("{} has {labels} labels but {} has {images} images", labels_path.display(), images_path.display())]
    IdxCountMismatch {
        /// The images file.
        images_path: PathBuf,
        /// The labels file.
        labels_path: PathBuf,
        /// Images in it.
        images: usize,
        /// Labels in it.
        labels: usize,
    },
    /// An IDX images file without its labels file.
    #[error("{} has no labels file beside it (looked for {})", images_path.display(), expected.display())]
    IdxMissingLabels {
        /// The images file.
        images_path: PathBuf,
        /// The labels file looked for.
        expected: PathBuf,
    },
    /// Two IDX images files for the same split: which one is meant is unclear.
    #[error("{} holds several IDX training sets ({}); import one file, e.g. {}", dir.display(), files.join(", "), files[0])]
    IdxAmbiguous {
        /// The folder.
        dir: PathBuf,
        /// The images files found for one split.
        files: Vec<String>,
    },
    /// A damaged IDX file (the error names it).
    #[error(transparent)]
    Idx(#[from] DataError),
    /// A label outside the class list (or 0 with 1-based labels).
    #[error("{} has label {label} at entry {entry}, {reason}", path.display())]
    BadLabel {
        /// The labels or CSV file.
        path: PathBuf,
        /// The entry (from 1): a line for CSV, a position for IDX.
        entry: usize,
        /// The label found.
        label: usize,
        /// Why it does not fit ("but classes.txt names 10 classes").
        reason: String,
    },
    /// A split folder (`test/`, `val/`) without the training split.
    #[error("{} has split folders but no train/ folder", path.display())]
    NoTrainSplit {
        /// The folder.
        path: PathBuf,
    },
    /// The data set could not be stored (the name is taken, the disk is full, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The user cancelled; nothing was stored.
    #[error("import cancelled; nothing was stored")]
    Cancelled,
}
