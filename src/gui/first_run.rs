//! The first-run panel: shown when no data was found (or only the sample). Says where Atelier looked
//! and offers three ways forward: the bundled sample, a download, or a folder (chooser + path field).

use std::path::PathBuf;

use crate::worker::{Command, DataRequest, Job};

use super::app::Ctx;
use super::file_dialogs::{self, DialogKind, DialogPoll};
use super::settings::DataChoice;

/// Which form the panel takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelMode {
    /// Nothing is loaded: the full panel fills the tab.
    NoData,
    /// The sample is loaded: a compact banner above the tab.
    SampleLoaded,
}

/// Draws the panel; `error` is the loader's message, shown as is; `looked` lists the folders
/// searched (one per line).
pub fn show_ui(
    ui: &mut egui::Ui,
    cx: &mut Ctx<'_>,
    mode: PanelMode,
    error: Option<&str>,
    looked: Option<&str>,
) {
    poll_chooser(ui, cx);
    egui::Frame::group(ui.style()).inner_margin(16.0).show(ui, |ui| {
        ui.set_max_width(760.0);
        match mode {
            PanelMode::NoData => {
                ui.heading("Welcome to Atelier");
                ui.label("Atelier needs the Fashion-MNIST images (70,000 small pictures of clothing). None were found.");
            }
            PanelMode::SampleLoaded => {
                ui.strong("You are looking at the small bundled sample");
                ui.label("The full Fashion-MNIST set was not found. Training on the sample works, but accuracy will be low.");
            }
        }
        if let Some(error) = error {
            ui.add_space(6.0);
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(looked) = looked.filter(|text| !text.trim().is_empty()) {
            ui.add_space(6.0);
            ui.label("Atelier looked in:");
            ui.monospace(looked.trim_end());
        }
        ui.add_space(10.0);
        actions_ui(ui, cx, mode);
    });
}

fn actions_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, mode: PanelMode) {
    let downloading = cx.state.busy == Some(Job::DownloadDataset);
    ui.horizontal(|ui| {
        match mode {
            PanelMode::NoData => {
                if ui
                    .button("Use the bundled sample")
                    .on_hover_text("A few thousand images, ready now")
                    .clicked()
                {
                    cx.state.pending_data_choice = Some(DataChoice::Sample);
                    cx.load_data(DataRequest::Sample);
                }
            }
            PanelMode::SampleLoaded => {
                if ui.button("Keep the sample").on_hover_text("Don't ask again").clicked() {
                    cx.settings.data = DataChoice::Sample;
                    cx.state.first_run.sample_banner_closed = true;
                }
            }
        }
        let download = ui
            .add_enabled(!downloading, egui::Button::new("Download the full set (30 MB)"))
            .on_hover_text("From the Zalando Research repository, checked against known checksums");
        if download.clicked() && cx.send(Command::DownloadDataset) {
            cx.state.first_run.hint = None;
        }
    });
    if downloading {
        download_progress_ui(ui, cx);
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let label = ui.label("Folder with the four .gz files:");
        ui.add(
            egui::TextEdit::singleline(&mut cx.state.first_run.folder_text)
                .hint_text("/path/to/fashion-mnist")
                .desired_width(320.0),
        )
        .labelled_by(label.id);
        let folder = cx.state.first_run.folder_text.trim().to_owned();
        if ui.add_enabled(!folder.is_empty(), egui::Button::new("Load")).clicked() {
            load_folder(cx, PathBuf::from(folder));
        }
        let choosing = cx.state.first_run.picking.is_some();
        if ui.add_enabled(!choosing, egui::Button::new("Choose folder…")).clicked() {
            let repaint = ui.ctx().clone();
            cx.state.first_run.picking =
                Some(file_dialogs::open(DialogKind::PickFolder, move || repaint.request_repaint()));
        }
        if choosing {
            ui.spinner();
        }
    });
    if let Some(hint) = &cx.state.first_run.hint {
        ui.weak(hint);
    }
}

fn download_progress_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal(|ui| {
        let (fraction, text) = match &cx.state.download {
            Some(step) => {
                let mb = |bytes: u64| bytes as f64 / 1e6;
                // Each file is an equal share of the bar; within a file, its bytes.
                let within = step
                    .total_bytes
                    .filter(|&total| total > 0)
                    .map_or(0.0, |total| step.received_bytes as f32 / total as f32);
                let fraction = (step.file_index as f32 + within) / step.file_count.max(1) as f32;
                let size = match step.total_bytes {
                    Some(total) => format!("{:.1} of {:.1} MB", mb(step.received_bytes), mb(total)),
                    None => format!("{:.1} MB", mb(step.received_bytes)),
                };
                (
                    fraction,
                    format!("File {} of {}: {} ({size})", step.file_index + 1, step.file_count, step.file),
                )
            }
            None => (0.0, "Connecting…".to_owned()),
        };
        ui.add(egui::ProgressBar::new(fraction).text(text).desired_width(460.0));
        if ui.button("Cancel").clicked() {
            cx.worker.cancel();
        }
    });
}

fn load_folder(cx: &mut Ctx<'_>, folder: PathBuf) {
    // Remembered only once it loads, so a bad folder is not retried at the next start.
    cx.state.pending_data_choice = Some(DataChoice::Folder(folder.clone()));
    cx.load_data(DataRequest::Folder(folder));
}

fn poll_chooser(ui: &egui::Ui, cx: &mut Ctx<'_>) {
    let Some(pending) = &cx.state.first_run.picking else { return };
    match pending.poll() {
        DialogPoll::Waiting => ui.ctx().request_repaint_after(std::time::Duration::from_millis(200)),
        DialogPoll::Picked(folder) => {
            cx.state.first_run.picking = None;
            cx.state.first_run.folder_text = folder.display().to_string();
            load_folder(cx, folder);
        }
        DialogPoll::Nothing => {
            cx.state.first_run.picking = None;
            cx.state.first_run.hint = Some(
                "No folder chosen (or no file chooser on this desktop): type the path instead.".to_owned(),
            );
        }
    }
}
