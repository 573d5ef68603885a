//! Exporting the evaluation: the report as CSV and JSON and the confusion matrix as CSV and PNG,
//! written by the worker into a folder (path field plus chooser), the same files as
//! `atelier evaluate MODEL --report-dir DIR`.

use std::path::PathBuf;

use crate::worker::{Command, Job};

use super::super::super::app::Ctx;
use super::super::super::file_dialogs::DialogKind;
use super::model_picker::open_dialog;

/// The files one export writes, for the panel's explanation.
const FILES: &str = "report.csv, report.json, confusion.csv and confusion.png";

/// The export row: folder field, chooser, Export, and what the last export wrote.
pub(super) fn export_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    egui::Frame::group(ui.style()).inner_margin(8.0).show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Report folder:");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut cx.state.evaluate.report_folder)
                        .hint_text("/path/to/folder (created if missing)")
                        .desired_width(380.0),
                )
                .labelled_by(label.id);
            // Enter in the field exports, as the Predict tab's Path field adds on Enter.
            let entered = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            let folder = cx.state.evaluate.report_folder.trim().to_owned();
            let idle = cx.state.busy.is_none();
            let export = ui
                .add_enabled(idle && !folder.is_empty(), egui::Button::new("Export"))
                .on_hover_text(format!("Write {FILES} into this folder"));
            if (export.clicked() || entered) && idle && !folder.is_empty() {
                export_to(cx, PathBuf::from(folder));
            }
            let choosing = cx.state.evaluate.dialog.is_some();
            if ui.add_enabled(idle && !choosing, egui::Button::new("Save as…")).clicked() {
                open_dialog(ui.ctx(), cx, DialogKind::PickReportFolder);
            }
        });
        match &cx.state.evaluate.exported {
            Some((folder, files)) => {
                let names: Vec<String> = files
                    .iter()
                    .filter_map(|file| file.file_name())
                    .map(|name| name.to_string_lossy().into_owned())
                    .collect();
                ui.label(format!("Wrote {} to {}", names.join(", "), folder.display()));
            }
            None => {
                ui.weak(format!(
                    "Writes {FILES}: the same files as `atelier evaluate MODEL --report-dir DIR`."
                ));
            }
        }
    });
}

/// Asks the worker to write the report files into `folder`.
pub(super) fn export_to(cx: &mut Ctx<'_>, folder: PathBuf) {
    let Some(summary) = &cx.state.evaluate.summary else { return };
    let report = Box::new(summary.report.clone());
    if cx.send(Command::ExportReport { report, folder }) {
        cx.state.busy = Some(Job::ExportReport);
        cx.state.evaluate.exported = None;
    }
}
