//! The Predict tab: pictures dropped, pasted or opened, their preprocessing step by step, the
//! model's answer, what the first convolution sees, and a sortable table for many pictures.
//!
//! `pictures` keeps the list and the requests in flight, `drops` turns drops and pastes into
//! pictures, `from_dataset` takes samples dragged from the Dataset tab, `sources` is the bar to add them, `table` and `detail` draw, `export` writes CSV.

mod detail;
pub mod drops;
mod export;
pub mod from_dataset;
mod picture_row;
pub mod pictures;
mod sources;
mod table;
mod textures;

use std::path::{Path, PathBuf};

use crate::picture::PrepOptions;
use crate::worker::{Command, PictureOutcome, PredictRequest};

use super::super::app::Ctx;
use super::super::file_dialogs::PendingDialog;
use super::Tab;
use export::PendingWrite;
use pictures::{NewPicture, PictureList};
use table::TableSort;
use textures::PredictTextures;

/// Runtime state of the Predict tab (not persisted).
#[derive(Default)]
pub struct PredictView {
    /// The pictures and the requests in flight.
    pub list: PictureList,
    /// The picture shown in detail, by name.
    pub selected: Option<PathBuf>,
    /// The table's order.
    pub sort: TableSort,
    /// The path field: a picture, a folder or a model file.
    pub path_text: String,
    /// The picture chooser, while open.
    pub picking: Option<PendingDialog<Vec<PathBuf>>>,
    /// The CSV path field.
    pub csv_text: String,
    /// The "Save as CSV" chooser, while open.
    pub choosing_csv: Option<PendingDialog>,
    /// The CSV being written.
    pub writing_csv: Option<PendingWrite>,
    /// Pictures pasted so far (to name the next one).
    pub pasted: usize,
    textures: PredictTextures,
}

impl std::fmt::Debug for PredictView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PredictView")
            .field("pictures", &self.list.pictures.len())
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl PredictView {
    /// Predictions arrived: they fill their rows (a folder's pictures join the list); the first
    /// picture is selected when nothing is.
    pub fn on_predicted(&mut self, outcomes: Vec<PictureOutcome>) {
        let first = self.list.on_predicted(outcomes);
        self.select_if_none(first);
    }

    /// Some pictures of a big request are done: their rows appear now.
    pub fn on_progress(&mut self, outcomes: Vec<PictureOutcome>, done: usize, total: usize) {
        let first = self.list.on_progress(outcomes, done, total);
        self.select_if_none(first);
    }

    /// The prediction was cancelled: the rows done stay, those never reached go.
    pub fn on_cancelled(&mut self) {
        self.list.on_cancelled();
        self.select_if_none(None);
    }

    /// Selects `first` (or the first row) when the selected picture is gone or none is.
    fn select_if_none(&mut self, first: Option<usize>) {
        let selected_exists = self.selected.as_deref().is_some_and(|name| self.list.position(name).is_some());
        if !selected_exists {
            self.selected = first
                .or(if self.list.pictures.is_empty() { None } else { Some(0) })
                .map(|index| self.list.pictures[index].name.clone());
        }
    }

    /// The prediction job failed as a whole (not one file: those fail in their rows).
    pub fn on_failed(&mut self, error: &str) {
        self.list.on_failed(error);
    }

    /// The picture shown in detail.
    #[must_use]
    pub fn selected_index(&self) -> Option<usize> {
        self.selected.as_deref().and_then(|name| self.list.position(name))
    }
}

/// Adds pictures (files, folders, in-memory) and model files: models are opened first (the
/// worker answers in order, so the pictures are predicted with the new model), pictures are sent
/// to the worker and get their rows at once. Switches to the Predict tab.
pub fn add_pictures(cx: &mut Ctx<'_>, new: Vec<NewPicture>) {
    let (models, pictures): (Vec<NewPicture>, Vec<NewPicture>) =
        new.into_iter().partition(|item| matches!(item, NewPicture::Path(path) if is_model_file(path)));
    for model in models {
        if let NewPicture::Path(path) = model {
            cx.send(Command::LoadModel { path });
        }
    }
    cx.settings.tab = Tab::Predict;
    if pictures.is_empty() {
        return;
    }
    let first_name = pictures.iter().find_map(|item| match item {
        NewPicture::Path(path) if !pictures::looks_like_folder(path) => Some(path.clone()),
        NewPicture::Path(_) => None,
        NewPicture::Memory(picture) => Some(picture.name.clone()),
    });
    let request = cx.state.predict.list.add(pictures, PrepOptions::default());
    send_predict(cx, request);
    if first_name.is_some() {
        cx.state.predict.selected = first_name;
    }
}

/// Files given on the command line ("Open with Atelier"): pictures, folders or a model file.
pub fn open_paths(cx: &mut Ctx<'_>, paths: Vec<PathBuf>) {
    add_pictures(cx, paths.into_iter().map(NewPicture::Path).collect());
}

/// A new model is current: every picture is predicted again with it.
pub fn on_model_changed(cx: &mut Ctx<'_>) {
    let indices = cx.state.predict.list.predictable();
    if indices.is_empty() {
        return;
    }
    for request in cx.state.predict.list.resend(&indices) {
        send_predict(cx, request);
    }
}

/// Predicts the picture at `index` again (its options changed).
fn repredict(cx: &mut Ctx<'_>, index: usize) {
    for request in cx.state.predict.list.resend(&[index]) {
        send_predict(cx, request);
    }
}

fn send_predict(cx: &mut Ctx<'_>, request: PredictRequest) {
    let sent = request.clone();
    if cx.send(Command::Predict(request)) {
        cx.state.predict.list.sent(&sent);
    } else {
        // The worker is gone: say so in every row that would wait forever.
        cx.state.predict.list.fail(&sent, "the worker is not running; restart Atelier");
    }
}

/// A `.safetensors` file is a model to open, not a picture.
fn is_model_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("safetensors"))
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    sources::poll_dialogs(ui.ctx(), cx);
    sources::sources_bar_ui(ui, cx);
    model_banner_ui(ui, cx);
    if cx.state.predict.list.pictures.is_empty() {
        empty_ui(ui, cx);
        return;
    }
    egui::Panel::left("predict_table")
        .resizable(true)
        .default_size(ui.available_width() * 0.5)
        .min_size(320.0)
        .max_size(ui.available_width() * 0.7)
        .show(ui, |ui| table::table_ui(ui, cx));
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().id_salt("predict_detail").auto_shrink([false, false]).show(ui, |ui| {
            if let Some(index) = cx.state.predict.selected_index() {
                if let Some(options) = detail::detail_ui(ui, cx, index) {
                    cx.state.predict.list.pictures[index].options = options;
                    repredict(cx, index);
                }
            } else {
                ui.weak("Select a picture in the table to see how the model reads it.");
            }
        });
    });
}

/// Before any model exists (or while one opens): what the tab can and cannot do yet.
fn model_banner_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    if cx.state.current_model.is_some() {
        return;
    }
    let opening = cx.state.busy == Some(crate::worker::Job::LoadModel);
    egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color).show(ui, |ui| {
        ui.set_width(ui.available_width());
        if opening {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Opening the model…");
            });
            return;
        }
        ui.colored_label(ui.visuals().warn_fg_color, "No model yet: pictures are prepared, but not predicted.");
        ui.horizontal_wrapped(|ui| {
            ui.label("Train one in the Train tab, or open a model file (drop a .safetensors file here, or type its path above). Pictures waiting here are predicted as soon as a model is current.");
        });
        if ui.button("Go to Train (Ctrl+3)").clicked() {
            cx.settings.tab = Tab::Train;
        }
    });
    ui.add_space(4.0);
}

fn empty_ui(ui: &mut egui::Ui, cx: &Ctx<'_>) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.2);
        ui.heading("Drop pictures here");
        ui.add_space(6.0);
        ui.label("One or many pictures (PNG, JPEG, BMP, GIF, WebP, TIFF), or a whole folder; or paste one with Ctrl+V.");
        ui.label("Fashion-MNIST shows a single item of clothing on a plain background: photos like that work best.");
        if let Some(folder) = cx.state.predict.list.pending_folders().next() {
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Reading {}…", folder.display()));
            });
        }
    });
}
