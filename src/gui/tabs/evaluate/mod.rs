//! The Evaluate tab: evaluate the current model on the test set (on the worker), then read where it
//! goes wrong: a confusion matrix you can click, the classification report, the most confident
//! mistakes, and the occlusion map of a selected picture. The report exports through the worker.

mod export;
mod gallery;
mod inspect;
mod matrix_page;
mod mistakes_page;
mod model_picker;
mod report_page;

use std::path::PathBuf;

use crate::data::thousands;
use crate::evaluation::{ClassificationReport, Example};
use crate::worker::{Command, EvaluationResult, Explanation, Job, ModelInfo, ModelOrigin};

use super::super::app::Ctx;
use super::super::file_dialogs::{DialogKind, PendingDialog};
use super::super::state::DataState;
use super::super::widgets::confusion_matrix::{Cell, MatrixValues};
use super::super::widgets::pixels::TextureCache;
use super::super::widgets::report_table::ReportSort;

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

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    model_picker::poll_dialog(ui, cx);
    evaluate_when_loaded(cx);
    match &cx.state.data {
        DataState::Loading { .. } => {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() * 0.35);
                ui.spinner();
                ui.label("Loading Fashion-MNIST…");
            });
            return;
        }
        DataState::Missing { .. } => {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() * 0.3);
                ui.heading("No data set");
                ui.label("Evaluation needs the test images: choose the data on the Dataset tab first.");
            });
            return;
        }
        DataState::Ready(_) => {}
    }
    let Some(model) = cx.state.current_model.clone() else {
        model_picker::no_model_ui(ui, cx);
        return;
    };
    header_ui(ui, cx, &model);
    if cx.state.evaluate.show_open {
        egui::Frame::group(ui.style()).inner_margin(8.0).show(ui, |ui| model_picker::open_model_ui(ui, cx));
    }
    if let Some(error) = &cx.state.evaluate.error {
        ui.colored_label(ui.visuals().error_fg_color, format!("The last evaluation failed: {error}"));
    }
    ui.separator();
    if cx.state.evaluate.result.is_none() {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label("Press Evaluate to run the model over every test image.");
            ui.weak(
                "You will get the confusion matrix, the per-class report and the model's worst mistakes.",
            );
        });
        return;
    }
    sections_ui(ui, cx);
    if cx.state.evaluate.show_export {
        export::export_ui(ui, cx);
    }
    ui.add_space(4.0);
    match cx.state.evaluate.section {
        Section::Matrix => matrix_page::show_ui(ui, &mut cx.state.evaluate),
        Section::Report => report_page::show_ui(ui, &mut cx.state.evaluate),
        Section::Mistakes => mistakes_page::show_ui(ui, &mut cx.state.evaluate),
    }
    inspect::window(ui.ctx(), cx);
}

/// The model line, the Evaluate button and the progress bar.
fn header_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, model: &ModelInfo) {
    let test_images = match &cx.state.data {
        DataState::Ready(data) => data.mnist.test.len(),
        DataState::Loading { .. } | DataState::Missing { .. } => 0,
    };
    let busy = cx.state.busy;
    ui.horizontal(|ui| {
        ui.label("Model:");
        ui.strong(&model.name);
        ui.weak(format!(
            "{} · {} parameters · {}",
            model.spec.task,
            thousands(model.params),
            origin_text(&model.origin)
        ));
        ui.separator();
        let label = if is_stale(cx, model) { "Evaluate again" } else { "Evaluate" };
        let button = egui::Button::new(format!("{label} on {} test images", thousands(test_images)));
        let response = ui.add_enabled(busy.is_none(), button);
        let response = match busy {
            Some(job) => response.on_disabled_hover_text(format!("Wait: the worker is {}", job.describe())),
            None => response.on_hover_text("Predict every test image with this model (on the worker)"),
        };
        if response.clicked() {
            start_evaluation(cx);
        }
        let open_label = if cx.state.evaluate.show_open { "Hide model choice" } else { "Other model…" };
        if ui.button(open_label).on_hover_text("Evaluate a saved run or a model file instead").clicked() {
            cx.state.evaluate.show_open = !cx.state.evaluate.show_open;
        }
    });
    if busy == Some(Job::Evaluate) {
        let (done, total) = cx.state.evaluate.progress.unwrap_or((0, test_images));
        let fraction = if total == 0 { 0.0 } else { done as f32 / total as f32 };
        ui.add(egui::ProgressBar::new(fraction).show_percentage().text(format!(
            "Evaluating: {} / {} test images",
            thousands(done),
            thousands(total)
        )));
    }
    if let Some(result) = &cx.state.evaluate.result
        && is_stale(cx, model)
    {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "The results below are for {}; press Evaluate again for the current model.",
                result.model.name
            ),
        );
    }
}

/// Sends the evaluation and resets the progress bar.
pub(super) fn start_evaluation(cx: &mut Ctx<'_>) {
    if cx.send(Command::Evaluate) {
        cx.state.evaluate.progress = None;
        cx.state.evaluate.error = None;
        // Shown at once: the worker's own notice follows.
        cx.state.busy = Some(Job::Evaluate);
    }
}

/// After "Open and evaluate": once the asked-for model is current, evaluate it; if opening failed,
/// forget the request.
fn evaluate_when_loaded(cx: &mut Ctx<'_>) {
    let Some(wanted) = &cx.state.evaluate.evaluate_when_current else { return };
    if cx.state.busy.is_some() {
        return;
    }
    let arrived = cx.state.current_model.as_ref().is_some_and(|model| &model.origin == wanted);
    cx.state.evaluate.evaluate_when_current = None;
    if arrived {
        start_evaluation(cx);
    }
}

/// Whether the shown results belong to another model than the current one.
fn is_stale(cx: &Ctx<'_>, model: &ModelInfo) -> bool {
    cx.state
        .evaluate
        .result
        .as_ref()
        .is_some_and(|result| result.model.origin != model.origin || result.model.name != model.name)
}

fn origin_text(origin: &ModelOrigin) -> String {
    match origin {
        ModelOrigin::Run { .. } => "from the run history".to_owned(),
        ModelOrigin::Unsaved => "trained in this session (not saved)".to_owned(),
        ModelOrigin::File(path) => format!("from {}", path.display()),
        ModelOrigin::Bundled => "bundled with Atelier".to_owned(),
    }
}

/// The page buttons, the accuracy, and the export toggle.
fn sections_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let view = &mut cx.state.evaluate;
    let (Some(result), Some(summary)) = (&view.result, &view.summary) else { return };
    let report = &summary.report;
    let mistakes = summary.mistakes.len();
    let model_name = result.model.name.clone();
    ui.horizontal(|ui| {
        ui.selectable_value(&mut view.section, Section::Matrix, "Confusion matrix");
        ui.selectable_value(&mut view.section, Section::Report, "Report");
        ui.selectable_value(
            &mut view.section,
            Section::Mistakes,
            format!("Mistakes ({})", thousands(mistakes)),
        );
        ui.separator();
        ui.strong(format!("{:.2}% accuracy", report.accuracy * 100.0));
        ui.weak(format!(
            "{} of {} test images right · {model_name}",
            thousands(report.correct as usize),
            thousands(report.total as usize)
        ));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let label = if view.show_export { "Hide export" } else { "Export report…" };
            if ui
                .button(label)
                .on_hover_text("Save the report as CSV and JSON and the confusion matrix as PNG")
                .clicked()
            {
                view.show_export = !view.show_export;
            }
        });
    });
}
