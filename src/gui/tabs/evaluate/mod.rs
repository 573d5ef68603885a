//! The Evaluate tab: evaluate the current model on the test set (on the worker), then read where it
//! goes wrong: a confusion matrix you can click, the classification report, the most confident
//! mistakes, and the occlusion map of a selected picture. The report exports through the worker.
//! A checkbox evaluates again with flip test-time augmentation, which Predict then follows too.

mod export;
mod gallery;
mod inspect;
mod matrix_page;
mod mistakes_page;
mod model_picker;
mod report_page;
mod tta;
mod view;

pub use tta::{CHECKBOX_LABEL as TTA_CHECKBOX_LABEL, SHIFT_CHECKBOX_LABEL as TTA_SHIFT_CHECKBOX_LABEL};
pub use view::{EvaluateView, EvaluationSummary, Gallery, Inspected, MistakeFilter, Section};

use crate::evaluation::TestTimeAugmentation;
use crate::files::thousands;
use crate::worker::{Command, Job, ModelInfo, ModelOrigin};

use super::super::app::Ctx;
use super::super::onnx_export::onnx_export_ui;
use super::super::state::DataState;

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
    tta::tta_ui(ui, cx, &model);
    if cx.state.onnx_export.shown {
        egui::Frame::group(ui.style()).inner_margin(8.0).show(ui, |ui| onnx_export_ui(ui, cx));
    }
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
        DataState::Ready(data) => data.data.test.len(),
        DataState::Loading { .. } | DataState::Missing { .. } => 0,
    };
    let busy = cx.state.busy;
    ui.horizontal(|ui| {
        ui.label("Model:");
        ui.strong(&model.name);
        ui.weak(format!(
            "{} · {} parameters · {}",
            model.spec.task.describe(&model.dataset.classes),
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
            start_evaluation(cx, model.tta);
        }
        let onnx_label = if cx.state.onnx_export.shown { "Hide ONNX export" } else { "Export as ONNX…" };
        if ui
            .button(onnx_label)
            .on_hover_text("Write this model as an .onnx file for other runtimes")
            .clicked()
        {
            cx.state.onnx_export.shown = !cx.state.onnx_export.shown;
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

/// Sends the evaluation with `tta` (which becomes the model's setting when it succeeds) and resets
/// the progress bar.
pub(super) fn start_evaluation(cx: &mut Ctx<'_>, tta: TestTimeAugmentation) {
    if cx.send(Command::Evaluate { tta }) {
        cx.state.evaluate.progress = None;
        cx.state.evaluate.error = None;
        cx.state.evaluate.requested_tta = Some(tta);
        // Shown at once: the worker's own notice follows.
        cx.state.busy = Some(Job::Evaluate);
    }
}

/// After "Open and evaluate": once the asked-for model is current and the worker idle, evaluate it
/// (if opening fails, `events::models::load_failed` forgets the request). Waiting for the model
/// itself, not for the first idle moment: a job queued before the load (the run history listed at
/// start-up) ends first, and the load has not run yet then.
fn evaluate_when_loaded(cx: &mut Ctx<'_>) {
    let Some(wanted) = &cx.state.evaluate.evaluate_when_current else { return };
    if cx.state.busy.is_some() {
        return;
    }
    let arrived =
        cx.state.current_model.as_ref().filter(|model| &model.origin == wanted).map(|model| model.tta);
    if let Some(tta) = arrived {
        cx.state.evaluate.evaluate_when_current = None;
        start_evaluation(cx, tta);
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
    let tta = result.evaluation.tta.short_label();
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
            "{} of {} test images right · {tta} · {model_name}",
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
