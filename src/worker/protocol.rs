//! The worker's protocol: `Command`s the UI sends, `Event`s the worker answers with. Plain data only:
//! no tensors, no egui types, so the UI can hold every event it receives.

use std::path::PathBuf;

use crate::data::{DownloadProgress, FashionClass, FashionMnist, IMAGE_PIXELS};
use crate::model::ModelSpec;

/// Where to load the data set from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataRequest {
    /// The usual discovery order (`--data-dir`, `ATELIER_DATA`, known folders), else the bundled sample.
    Discover {
        /// A folder given on the command line, tried first.
        data_dir: Option<PathBuf>,
    },
    /// Exactly this folder, with no fallback: a bad folder is an error the user sees.
    Folder(PathBuf),
    /// The small sample bundled with Atelier.
    Sample,
}

/// A request to the worker (imperative).
#[derive(Debug)]
pub enum Command {
    /// Load the Fashion-MNIST data and summarise it.
    LoadDataset(DataRequest),
    /// Download the full data set into the user data folder, then load it.
    DownloadDataset,
    /// Write a model spec as JSON.
    SaveSpec {
        /// The spec.
        spec: ModelSpec,
        /// Where to write it.
        path: PathBuf,
    },
    /// Read a model spec from JSON.
    LoadSpec {
        /// The file to read.
        path: PathBuf,
    },
    /// Stop the worker loop; the thread ends after the current job.
    Shutdown,
}

/// Which job an event or failure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Loading the data set.
    LoadDataset,
    /// Downloading the data set.
    DownloadDataset,
    /// Saving a model spec.
    SaveSpec,
    /// Opening a model spec.
    LoadSpec,
}

impl Job {
    /// What the worker is doing, for the status bar ("loading the data set").
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::LoadDataset => "loading the data set",
            Self::DownloadDataset => "downloading the data set",
            Self::SaveSpec => "saving the model spec",
            Self::LoadSpec => "opening a model spec",
        }
    }
}

/// Per-split facts the Dataset tab shows, computed on the worker so the UI never loops over 47 MB.
#[derive(Debug, Clone)]
pub struct SplitOverview {
    /// Examples per class, in label order.
    pub class_counts: [usize; FashionClass::COUNT],
    /// The mean image of each class (pixel averages rounded to `u8`), in label order.
    pub class_means: Vec<[u8; IMAGE_PIXELS]>,
    /// Positions of each class's examples in the split, in label order (for per-class pages).
    pub class_positions: Vec<Vec<u32>>,
}

/// A loaded data set with everything the UI draws from it.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// Both splits (pixels shared with the worker, not copied), their source and checksums.
    pub mnist: FashionMnist,
    /// Overview of the training split.
    pub train_overview: SplitOverview,
    /// Overview of the test split.
    pub test_overview: SplitOverview,
}

/// What the worker did (past tense).
#[derive(Debug, Clone)]
pub enum Event {
    /// A job started; the status bar shows it until it finishes or fails.
    JobStarted(Job),
    /// The data set is loaded.
    DatasetLoaded(Box<LoadedDataset>),
    /// A download made progress (throttled to ~20 a second).
    DownloadProgressed(DownloadProgress),
    /// The download finished into this folder; loading it follows.
    DownloadFinished {
        /// The folder now holding the four files.
        folder: PathBuf,
    },
    /// The spec was written.
    SpecSaved {
        /// Where.
        path: PathBuf,
    },
    /// A spec was read.
    SpecLoaded {
        /// From where.
        path: PathBuf,
        /// The spec (possibly invalid; the Model tab shows why).
        spec: ModelSpec,
    },
    /// The user cancelled the running job; nothing half-written was kept.
    Cancelled(Job),
    /// A job failed; `error` is the full message chain, ready to show.
    Failed {
        /// The job that failed.
        job: Job,
        /// What went wrong, for the user.
        error: String,
    },
}
