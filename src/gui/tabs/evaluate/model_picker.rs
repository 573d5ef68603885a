//! Choosing what to evaluate: the "no model yet" panel with its ways forward, opening a model file
//! (path field plus chooser) or a saved run, and the chooser's answer.

use std::path::PathBuf;

use crate::files::thousands;
use crate::worker::{Command, Job, ModelOrigin};

use super::super::super::app::Ctx;
use super::super::super::file_dialogs::{self, DialogKind, DialogPoll};
use super::super::super::state::NoticeKind;
use super::super::Tab;

/// Saved runs listed at most (newest first).
const MAX_RUNS: usize = 8;

/// Shown when there is no current model: why the tab is empty and how to get a model.
pub(super) fn no_model_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.add_space(24.0);
    ui.heading("No model to evaluate yet");
    ui.label("Evaluation runs a trained model over the test images. Get a model in one of these ways:");
    ui.add_space(12.0);
    egui::Frame::group(ui.style()).inner_margin(12.0).show(ui, |ui| {
        ui.set_max_width(760.0);
        ui.strong("Train one");
        ui.horizontal(|ui| {
            ui.label("Pick a network on the Model tab, then train it on the Train tab.");
            if ui.button("Go to the Train tab").clicked() {
                cx.settings.tab = Tab::Train;
            }
        });
        ui.add_space(10.0);
        open_model_ui(ui, cx);
    });
}

/// The model file row and the saved runs, each opened and then evaluated.
pub(super) fn open_model_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.strong("Open a model file");
    ui.weak("A .safetensors file written by Atelier (Save model as…, or `atelier train --out FILE`).");
    ui.horizontal(|ui| {
        let label = ui.label("Model file:");
        ui.add(
            egui::TextEdit::singleline(&mut cx.state.evaluate.model_path)
                .hint_text("/path/to/model.safetensors")
                .desired_width(420.0),
        )
        .labelled_by(label.id);
        let path = cx.state.evaluate.model_path.trim().to_owned();
        let idle = cx.state.busy.is_none();
        if ui.add_enabled(idle && !path.is_empty(), egui::Button::new("Open and evaluate")).clicked() {
            open_file(cx, PathBuf::from(path));
        }
        let choosing = cx.state.evaluate.dialog.is_some();
        if ui.add_enabled(!choosing, egui::Button::new("Browse…")).clicked() {
            open_dialog(ui.ctx(), cx, DialogKind::OpenModel);
        }
    });
    ui.add_space(10.0);
    ui.strong("Or open a saved run");
    let runs = &cx.state.runs.runs;
    if runs.is_empty() {
        ui.weak("No saved runs yet: every training run is kept here.");
        return;
    }
    let current = cx.state.current_model.as_ref().map(|model| model.origin.clone());
    let mut chosen = None;
    egui::ScrollArea::vertical().id_salt("evaluate_runs").max_height(180.0).show(ui, |ui| {
        egui::Grid::new("evaluate_runs_grid").striped(true).spacing([16.0, 4.0]).show(ui, |ui| {
            for run in runs.iter().take(MAX_RUNS) {
                ui.label(&run.name);
                ui.weak(run.preset.map_or_else(|| run.spec.name.clone(), |preset| preset.to_string()));
                ui.label(
                    run.test_accuracy
                        .map_or_else(|| "–".to_owned(), |accuracy| format!("{:.1}% test", accuracy * 100.0)),
                );
                ui.weak(format!("{} parameters", thousands(run.params)));
                ui.weak(crate::gui::widgets::runs_table::short_date(&run.created));
                let is_current = current.as_ref() == Some(&ModelOrigin::Run { id: run.id.clone() });
                let text = if is_current { "Current model" } else { "Evaluate this run" };
                let button = egui::Button::new(text);
                if ui.add_enabled(!is_current && cx.state.busy.is_none(), button).clicked() {
                    chosen = Some(run.id.clone());
                }
                ui.end_row();
            }
        });
    });
    if let Some(id) = chosen {
        open_run(cx, id);
    }
}

fn open_file(cx: &mut Ctx<'_>, path: PathBuf) {
    if cx.send(Command::LoadModel { path: path.clone() }) {
        cx.state.busy = Some(Job::LoadModel);
        cx.state.evaluate.evaluate_when_current = Some(ModelOrigin::File(path));
        cx.state.evaluate.show_open = false;
    }
}

fn open_run(cx: &mut Ctx<'_>, id: String) {
    if cx.send(Command::OpenRun { id: id.clone() }) {
        cx.state.busy = Some(Job::LoadModel);
        cx.state.evaluate.evaluate_when_current = Some(ModelOrigin::Run { id });
        cx.state.evaluate.show_open = false;
    }
}

/// Opens a chooser for `kind` unless one is open already.
pub(super) fn open_dialog(ctx: &egui::Context, cx: &mut Ctx<'_>, kind: DialogKind) {
    if cx.state.evaluate.dialog.is_some() {
        return;
    }
    let repaint = ctx.clone();
    cx.state.evaluate.dialog = Some((kind, file_dialogs::open(kind, move || repaint.request_repaint())));
}

/// Takes the chooser's answer: a model to open, or the report folder to export into.
pub(super) fn poll_dialog(ui: &egui::Ui, cx: &mut Ctx<'_>) {
    let Some((kind, pending)) = &cx.state.evaluate.dialog else { return };
    let kind = *kind;
    match pending.poll() {
        DialogPoll::Waiting => ui.ctx().request_repaint_after(std::time::Duration::from_millis(200)),
        DialogPoll::Picked(path) => {
            cx.state.evaluate.dialog = None;
            match kind {
                DialogKind::OpenModel => {
                    cx.state.evaluate.model_path = path.display().to_string();
                    open_file(cx, path);
                }
                DialogKind::PickReportFolder => {
                    cx.state.evaluate.report_folder = path.display().to_string();
                    super::export::export_to(cx, path);
                }
                DialogKind::PickFolder
                | DialogKind::OpenSpec
                | DialogKind::SaveSpec
                | DialogKind::SaveModel
                | DialogKind::ExportOnnx
                | DialogKind::SavePredictionsCsv => {}
            }
        }
        DialogPoll::Nothing => {
            cx.state.evaluate.dialog = None;
            let field =
                if matches!(kind, DialogKind::PickReportFolder) { "Report folder" } else { "Model file" };
            cx.state.inform(
                NoticeKind::Info,
                format!(
                    "Nothing chosen (or no file chooser on this desktop): type the path in the {field} field."
                ),
            );
        }
    }
}
