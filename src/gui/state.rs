//! Runtime state of the window (never persisted): what the data looks like now, what the worker is
//! doing, pending dialogs, per-tab view state.

use std::path::PathBuf;
use std::time::Instant;

use crate::data::DownloadProgress;
use crate::worker::{Job, LoadedDataset, ModelInfo, RunsListing};

use super::file_dialogs::PendingDialog;
use super::onnx_export::OnnxExportPanel;
use super::settings::DataChoice;
use super::tabs::dataset::DatasetView;
use super::tabs::evaluate::EvaluateView;
use super::tabs::model::ModelView;
use super::tabs::predict::PredictView;
use super::tabs::train::TrainView;

/// Where the data set stands.
pub enum DataState {
    /// The worker is loading it (the window shows a spinner).
    Loading {
        /// When the request was sent.
        since: Instant,
    },
    /// Loaded and summarised.
    Ready(Box<LoadedDataset>),
    /// Nothing usable was found: the first-run panel explains and offers a way out.
    Missing {
        /// The loader's message (where it looked, what was wrong).
        error: String,
    },
}

impl DataState {
    /// The loaded data set's class names; Fashion-MNIST's while nothing is loaded (what the presets
    /// and a restored model assume until the data arrives).
    #[must_use]
    pub fn class_names(&self) -> crate::data::ClassNames {
        match self {
            Self::Ready(data) => data.data.classes.clone(),
            Self::Loading { .. } | Self::Missing { .. } => crate::data::ClassNames::fashion_mnist(),
        }
    }
}

/// State of the first-run panel.
#[derive(Default)]
pub struct FirstRunState {
    /// The path text field (always offered, as the file chooser may be unavailable).
    pub folder_text: String,
    /// A folder chooser running on its background thread.
    pub picking: Option<PendingDialog>,
    /// A short hint after the chooser returned nothing.
    pub hint: Option<String>,
    /// The user dismissed the sample banner this session.
    pub sample_banner_closed: bool,
}

/// How a message in the status bar should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something finished.
    Info,
    /// Something failed.
    Error,
}

/// The last message for the user, shown in the status bar until replaced, or until the job it is
/// about runs again (a finished training's result is not shown while the next one trains).
pub struct Notice {
    /// Info or error.
    pub kind: NoticeKind,
    /// The text.
    pub text: String,
    /// The job whose outcome it reports, if any.
    pub job: Option<Job>,
}

/// Everything the UI keeps between frames that is not a setting.
pub struct AppState {
    /// The data set.
    pub data: DataState,
    /// The job the worker is running, if any.
    pub busy: Option<Job>,
    /// The running download's latest progress.
    pub download: Option<DownloadProgress>,
    /// The last message.
    pub notice: Option<Notice>,
    /// First-run panel state.
    pub first_run: FirstRunState,
    /// Dataset tab view state.
    pub dataset: DatasetView,
    /// Model tab view state.
    pub model: ModelView,
    /// The model the worker evaluates and predicts with (`None` until one is trained or opened).
    pub current_model: Option<ModelInfo>,
    /// Train tab state (live metrics, the form).
    pub train: TrainView,
    /// The run history as last listed: app state, as the Train tab lists it and Evaluate opens
    /// from it.
    pub runs: RunsListing,
    /// The run history has been listed at least once: before that, an empty `runs` means "not
    /// read yet", not "no runs".
    pub runs_listed: bool,
    /// Evaluate tab state.
    pub evaluate: EvaluateView,
    /// Predict tab state.
    pub predict: PredictView,
    /// The "Export as ONNX" row (Train and Evaluate tabs).
    pub onnx_export: OnnxExportPanel,
    /// Whether the F1 help window is open.
    pub show_help: bool,
    /// Pictures given on the command line, for the Predict tab.
    pub pending_images: Vec<PathBuf>,
    /// The data choice to remember once the requested load succeeds.
    pub pending_data_choice: Option<DataChoice>,
    /// Jobs that failed through a bug (a panic the worker caught) this session, with their
    /// message: the status bar shows each once; tests fail on any.
    pub internal_errors: Vec<(Job, String)>,
}

impl AppState {
    /// Fresh state while the first load is on its way.
    #[must_use]
    pub fn new(pending_images: Vec<PathBuf>) -> Self {
        Self {
            data: DataState::Loading { since: Instant::now() },
            busy: None,
            download: None,
            notice: None,
            first_run: FirstRunState::default(),
            dataset: DatasetView::default(),
            model: ModelView::default(),
            current_model: None,
            train: TrainView::default(),
            runs: RunsListing::default(),
            runs_listed: false,
            evaluate: EvaluateView::default(),
            predict: PredictView::default(),
            onnx_export: OnnxExportPanel::default(),
            show_help: false,
            pending_images,
            pending_data_choice: None,
            internal_errors: Vec::new(),
        }
    }

    /// Shows `text` in the status bar.
    pub fn inform(&mut self, kind: NoticeKind, text: impl Into<String>) {
        self.notice = Some(Notice { kind, text: text.into(), job: None });
    }

    /// Shows `text` about the outcome of `job` in the status bar, until that job runs again.
    pub fn inform_about(&mut self, job: Job, kind: NoticeKind, text: impl Into<String>) {
        self.notice = Some(Notice { kind, text: text.into(), job: Some(job) });
    }
}
