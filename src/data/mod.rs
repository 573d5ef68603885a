//! The Fashion-MNIST data: reading, finding, checking and downloading it, and turning it into
//! batches and network inputs.
//!
//! Start with [`load`] (discovery, then the bundled sample) or [`load_from`] (one chosen folder).

mod augmentation;
mod batches;
mod classes;
mod dataset;
mod download;
mod error;
mod export;
pub mod idx;
mod load;
mod release;
mod sample;
mod source;

pub use augmentation::{Augmentation, MAX_ROTATION_DEGREES, MAX_SHIFT_PIXELS, MAX_TONE_JITTER_PERCENT};
pub use batches::{Batch, SeedStream, Targets, derive_seed, shuffled_positions, validation_split};
pub use classes::FashionClass;
pub use dataset::{Dataset, IMAGE_PIXELS, IMAGE_SIDE, Split};
pub use download::{
    DownloadProgress, DownloadReport, FileOutcome, OFFICIAL_MIRROR, download, download_files,
};
pub use error::DataError;
pub use export::{encode_png, export_png, png_file_name};
pub use idx::IdxKind;
pub use load::{FashionMnist, load, load_discovered, load_from, read_release};
pub use release::{ChecksumMismatch, ChecksumStatus, ExpectedFile, official_files};
pub use sample::{
    SAMPLE_TEST_PER_CLASS, SAMPLE_TRAIN_PER_CLASS, SampleSummary, load_sample, make_sample,
    stratified_positions, write_atomically,
};
pub use source::{
    Candidate, DATA_ENV_VAR, DataSource, Finding, Looked, Origin, SYSTEM_DATA_DIR, WORKING_DIR_DATA,
    standard_candidates, user_data_dir,
};
