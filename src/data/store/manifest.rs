//! `dataset.json`: what a stored data set is (name, classes, counts), where it came from and how it
//! was made, read on its own so listing the store never touches the pictures.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::data::ClassNames;

/// The manifest format written by this version; a newer one is refused with a clear message.
pub const MANIFEST_VERSION: u32 = 1;

/// How pictures became 28×28 network inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Preprocessing {
    /// As Predict does it: grayscale, a light background inverted, the object cropped and centred.
    #[default]
    Full,
    /// Grayscale and resized only (for data already centred, like digits); 28×28 pictures come
    /// through unchanged.
    ResizeOnly,
}

impl Preprocessing {
    /// How the choice reads in reports.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Full => "full (grayscale, light background inverted, object cropped and centred)",
            Self::ResizeOnly => "resize only",
        }
    }
}

/// Which of the three import formats the data came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SourceKind {
    /// `DIR/<class>/*.png…`, optionally under `train/`, `test/`, `validation/`.
    ClassFolders,
    /// IDX image and label files, like MNIST.
    Idx,
    /// `label,pixel1,…` lines, as Kaggle ships Fashion-MNIST.
    Csv,
}

impl SourceKind {
    /// How the format reads in reports.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::ClassFolders => "class folders",
            Self::Idx => "IDX files",
            Self::Csv => "CSV",
        }
    }
}

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The folder or file imported (absolute when it could be made so).
    pub path: PathBuf,
    /// Its format.
    pub kind: SourceKind,
    /// `sha256:…` over the source's file listing (relative names, sizes, modification times): the
    /// same folder, unchanged, is not imported twice.
    pub listing_fingerprint: String,
}

/// Images per split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SplitCounts {
    /// Training images.
    pub train: usize,
    /// Test images.
    pub test: usize,
    /// Validation images, when the source had a validation split.
    pub validation: Option<usize>,
}

impl SplitCounts {
    /// All images together.
    #[must_use]
    pub fn total(&self) -> usize {
        self.train + self.test + self.validation.unwrap_or(0)
    }
}

/// A file the import left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why ("the picture cannot be decoded: …").
    pub reason: String,
}

/// The content of `dataset.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetManifest {
    /// [`MANIFEST_VERSION`] when written.
    pub format_version: u32,
    /// The name people see and type (`atelier train --data NAME`).
    pub name: String,
    /// The class names in label order.
    pub classes: ClassNames,
    /// Where the pictures came from.
    pub source: SourceInfo,
    /// Images per split.
    pub counts: SplitCounts,
    /// How pictures became inputs.
    pub preprocessing: Preprocessing,
    /// `sha256:…` over the stored splits' images and labels (train, test, then validation): what a
    /// model file records to name the data it learned from.
    pub fingerprint: String,
    /// When the import finished (RFC 3339, UTC).
    pub created: String,
    /// How the test split was made when the source had none (seeded, stratified).
    #[serde(default)]
    pub split_note: Option<String>,
    /// Files left out, with the reason.
    #[serde(default)]
    pub skipped: Vec<SkippedFile>,
}
