//! "Export as ONNX" for the current model, shared by the Train tab (the finished run and the run
//! history) and the Evaluate tab: a path field, a chooser, and the last export's check result.
//! The worker writes and checks the file; this panel only sends the command and shows the answer.

use std::path::PathBuf;
use std::time::Duration;

use crate::model_file::onnx::{OPSET_VERSION, TOLERANCE, tta_note};
use crate::worker::{Command, Job, OnnxExported};

use super::app::Ctx;
use super::file_dialogs::{self, DialogKind, DialogPoll, PendingDialog};
use super::state::NoticeKind;

/// The export row's state: the destination, a chooser in flight, the last outcome.
#[derive(Default)]
pub struct OnnxExportPanel {
    /// Whether the Evaluate tab shows the row (it opens with "Export as ONNX…").
    pub shown: bool,
    /// The destination field.
    pub path: String,
    /// A chooser running in the background.
    pub dialog: Option<PendingDialog>,
    /// The last export's result, or why it failed.
    pub outcome: Option<Result<Box<OnnxExported>, String>>,
}

impl OnnxExportPanel {
    /// The worker finished an export.
    pub fn on_exported(&mut self, exported: Box<OnnxExported>) {
        self.path = exported.export.path.display().to_string();
        self.outcome = Some(Ok(exported));
    }

    /// The worker refused or failed the export.
    pub fn on_failed(&mut self, error: String) {
        self.outcome = Some(Err(error));
    }
}

/// The row (destination, Export, chooser) and the last result line.
pub fn onnx_export_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    poll_dialog(ui, cx);
    let idle = cx.state.busy.is_none();
    ui.horizontal(|ui| {
        let label = ui.label("Export as ONNX:").id;
        ui.add(
            egui::TextEdit::singleline(&mut cx.state.onnx_export.path)
                .hint_text("model.onnx")
                .desired_width(360.0),
        )
        .labelled_by(label);
        let path = cx.state.onnx_export.path.trim().to_owned();
        if ui
            .add_enabled(idle && !path.is_empty(), egui::Button::new("Export"))
            .on_hover_text(format!(
                "Write the current model as ONNX (opset {OPSET_VERSION}) to this file, after checking it \
                 with an independent runtime on test pictures"
            ))
            .clicked()
        {
            export_to(cx, PathBuf::from(path));
        }
        let choosing = cx.state.onnx_export.dialog.is_some();
        if ui
            .add_enabled(idle && !choosing, egui::Button::new("Browse…"))
            .on_hover_text("Choose where to write the .onnx file")
            .clicked()
        {
            let repaint = ui.ctx().clone();
            cx.state.onnx_export.dialog =
                Some(file_dialogs::open(DialogKind::ExportOnnx, move || repaint.request_repaint()));
        }
        if choosing || cx.state.busy == Some(Job::ExportOnnx) {
            ui.spinner();
        }
    });
    if let Some(note) = cx.state.current_model.as_ref().and_then(|model| tta_note(model.tta)) {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Note: {note}."));
    }
    match &cx.state.onnx_export.outcome {
        Some(Ok(exported)) => {
            ui.label(result_text(exported));
        }
        Some(Err(error)) => {
            ui.colored_label(ui.visuals().error_fg_color, format!("Export failed: {error}"));
        }
        None => {
            ui.weak(
                "One .onnx file that onnxruntime, OpenCV or tract can run: input `image` [N, 1, 28, 28] \
                 (pixel / 255), outputs `logits` and `probabilities`.",
            );
        }
    }
}

/// "Wrote … (… KB). Checked with tract on 300 test pictures: …".
fn result_text(exported: &OnnxExported) -> String {
    let export = &exported.export;
    let check = &export.verification;
    format!(
        "Wrote {} ({} KB, opset {OPSET_VERSION}). Checked with {} on {} of {}: logits within {:.1e} \
         of Atelier's, probabilities within {:.1e} (limit {TOLERANCE:.0e}).",
        export.path.display(),
        export.bytes.div_ceil(1024),
        check.runtime,
        check.images,
        exported.checked_on,
        check.max_logit_difference,
        check.max_probability_difference,
    )
}

/// Asks the worker to export the current model to `path`.
fn export_to(cx: &mut Ctx<'_>, path: PathBuf) {
    if cx.send(Command::ExportOnnx { path }) {
        cx.state.busy = Some(Job::ExportOnnx);
        cx.state.onnx_export.outcome = None;
    }
}

/// Takes the chooser's answer, if it has one.
fn poll_dialog(ui: &egui::Ui, cx: &mut Ctx<'_>) {
    let Some(pending) = &cx.state.onnx_export.dialog else { return };
    match pending.poll() {
        DialogPoll::Waiting => ui.ctx().request_repaint_after(Duration::from_millis(200)),
        DialogPoll::Picked(path) => {
            cx.state.onnx_export.dialog = None;
            cx.state.onnx_export.path = path.display().to_string();
            export_to(cx, path);
        }
        DialogPoll::Nothing => {
            cx.state.onnx_export.dialog = None;
            cx.state.inform(
                NoticeKind::Info,
                "No file chosen (or no file chooser on this desktop): type the path in the Export as ONNX field.",
            );
        }
    }
}
