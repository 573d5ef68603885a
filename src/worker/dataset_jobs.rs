//! Data-set jobs on the worker: loading (with the per-class overview the Dataset tab draws) and
//! downloading. The only worker file that talks to `crate::data`.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::data::{self, DataError, Dataset, DownloadProgress, IMAGE_PIXELS, LoadedData};

use super::{DataRequest, JobError, LoadedDataset, SplitOverview};
use crate::data::store::DatasetStore;

/// How a download ended when it did not fail.
pub(super) enum DownloadOutcome {
    /// All files are in this folder.
    Finished(std::path::PathBuf),
    /// The user cancelled; partial files were removed.
    Cancelled,
}

/// Progress events at most this often (the UI repaints on each).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(50);

/// Loads the data set as requested and summarises both splits.
pub(super) fn load(request: &DataRequest, store: Option<&DatasetStore>) -> Result<LoadedDataset, JobError> {
    let loaded: Result<LoadedData, DataError> = match request {
        DataRequest::Discover { data_dir } => data::load(data_dir.as_deref()),
        // A stored data set's own folder (`atelier --data-dir ~/.local/share/atelier/datasets/shoes`)
        // opens as that data set.
        DataRequest::Folder(dir) if dir.join(crate::data::store::MANIFEST_FILE).is_file() => {
            let store = DatasetStore::new(dir.parent().unwrap_or(dir));
            let stored = store.open_dir(dir).map_err(JobError::from)?;
            return Ok(summarise(LoadedData::from(stored)));
        }
        DataRequest::Folder(dir) => data::load_from(dir),
        DataRequest::Sample => data::load_sample(),
        DataRequest::Stored(name) => {
            let store = super::dataset_store_jobs::store(store)?;
            return super::dataset_store_jobs::open(store, name).map(summarise);
        }
    };
    loaded.map(summarise).map_err(JobError::from)
}

/// A loaded data set with the overviews the Dataset tab draws.
pub(super) fn summarise(data: LoadedData) -> LoadedDataset {
    let classes = data.classes.len();
    LoadedDataset {
        train_overview: overview(&data.train, classes),
        test_overview: overview(&data.test, classes),
        data,
    }
}

/// Downloads the full set into the user data folder, sending throttled progress through `progress`
/// (which answers `false` once the UI has gone); checks `cancel` as it goes.
pub(super) fn download(
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&DownloadProgress) -> bool,
) -> Result<DownloadOutcome, JobError> {
    let to = data::user_data_dir().ok_or(DataError::NoUserDataDir)?;
    let mut last_sent: Option<Instant> = None;
    let mut on_progress = |step: &DownloadProgress| {
        let finished_file = step.total_bytes == Some(step.received_bytes);
        if finished_file || last_sent.is_none_or(|sent| sent.elapsed() >= PROGRESS_INTERVAL) {
            last_sent = Some(Instant::now());
            let _ = progress(step);
        }
    };
    match data::download(&to, data::OFFICIAL_MIRROR, &mut on_progress, cancel) {
        Ok(report) => Ok(DownloadOutcome::Finished(report.dir)),
        Err(DataError::Cancelled) => Ok(DownloadOutcome::Cancelled),
        Err(error) => Err(error.into()),
    }
}

/// Class counts, positions and the mean image of each of `class_count` classes.
#[must_use]
pub fn overview(data: &Dataset, class_count: usize) -> SplitOverview {
    let mut sums = vec![[0_u32; IMAGE_PIXELS]; class_count];
    let mut class_counts = vec![0_usize; class_count];
    let mut class_positions = vec![Vec::new(); class_count];
    for i in 0..data.len() {
        let class = usize::from(data.label(i));
        if class >= class_count {
            continue;
        }
        class_counts[class] += 1;
        class_positions[class].push(u32::try_from(i).unwrap_or(u32::MAX));
        for (sum, &pixel) in sums[class].iter_mut().zip(data.image(i)) {
            *sum += u32::from(pixel);
        }
    }
    let class_means = sums
        .iter()
        .zip(&class_counts)
        .map(|(sum, count)| {
            let count = u32::try_from((*count).max(1)).unwrap_or(u32::MAX);
            let mut mean = [0_u8; IMAGE_PIXELS];
            for (out, &total) in mean.iter_mut().zip(sum) {
                *out = u8::try_from((total + count / 2) / count).unwrap_or(u8::MAX);
            }
            mean
        })
        .collect();
    SplitOverview { class_counts, class_means, class_positions }
}
