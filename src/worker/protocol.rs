//! The worker's protocol: `Command`s the UI sends, `Event`s the worker answers with. Plain data only:
//! no tensors, no egui types, so the UI can hold every event it receives.

use std::path::PathBuf;

use super::JobError;
use super::dataset_store_jobs::ImportSummary;
use super::payloads::{
    ContinueRequest, EvaluationResult, Explanation, ModelInfo, OnnxExported, PictureOutcome, PredictRequest,
    RunsListing, TrainRequest, TrainingResult,
};
use crate::data::import::{ImportOptions, ImportProgress, PreviewPicture};
use crate::data::store::{Preprocessing, StoredSummary};
use crate::data::{DownloadProgress, IMAGE_PIXELS, LoadedData};
use crate::evaluation::{ClassificationReport, TestTimeAugmentation};
use crate::model::ModelSpec;
use crate::training::{BatchMetrics, EpochMetrics, TrainingStarted};

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
    /// A data set the user imported, by name.
    Stored(String),
}

/// A request to the worker (imperative).
#[derive(Debug)]
pub enum Command {
    /// Load the Fashion-MNIST data and summarise it.
    LoadDataset(DataRequest),
    /// Download the full data set into the user data folder, then load it.
    DownloadDataset,
    /// List the imported data sets.
    ListDatasets,
    /// Import pictures (class folders, an IDX pair or a CSV file) as a new data set, then load it.
    /// Cancel stops it and leaves nothing behind.
    ImportDataset {
        /// The folder or file to import.
        source: PathBuf,
        /// Name, preprocessing and format options.
        options: ImportOptions,
    },
    /// Show what the network will see of a source before it is imported: a few of its pictures,
    /// prepared as `preprocessing` says.
    PreviewImport {
        /// The folder or file to import.
        source: PathBuf,
        /// The preparation chosen.
        preprocessing: Preprocessing,
    },
    /// Rename an imported data set (the list is sent again afterwards).
    RenameDataset {
        /// Its current name.
        name: String,
        /// Its new name.
        new_name: String,
    },
    /// Delete an imported data set (the list is sent again afterwards).
    DeleteDataset {
        /// Its name.
        name: String,
    },
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
    /// Train on the loaded data set; the result becomes the current model and a stored run.
    Train(Box<TrainRequest>),
    /// Continue a stored run from its resume state; the result is a new stored run.
    ContinueRun(ContinueRequest),
    /// Evaluate the current model on the test split with `tta`, which on success becomes the
    /// current model's setting (Predict follows it, and saving the model writes it).
    Evaluate {
        /// Flip averaging or not.
        tta: TestTimeAugmentation,
    },
    /// Compute an occlusion map of one 28×28 picture (784 bytes) for output `class_index`.
    Explain {
        /// The picture, light-on-dark.
        image: Vec<u8>,
        /// The output whose probability is watched.
        class_index: usize,
    },
    /// Prepare pictures from files and predict them with the current model.
    Predict(PredictRequest),
    /// Write an evaluation's report into a folder: `report.csv`, `report.json`, `confusion.csv`
    /// and `confusion.png` (the files `atelier evaluate --report-dir` writes).
    ExportReport {
        /// The report to write (it carries its confusion matrix).
        report: Box<ClassificationReport>,
        /// The folder to write into (created if missing).
        folder: PathBuf,
    },
    /// Export the current model as ONNX, checked against Atelier on test pictures (the loaded data
    /// set's test split, else the bundled sample's) before the file is written.
    ExportOnnx {
        /// Where to write the `.onnx` file.
        path: PathBuf,
    },
    /// Write the current model to a `.safetensors` file.
    SaveModel {
        /// Where to write it.
        path: PathBuf,
    },
    /// Open a model file as the current model.
    LoadModel {
        /// The file to read.
        path: PathBuf,
    },
    /// Make a stored run's model the current model.
    OpenRun {
        /// The run's id.
        id: String,
    },
    /// Read the run history.
    ListRuns,
    /// Rename a stored run (the history is listed again afterwards).
    RenameRun {
        /// The run's id.
        id: String,
        /// Its new display name.
        name: String,
    },
    /// Delete a stored run and its model file (the history is listed again afterwards).
    DeleteRun {
        /// The run's id.
        id: String,
    },
    /// Panic inside the worker, to test that a crashed job is reported and the worker survives.
    Crash,
    /// Stop the worker loop; the thread ends after the current job.
    Shutdown,
}

impl Command {
    /// The job this command starts (`None` for `Shutdown`).
    #[must_use]
    pub fn job(&self) -> Option<Job> {
        Some(match self {
            Self::LoadDataset(_) => Job::LoadDataset,
            Self::DownloadDataset => Job::DownloadDataset,
            Self::ListDatasets | Self::RenameDataset { .. } | Self::DeleteDataset { .. } => Job::Datasets,
            Self::ImportDataset { .. } => Job::ImportDataset,
            Self::PreviewImport { .. } => Job::PreviewImport,
            Self::SaveSpec { .. } => Job::SaveSpec,
            Self::LoadSpec { .. } => Job::LoadSpec,
            Self::Train(_) | Self::ContinueRun(_) => Job::Train,
            Self::Evaluate { .. } => Job::Evaluate,
            Self::Explain { .. } => Job::Explain,
            Self::Predict(_) => Job::Predict,
            Self::ExportReport { .. } => Job::ExportReport,
            Self::SaveModel { .. } => Job::SaveModel,
            Self::ExportOnnx { .. } => Job::ExportOnnx,
            Self::LoadModel { .. } | Self::OpenRun { .. } => Job::LoadModel,
            Self::ListRuns | Self::RenameRun { .. } | Self::DeleteRun { .. } => Job::Runs,
            Self::Crash => Job::SelfTest,
            Self::Shutdown => return None,
        })
    }
}

/// Which job an event or failure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Loading the data set.
    LoadDataset,
    /// Downloading the data set.
    DownloadDataset,
    /// Listing, renaming or deleting imported data sets.
    Datasets,
    /// Importing a data set.
    ImportDataset,
    /// Preparing a few pictures of a source to show before its import.
    PreviewImport,
    /// Saving a model spec.
    SaveSpec,
    /// Opening a model spec.
    LoadSpec,
    /// Training a network.
    Train,
    /// Evaluating the current model.
    Evaluate,
    /// Computing an occlusion map.
    Explain,
    /// Predicting pictures.
    Predict,
    /// Writing an evaluation's report files.
    ExportReport,
    /// Saving the current model.
    SaveModel,
    /// Exporting the current model as ONNX (with its check).
    ExportOnnx,
    /// Opening a model file or a stored run.
    LoadModel,
    /// Reading or changing the run history.
    Runs,
    /// The worker's self-test (a deliberate crash, in tests).
    SelfTest,
}

impl Job {
    /// What the worker is doing, for the status bar ("loading the data set").
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::LoadDataset => "loading the data set",
            Self::DownloadDataset => "downloading the data set",
            Self::Datasets => "updating the data set list",
            Self::ImportDataset => "importing a data set",
            Self::PreviewImport => "looking at the pictures to import",
            Self::SaveSpec => "saving the model spec",
            Self::LoadSpec => "opening a model spec",
            Self::Train => "training",
            Self::Evaluate => "evaluating the model",
            Self::Explain => "computing the occlusion map",
            Self::Predict => "predicting pictures",
            Self::ExportReport => "exporting the report",
            Self::SaveModel => "saving the model",
            Self::ExportOnnx => "exporting the model as ONNX",
            Self::LoadModel => "opening the model",
            Self::Runs => "updating the run history",
            Self::SelfTest => "running the self-test",
        }
    }
}

/// Per-split facts the Dataset tab shows, computed on the worker so the UI never loops over 47 MB.
#[derive(Debug, Clone)]
pub struct SplitOverview {
    /// Examples per class, in label order.
    pub class_counts: Vec<usize>,
    /// The mean image of each class (pixel averages rounded to `u8`), in label order.
    pub class_means: Vec<[u8; IMAGE_PIXELS]>,
    /// Positions of each class's examples in the split, in label order (for per-class pages).
    pub class_positions: Vec<Vec<u32>>,
}

/// A loaded data set with everything the UI draws from it.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// Both splits (pixels shared with the worker, not copied), their source and checksums.
    pub data: LoadedData,
    /// Overview of the training split.
    pub train_overview: SplitOverview,
    /// Overview of the test split.
    pub test_overview: SplitOverview,
}

/// What the worker did (past tense). Not `Clone`: a failure carries its error, causes and all.
#[derive(Debug)]
pub enum Event {
    /// A job started; the status bar shows it until it finishes or fails.
    JobStarted(Job),
    /// The data set is loaded.
    DatasetLoaded(Box<LoadedDataset>),
    /// The imported data sets, by name (after a list, import, rename or delete).
    DatasetsListed(Vec<StoredSummary>),
    /// A few pictures of a source, as they are and as the network will see them.
    ImportPreviewed {
        /// The source they come from.
        source: PathBuf,
        /// The preparation they went through.
        preprocessing: Preprocessing,
        /// One per class folder shown (none for IDX and CSV sources).
        pictures: Vec<PreviewPicture>,
    },
    /// An import made progress (throttled to ~10 a second).
    ImportProgressed(ImportProgress),
    /// An import finished: what was stored, the split note and the skipped files. The data set is
    /// loaded next (`DatasetLoaded`).
    DatasetImported(Box<ImportSummary>),
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
    /// Training began (sizes of the splits, batches per epoch).
    TrainingStarted(TrainingStarted),
    /// A training step finished (throttled to ~5 a second, and dropped rather than blocking
    /// when the UI is not draining events, e.g. while the window is minimised).
    BatchFinished(BatchMetrics),
    /// A training epoch finished, validation included.
    EpochFinished(EpochMetrics),
    /// Training ended (completed, stopped, early-stopped or diverged: see the summary's reason);
    /// `made_current` says whether its model replaced the current model.
    TrainingFinished(Box<TrainingResult>),
    /// Evaluation progress: `done` of `total` test images predicted.
    EvaluationProgressed {
        /// Images predicted so far.
        done: usize,
        /// Images to predict.
        total: usize,
    },
    /// The current model was evaluated on the test split.
    EvaluationFinished(Box<EvaluationResult>),
    /// An occlusion map is ready.
    Explained(Box<Explanation>),
    /// Some pictures of a prediction job are done (a big folder reports as it goes); the job's
    /// last outcomes come with [`Event::PicturesPredicted`], or it ends with `Cancelled`.
    PicturesProgressed {
        /// The outcomes finished since the last report.
        outcomes: Vec<PictureOutcome>,
        /// Pictures done so far.
        done: usize,
        /// Pictures in the job, folders expanded.
        total: usize,
    },
    /// Pictures were prepared and predicted, one outcome per file (failures included), but for
    /// those already handed out by [`Event::PicturesProgressed`].
    PicturesPredicted(Vec<PictureOutcome>),
    /// An evaluation's report files were written.
    ReportExported {
        /// The folder written into.
        folder: PathBuf,
        /// The files written, in order.
        files: Vec<PathBuf>,
    },
    /// The current model was written.
    ModelSaved {
        /// Where.
        path: PathBuf,
    },
    /// The current model was exported as ONNX and the file checked out.
    OnnxExported(Box<OnnxExported>),
    /// A model became the current model (opened from a file or a run, or the bundled one).
    ModelLoaded(Box<ModelInfo>),
    /// The current model's run was deleted: there is no current model any more.
    ModelCleared {
        /// The name the model had.
        name: String,
    },
    /// The run history as now on disk.
    RunsListed(RunsListing),
    /// The user cancelled the running job; nothing half-written was kept.
    Cancelled(Job),
    /// A job failed; `error` keeps its type and causes, and reads as a sentence for the user.
    Failed {
        /// The job that failed.
        job: Job,
        /// What went wrong.
        error: JobError,
    },
}
