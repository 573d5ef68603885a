//! The larger plain-data payloads of the protocol: what a training, an evaluation, a prediction or
//! the run history hands back to the UI. No tensors: the worker keeps the network itself.

use std::path::PathBuf;
use std::sync::Arc;

use crate::data::DatasetIdentity;
use crate::evaluation::TestTimeAugmentation;
use crate::inference::{Evaluation, FirstConv, OcclusionMap, Prediction};
use crate::model::{ModelSpec, PresetId};
use crate::picture::{PrepOptions, PreparedInput, RgbaPixels};
use crate::runs::RunRecord;
use crate::training::{TrainConfig, TrainSummary};

/// What to train: the architecture, the settings, and the names to file the run under.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// The run's display name in the history.
    pub name: String,
    /// The preset the spec came from, if any (shown in the Runs panel).
    pub preset: Option<PresetId>,
    /// The architecture.
    pub spec: ModelSpec,
    /// The hyperparameters.
    pub config: TrainConfig,
    /// Threads to train with (`None`: all cores), like the command line's `--threads`.
    pub threads: Option<usize>,
}

/// Which stored run to continue, and to how many epochs in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueRequest {
    /// The stored run's id.
    pub run_id: String,
    /// The run's new total of epochs (above the epochs it has done); its schedule is planned
    /// over this total, so the same total as before finishes the original plan exactly.
    pub total_epochs: usize,
    /// Threads to train with (`None`: all cores).
    pub threads: Option<usize>,
}

/// Where the current model came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelOrigin {
    /// Trained in this session and stored in the run history under this id.
    Run {
        /// The run's id.
        id: String,
    },
    /// Trained in this session but not stored (the history could not be written).
    Unsaved,
    /// Opened from a model file.
    File(PathBuf),
    /// The small model bundled with Atelier, so Predict works before any training.
    Bundled,
}

/// The current model, as the UI shows it (the worker holds the network).
#[derive(Debug, Clone)]
pub struct ModelInfo {
    /// Display name ("cnn (run 2026-11-28 14:05)", a file name).
    pub name: String,
    /// The architecture.
    pub spec: ModelSpec,
    /// Trainable parameters.
    pub params: usize,
    /// Where it came from.
    pub origin: ModelOrigin,
    /// Its test accuracy, when known (from training or the file's report).
    pub test_accuracy: Option<f64>,
    /// The data set it learned from (name, class names, fingerprint).
    pub dataset: DatasetIdentity,
    /// The class names of its outputs, in output order.
    pub output_names: Vec<String>,
    /// The test-time augmentation its evaluation and predictions use.
    pub tta: TestTimeAugmentation,
    /// Whether `tta` was changed since the model was opened or last saved: the model file does
    /// not say it yet.
    pub tta_unsaved: bool,
}

impl ModelInfo {
    /// One line for the status bar: "cnn: 225,034 parameters, 90.6% test accuracy".
    #[must_use]
    pub fn summary(&self) -> String {
        let accuracy = self
            .test_accuracy
            .map(|accuracy| format!(", {:.1}% test accuracy", accuracy * 100.0))
            .unwrap_or_default();
        format!("{}: {} parameters{accuracy}", self.name, crate::files::thousands(self.params))
    }
}

/// How a training run ended, with the model it left behind.
#[derive(Debug, Clone)]
pub struct TrainingResult {
    /// Stop reason, curves, timings, test accuracy.
    pub summary: TrainSummary,
    /// The model the run left behind (after a divergence: the last good weights).
    pub model: ModelInfo,
    /// Whether that model became the current one: only a run that ran to its end (all epochs, or
    /// early-stopped on its best epoch) replaces the current model; a diverged or stopped run is
    /// kept in the history, marked, and can be opened from there.
    pub made_current: bool,
    /// The run as stored in the history, or why it could not be stored (the model stays current,
    /// so the user can still "Save as…").
    pub run: Result<RunRecord, String>,
}

/// An evaluation of the current model on the test split.
#[derive(Debug, Clone)]
pub struct EvaluationResult {
    /// The model evaluated.
    pub model: ModelInfo,
    /// Every prediction, and the images they index into (shared pixels, not copied).
    pub evaluation: Evaluation,
}

/// An occlusion map for one 28×28 picture.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The picture explained (784 bytes, light-on-dark); the UI matches it to its selection.
    pub image: Vec<u8>,
    /// Where covering the picture lowers the class's probability.
    pub map: OcclusionMap,
}

/// Pictures to prepare and predict.
#[derive(Debug, Clone, Default)]
pub struct PredictRequest {
    /// Image files, or folders (their pictures are taken, not recursively).
    pub paths: Vec<PathBuf>,
    /// Pictures that are not files on this machine (dropped from a browser, pasted, dragged from
    /// the Dataset tab); their outcomes follow those of `paths`.
    pub in_memory: Vec<InMemoryPicture>,
    /// Which preprocessing steps to apply.
    pub options: PrepOptions,
}

/// A picture handed over in memory, so the UI never writes a temporary file for it.
#[derive(Debug, Clone)]
pub struct InMemoryPicture {
    /// The name it is shown and reported under ([`PictureOutcome::path`]); no such file need exist.
    pub name: PathBuf,
    /// Its content.
    pub content: PictureContent,
}

/// What an in-memory picture holds. Shared (`Arc`), so re-predicting with other options copies
/// nothing.
#[derive(Debug, Clone)]
pub enum PictureContent {
    /// A whole image file (PNG, JPEG, …), decoded with the same limits as a file on disk.
    Encoded(Arc<[u8]>),
    /// Raw pixels, 4 bytes each (RGBA, not premultiplied), as the clipboard gives them.
    Rgba {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width × height × 4` bytes, row-major.
        pixels: Arc<[u8]>,
    },
    /// Raw gray pixels, 1 byte each (a Fashion-MNIST image is 28×28 of them).
    Gray {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width × height` bytes, row-major.
        pixels: Arc<[u8]>,
    },
}

/// One picture's preparation and prediction.
#[derive(Debug, Clone)]
pub struct PictureResult {
    /// The picture's size as decoded, in pixels (width, height).
    pub original_size: (u32, u32),
    /// The picture in colour, downscaled for display.
    pub preview: RgbaPixels,
    /// Every preprocessing step and the 28×28 input.
    pub prepared: PreparedInput,
    /// The current model's answer (`None` when there is no model yet).
    pub prediction: Option<Prediction>,
    /// For CNN models: the first convolution's filters and this picture's feature maps.
    pub first_conv: Option<FirstConv>,
}

/// One file of a prediction request: its result, or why it could not be read.
#[derive(Debug, Clone)]
pub struct PictureOutcome {
    /// The file.
    pub path: PathBuf,
    /// The result, or the one-line reason this file failed (the rest of the batch still runs).
    pub result: Result<PictureResult, String>,
}

/// The run history as read from disk.
#[derive(Debug, Clone, Default)]
pub struct RunsListing {
    /// Readable runs, newest first.
    pub runs: Vec<RunRecord>,
    /// One line per damaged entry that was skipped.
    pub warnings: Vec<String>,
}

/// A finished ONNX export: the file and how the independent runtime's outputs compared.
#[derive(Debug, Clone, PartialEq)]
pub struct OnnxExported {
    /// The model that was exported (its display name).
    pub model_name: String,
    /// The file, its size and the check's numbers.
    pub export: crate::model_file::onnx::OnnxExport,
    /// Where the check pictures came from ("the test split of …", "the bundled sample's test split").
    pub checked_on: String,
}
