//! Data-set jobs on the worker: list, import (with progress and cancel), rename and delete the data
//! sets the user imported, and open one as the loaded data set.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::JobError;
use crate::data::LoadedData;
use crate::data::import::{self, ImportError, ImportOptions, ImportProgress};
use crate::data::store::{DatasetStore, SkippedFile, SplitCounts, StoredSummary};

/// Import progress at most this often: enough for a moving bar, few enough frames.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// What an import did, for the UI: the data set's name, its counts, the note on how the test split
/// was made and every file that was skipped, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The stored data set's name.
    pub name: String,
    /// Its class count.
    pub class_count: usize,
    /// Pictures per split.
    pub counts: SplitCounts,
    /// How the test split was made, when the source had none.
    pub split_note: Option<String>,
    /// Pictures left out, with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// How an import ended.
pub(super) enum ImportOutcome {
    /// Stored, and opened as the loaded data set.
    Imported(Box<ImportSummary>, Box<LoadedData>),
    /// The user cancelled; nothing was stored.
    Cancelled,
}

/// The store, or the reason there is none.
pub(super) fn store(store: Option<&DatasetStore>) -> Result<&DatasetStore, JobError> {
    store.ok_or(JobError::NoStore("imported data sets"))
}

/// Every stored data set.
pub(super) fn list(store: &DatasetStore) -> Result<Vec<StoredSummary>, JobError> {
    store.list().map_err(JobError::from)
}

/// Opens a stored data set by name.
pub(super) fn open(store: &DatasetStore, name: &str) -> Result<LoadedData, JobError> {
    let started = Instant::now();
    let mut data = LoadedData::from(store.open(name).map_err(JobError::from)?);
    data.load_secs = started.elapsed().as_secs_f64();
    Ok(data)
}

/// Imports `source` into `store`, reporting progress (throttled) through `progress`; a cancel leaves
/// nothing behind.
pub(super) fn import_source(
    store: &DatasetStore,
    source: &Path,
    options: &ImportOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&ImportProgress),
) -> Result<ImportOutcome, JobError> {
    let mut last_sent: Option<Instant> = None;
    let mut on_progress = |step: ImportProgress| {
        let finished = step.total > 0 && step.done == step.total;
        if finished || last_sent.is_none_or(|sent| sent.elapsed() >= PROGRESS_INTERVAL) {
            last_sent = Some(Instant::now());
            progress(&step);
        }
    };
    match import::import(source, options, store, &mut on_progress, cancel) {
        Ok(report) => {
            let manifest = &report.dataset.manifest;
            let summary = ImportSummary {
                name: manifest.name.clone(),
                class_count: manifest.classes.len(),
                counts: manifest.counts,
                split_note: report.split_note.clone(),
                skipped: report.skipped.clone(),
            };
            Ok(ImportOutcome::Imported(Box::new(summary), Box::new(LoadedData::from(report.dataset))))
        }
        Err(ImportError::Cancelled) => Ok(ImportOutcome::Cancelled),
        Err(error) => Err(error.into()),
    }
}
