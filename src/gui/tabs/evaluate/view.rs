//! The Evaluate tab's state: the last evaluation with what is computed from it once, and what the
//! user has open (page, cell, filter, picture, export).

use std::path::PathBuf;

use crate::evaluation::{ClassificationReport, Example, TestTimeAugmentation};
use crate::worker::{EvaluationResult, Explanation, ModelOrigin};

use super::super::super::file_dialogs::{DialogKind, PendingDialog};
use super::super::super::widgets::confusion_matrix::{Cell, MatrixValues};
use super::super::super::widgets::pixels::TextureCache;
use super::super::super::widgets::report_table::ReportSort;

/// The pages of the tab once an evaluation is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    /// The confusion matrix and the gallery of the clicked cell.
    #[default]
    Matrix,
    /// The classification report and the per-class accuracy chart.
    Report,
    /// The most confident wrong predictions.
    Mistakes,
}

/// What the tab shows of an evaluation, computed once when it arrives (never per frame).
#[derive(Debug, Clone)]
pub struct EvaluationSummary {
    /// Per-class metrics, averages, and the confusion matrix they come from.
    pub report: ClassificationReport,
    /// Every wrong prediction, the most confident first.
    pub mistakes: Vec<Example>,
}

/// The open gallery: one confusion cell and exactly its examples.
#[derive(Debug, Clone)]
pub struct Gallery {
    /// The clicked cell.
    pub cell: Cell,
    /// Its examples, the most confident first.
    pub examples: Vec<Example>,
}

/// Which mistakes the Mistakes page lists (`None`: any class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MistakeFilter {
    /// Only mistakes whose true class is this.
    pub true_class: Option<usize>,
    /// Only mistakes predicted as this.
    pub predicted_class: Option<usize>,
}

impl MistakeFilter {
    /// Whether `example` passes.
    #[must_use]
    pub fn keeps(&self, example: &Example) -> bool {
        self.true_class.is_none_or(|class| example.true_class == class)
            && self.predicted_class.is_none_or(|class| example.predicted_class == class)
    }
}

/// The picture open in the large view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inspected {
    /// The example (its index is a position in the evaluated dataset).
    pub example: Example,
    /// The output whose occlusion map is shown (the true class at first).
    pub map_class: usize,
}

/// Runtime state of the Evaluate tab (not persisted).
pub struct EvaluateView {
    /// `(done, total)` while an evaluation runs.
    pub progress: Option<(usize, usize)>,
    /// The test-time augmentation of the evaluation in flight (the checkbox shows it meanwhile).
    pub requested_tta: Option<TestTimeAugmentation>,
    /// The "Save model as" field shown while the model's TTA choice is not in a file.
    pub tta_save_path: String,
    /// The last evaluation.
    pub result: Option<Box<EvaluationResult>>,
    /// Report and mistakes of `result`.
    pub summary: Option<EvaluationSummary>,
    /// The last occlusion map.
    pub explanation: Option<Box<Explanation>>,
    /// The last evaluation failure.
    pub error: Option<String>,
    /// The last occlusion-map failure.
    pub explain_error: Option<String>,
    /// The page shown.
    pub section: Section,
    /// Counts or row shares in the matrix.
    pub values: MatrixValues,
    /// The clicked cell's images.
    pub gallery: Option<Gallery>,
    /// Order of the report's class rows.
    pub sort: ReportSort,
    /// The Mistakes page's filter.
    pub mistake_filter: MistakeFilter,
    /// The picture in the large view.
    pub inspected: Option<Inspected>,
    /// The image and class of the last occlusion map asked for, so it is asked for once.
    pub explain_requested: Option<(usize, usize)>,
    /// How strongly the occlusion map covers its picture (0..=1).
    pub overlay_opacity: f32,
    /// The model file path field (always offered; the chooser may be unavailable).
    pub model_path: String,
    /// The report folder path field.
    pub report_folder: String,
    /// Whether the "open another model" panel is shown.
    pub show_open: bool,
    /// Whether the export panel is shown.
    pub show_export: bool,
    /// The last export: its folder and files.
    pub exported: Option<(PathBuf, Vec<PathBuf>)>,
    /// A chooser running in the background, and what it is for.
    pub dialog: Option<(DialogKind, PendingDialog)>,
    /// Evaluate as soon as the model from this origin is current (after "Open and evaluate").
    pub evaluate_when_current: Option<ModelOrigin>,
    /// Textures of the pictures on screen (dropped with each new evaluation).
    pub textures: TextureCache,
    /// The occlusion map as a texture, made once per map.
    pub heat_texture: Option<egui::TextureHandle>,
}

impl Default for EvaluateView {
    fn default() -> Self {
        Self {
            progress: None,
            requested_tta: None,
            tta_save_path: String::new(),
            result: None,
            summary: None,
            explanation: None,
            error: None,
            explain_error: None,
            section: Section::default(),
            values: MatrixValues::default(),
            gallery: None,
            sort: ReportSort::default(),
            mistake_filter: MistakeFilter::default(),
            inspected: None,
            explain_requested: None,
            overlay_opacity: 0.65,
            model_path: String::new(),
            report_folder: String::new(),
            show_open: false,
            show_export: false,
            exported: None,
            dialog: None,
            evaluate_when_current: None,
            textures: TextureCache::default(),
            heat_texture: None,
        }
    }
}

impl EvaluateView {
    /// Evaluation progress.
    pub fn on_progress(&mut self, done: usize, total: usize) {
        self.progress = Some((done, total));
    }

    /// An evaluation finished: its report and mistakes are computed here, once.
    pub fn on_finished(&mut self, result: Box<EvaluationResult>) {
        self.progress = None;
        self.requested_tta = None;
        self.error = None;
        self.explanation = None;
        self.explain_error = None;
        self.heat_texture = None;
        self.gallery = None;
        self.inspected = None;
        self.explain_requested = None;
        self.exported = None;
        self.textures.clear();
        let predictions = &result.evaluation.predictions;
        self.summary =
            Some(EvaluationSummary { report: predictions.report(), mistakes: predictions.mistakes() });
        self.result = Some(result);
    }

    /// An occlusion map arrived.
    pub fn on_explained(&mut self, explanation: Box<Explanation>) {
        self.explain_error = None;
        self.heat_texture = None;
        self.explanation = Some(explanation);
    }

    /// The occlusion map could not be computed.
    pub fn on_explain_failed(&mut self, error: String) {
        self.explain_error = Some(error);
    }

    /// The evaluation failed.
    pub fn on_failed(&mut self, error: String) {
        self.progress = None;
        self.requested_tta = None;
        self.error = Some(error);
    }

    /// The report files were written.
    pub fn on_exported(&mut self, folder: PathBuf, files: Vec<PathBuf>) {
        self.exported = Some((folder, files));
    }

    /// Opens the gallery of `cell`: exactly the examples the matrix counts there.
    pub fn open_cell(&mut self, cell: Cell) {
        let Some(result) = &self.result else { return };
        let examples = result.evaluation.predictions.cell(cell.true_class, cell.predicted_class);
        self.gallery = Some(Gallery { cell, examples });
    }
}
