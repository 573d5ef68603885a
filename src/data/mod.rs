//! Data sets: Fashion-MNIST (reading, finding, checking and downloading it) and the ones users bring,
//! their class names, and turning them into batches and network inputs.
//!
//! Start with [`load`] (discovery, then the bundled sample) or [`load_from`] (one chosen folder).

mod augmentation;
mod batches;
mod classes;
mod dataset;
mod download;
mod error;
mod export;
mod identity;
pub mod idx;
pub mod image_input;
mod image_steps;
pub mod import;
mod load;
mod release;
mod resample;
mod sample;
mod source;
pub mod store;

pub use augmentation::{Augmentation, MAX_SHIFT_PIXELS};
pub use batches::{
    Batch, SeedStream, SeededRng, Targets, derive_seed, seeded_rng, shuffled_positions, validation_split,
};
pub use classes::{ClassNames, ClassNamesError, FASHION_MNIST_NAMES, MAX_CLASSES, MIN_CLASSES, slug};
pub use dataset::{Dataset, IMAGE_PIXELS, IMAGE_SIDE, Split};
pub use download::{
    DownloadProgress, DownloadReport, FileOutcome, OFFICIAL_MIRROR, download, download_files,
};
pub use error::DataError;
pub use export::{
    class_folder_name, encode_png, export_class_folders, export_png, png_file_name, write_classes_txt,
};
pub use identity::{ClassMismatch, DatasetIdentity};
pub use idx::IdxKind;
pub use load::{
    FASHION_MNIST, LoadedData, load, load_discovered, load_from, pair_with_classes, read_release,
};
pub use release::{ChecksumMismatch, ChecksumStatus, ExpectedFile, official_files};
pub use sample::{
    SAMPLE_TEST_PER_CLASS, SAMPLE_TRAIN_PER_CLASS, SampleSummary, load_sample, make_sample,
    stratified_positions, write_atomically,
};
pub use source::{
    Candidate, DATA_ENV_VAR, DataSource, Finding, Looked, Origin, SYSTEM_DATA_DIR, WORKING_DIR_DATA,
    standard_candidates, user_data_dir,
};
