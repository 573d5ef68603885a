//! `DataError`: everything that can go wrong finding, reading, checking or downloading the data.
//!
//! Every variant names the file (or folder, or URL) at fault, and its message reads as one line a
//! user understands, e.g. "labels file …/t10k-labels-idx1-ubyte.gz has 9999 entries, images file 10000".

use std::path::PathBuf;

/// A failure to find, read, check or download the Fashion-MNIST files.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read (missing, no permission, …).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file or folder could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file has no bytes at all.
    #[error("{} is empty (0 bytes)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A `.gz` file that does not start with the gzip signature.
    #[error("{} is not a gzip file ({what})", path.display())]
    NotGzip {
        /// The file.
        path: PathBuf,
        /// What it looks like instead ("it starts like a PNG image").
        what: String,
    },
    /// The gzip stream is damaged or ends early.
    #[error("{} is not valid gzip data: {reason}", path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decoder's explanation.
        reason: String,
    },
    /// The IDX header is shorter than it must be.
    #[error("{} is too short for an IDX header ({found} bytes, need {needed})", path.display())]
    ShortHeader {
        /// The file.
        path: PathBuf,
        /// Bytes in the (decompressed) file.
        found: usize,
        /// Bytes the header needs.
        needed: usize,
    },
    /// The magic number does not say "images" (2051) or "labels" (2049) as expected.
    #[error("{} has magic number {found}, expected {expected} for {kind} file", path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number in the file.
        found: u32,
        /// The magic number this kind of file has.
        expected: u32,
        /// "an images" or "a labels".
        kind: &'static str,
    },
    /// Images of a size the reader does not take (28×28 for Fashion-MNIST and stored data sets).
    #[error("{} holds {rows}×{cols} images, expected {expected}", path.display())]
    BadDimensions {
        /// The file.
        path: PathBuf,
        /// Rows per image in the header.
        rows: u32,
        /// Columns per image in the header.
        cols: u32,
        /// The sizes accepted ("28×28").
        expected: &'static str,
    },
    /// Fewer bytes than the header promises.
    #[error(
        "{} is truncated: its header promises {count} entries ({expected_bytes} bytes) but it has {found_bytes} bytes",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Entries the header promises.
        count: usize,
        /// Bytes those entries need (with the header).
        expected_bytes: usize,
        /// Bytes in the (decompressed) file.
        found_bytes: usize,
    },
    /// More bytes than the header promises.
    #[error(
        "{} has {extra_bytes} bytes after the {count} entries its header promises (padded or not an IDX file)",
        path.display()
    )]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Entries the header promises.
        count: usize,
        /// Bytes beyond them.
        extra_bytes: usize,
    },
    /// The labels and images files of one split disagree on the count.
    #[error("labels file {} has {labels} entries, images file {images}", labels_path.display())]
    CountMismatch {
        /// The labels file.
        labels_path: PathBuf,
        /// Entries in the labels file.
        labels: usize,
        /// Images in the images file.
        images: usize,
    },
    /// A label outside 0..=9.
    #[error("{} has label {label} at position {index}; labels must be 0..=9", path.display())]
    BadLabel {
        /// The labels file.
        path: PathBuf,
        /// Position of the first bad label.
        index: usize,
        /// Its value.
        label: u8,
    },
    /// The file parses, but is not the size of the Fashion-MNIST release.
    #[error(
        "{} has {found_bytes} bytes after decompression, Fashion-MNIST's has {expected_bytes}",
        path.display()
    )]
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Decompressed size of the official file.
        expected_bytes: u64,
        /// Decompressed size found.
        found_bytes: u64,
    },
    /// A folder chosen explicitly does not hold the four files.
    #[error("{} does not hold the Fashion-MNIST files (missing {})", dir.display(), missing.join(", "))]
    MissingFiles {
        /// The folder.
        dir: PathBuf,
        /// The missing file names (without `.gz`).
        missing: Vec<String>,
    },
    /// The bundled sample is damaged (a build problem, not the user's).
    #[error("the bundled sample is damaged ({0}); rebuild with `atelier data make-sample`")]
    BrokenSample(Box<DataError>),
    /// An HTTP request failed (no connection, an error status, …).
    #[error("download of {url} failed: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The connection ended before the whole file arrived.
    #[error("download of {url} stopped after {received_bytes} of {expected_bytes} bytes")]
    ConnectionLost {
        /// The URL.
        url: String,
        /// Bytes received.
        received_bytes: u64,
        /// Bytes announced by the server.
        expected_bytes: u64,
    },
    /// A downloaded file does not match the expected content.
    #[error("downloaded {file} does not match Fashion-MNIST (SHA-256 {found}, expected {expected})")]
    DownloadMismatch {
        /// The file name.
        file: String,
        /// SHA-256 of the decompressed content received.
        found: String,
        /// SHA-256 expected.
        expected: String,
    },
    /// The user cancelled a download.
    #[error("download cancelled")]
    Cancelled,
    /// No user data folder could be found (no home directory).
    #[error("no user data folder on this system; pass a folder with --to")]
    NoUserDataDir,
}
