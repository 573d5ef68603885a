//! The data sets a user can pick on the Dataset tab: Fashion-MNIST (built in) and every data set
//! they imported, with rename and delete, and the import window (a folder of class folders, an IDX
//! pair or a CSV file; progress, Cancel, the skipped files and how the test split was made).

use std::path::PathBuf;

use crate::data::import::{IdxLayout, ImportOptions, ImportProgress, ImportStage, LabelBase};
use crate::data::store::{Preprocessing, StoredSummary};
use crate::data::{FASHION_MNIST, LoadedData};
use crate::files::thousands;
use crate::worker::{Command, DataRequest, ImportSummary, Job};

use super::super::app::Ctx;
use super::super::file_dialogs::{self, DialogKind, DialogPoll, PendingDialog};
use super::super::settings::DataChoice;
use super::import_preview::{self, PreviewState};

/// Skipped files listed in the import window (all are in the data set's `dataset.json`).
const SKIPPED_SHOWN: usize = 50;

/// The data set list and the import window (runtime only; the choice itself is a setting).
#[derive(Default)]
pub struct LibraryState {
    /// The imported data sets, as the worker last listed them.
    pub stored: Vec<StoredSummary>,
    /// Whether the list was asked for since the window opened.
    pub listed: bool,
    /// The import window's fields and progress.
    pub import: ImportPanel,
    /// A rename being typed: (old name, new name).
    pub rename: Option<(String, String)>,
    /// A data set waiting for "Delete" to be confirmed.
    pub confirm_delete: Option<String>,
}

/// The import window.
#[derive(Default)]
pub struct ImportPanel {
    /// Whether the window is open.
    pub open: bool,
    /// The folder or file to import.
    pub source_text: String,
    /// The name to give it (empty: the folder's name).
    pub name_text: String,
    /// Only resize (for data already centred, like digits), instead of Predict's full preparation.
    pub resize_only: bool,
    /// IDX pictures stored column by column (EMNIST).
    pub transposed: bool,
    /// Labels start at 1 (EMNIST letters).
    pub one_based: bool,
    /// The folder chooser, while it is open.
    pub picking: Option<PendingDialog>,
    /// Progress of the running import.
    pub progress: Option<ImportProgress>,
    /// The last import's summary.
    pub report: Option<ImportSummary>,
    /// The last import's error.
    pub error: Option<String>,
    /// What the network will see of the source, before the import.
    pub preview: PreviewState,
}

impl ImportPanel {
    /// Opens the window with `source` filled in (a folder dropped on the tab).
    pub fn offer(&mut self, source: &std::path::Path) {
        self.open = true;
        self.source_text = source.display().to_string();
        self.report = None;
        self.error = None;
    }

    fn options(&self) -> ImportOptions {
        let name = self.name_text.trim();
        ImportOptions {
            name: (!name.is_empty()).then(|| name.to_owned()),
            preprocessing: if self.resize_only { Preprocessing::ResizeOnly } else { Preprocessing::Full },
            idx_layout: if self.transposed { IdxLayout::Transposed } else { IdxLayout::RowMajor },
            label_base: if self.one_based { LabelBase::One } else { LabelBase::Zero },
            seed: 0,
        }
    }

    /// The import is running.
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.progress.is_some()
    }
}

/// Draws the data set picker row: the choice, Import, Rename and Delete.
pub fn picker_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, data: &LoadedData) {
    if !cx.state.dataset.library.listed {
        cx.state.dataset.library.listed = true;
        cx.send(Command::ListDatasets);
    }
    let current = match &cx.settings.data {
        DataChoice::Stored(name) => Some(name.clone()),
        DataChoice::Discover | DataChoice::Folder(_) | DataChoice::Sample => None,
    };
    ui.horizontal_wrapped(|ui| {
        let label = ui.strong("Data set:");
        let shown = format!("{} ({} classes)", data.name, data.classes.len());
        let mut chosen: Option<Option<String>> = None;
        egui::ComboBox::from_id_salt("dataset_choice")
            .selected_text(shown)
            .width(260.0)
            .show_ui(ui, |ui| {
                if ui.selectable_label(current.is_none(), format!("{FASHION_MNIST} (built in)")).clicked() {
                    chosen = Some(None);
                }
                for stored in &cx.state.dataset.library.stored {
                    let text = format!("{} ({} classes)", stored.name, stored.classes.len());
                    if ui.selectable_label(current.as_deref() == Some(stored.name.as_str()), text).clicked() {
                        chosen = Some(Some(stored.name.clone()));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        if let Some(choice) = chosen
            && choice != current
        {
            choose(cx, choice);
        }
        if ui
            .button("Import pictures…")
            .on_hover_text("Your own pictures: class folders, IDX or CSV")
            .clicked()
        {
            let panel = &mut cx.state.dataset.library.import;
            panel.open = true;
            panel.report = None;
            panel.error = None;
        }
        if let Some(name) = current {
            manage_ui(ui, cx, &name);
        }
    });
}

/// Loads the built-in data set (`None`) or a stored one; remembered once it has loaded.
fn choose(cx: &mut Ctx<'_>, choice: Option<String>) {
    match choice {
        Some(name) => {
            cx.state.pending_data_choice = Some(DataChoice::Stored(name.clone()));
            cx.load_data(DataRequest::Stored(name));
        }
        None => {
            cx.state.pending_data_choice = Some(DataChoice::Discover);
            cx.load_data(DataRequest::Discover { data_dir: None });
        }
    }
}

/// Rename and Delete for the stored data set in use.
fn manage_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, name: &str) {
    let library = &mut cx.state.dataset.library;
    if let Some((old, new)) = &mut library.rename {
        let label = ui.label("New name:");
        let field = ui.add(egui::TextEdit::singleline(new).desired_width(160.0)).labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        if (ui.button("Rename").clicked() || enter) && !new.trim().is_empty() {
            let command = Command::RenameDataset { name: old.clone(), new_name: new.trim().to_owned() };
            let new_name = new.trim().to_owned();
            library.rename = None;
            if cx.send(command) {
                cx.settings.data = DataChoice::Stored(new_name);
            }
        } else if ui.button("Cancel").clicked() {
            library.rename = None;
        }
        return;
    }
    if library.confirm_delete.as_deref() == Some(name) {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Delete \"{name}\" and its pictures?"));
        if ui.button("Delete").clicked() {
            library.confirm_delete = None;
            if cx.send(Command::DeleteDataset { name: name.to_owned() }) {
                choose(cx, None);
            }
        } else if ui.button("Keep it").clicked() {
            library.confirm_delete = None;
        }
        return;
    }
    if ui.button("Rename…").clicked() {
        library.rename = Some((name.to_owned(), name.to_owned()));
    }
    if ui.button("Delete…").on_hover_text("Remove the imported copy (your original pictures stay)").clicked()
    {
        library.confirm_delete = Some(name.to_owned());
    }
}

/// The import window, when open.
pub fn import_window(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    poll_chooser(ctx, cx);
    let mut open = cx.state.dataset.library.import.open;
    if !open {
        return;
    }
    let mut start = false;
    let mut cancel = false;
    let mut browse = false;
    let mut typing = false;
    // Escape closes the window, but not while an import runs (Cancel stops that).
    let mut close = !cx.state.dataset.library.import.is_running()
        && ctx.input(|input| input.key_pressed(egui::Key::Escape));
    egui::Window::new("Import pictures").open(&mut open).resizable(true).default_width(520.0).show(
        ctx,
        |ui| {
            let panel = &mut cx.state.dataset.library.import;
            ui.label(
                "A folder with one folder of pictures per class (optionally inside train/, test/ and val/), \
             an IDX pair like MNIST, or a CSV file like Kaggle's (label,pixel1,…).",
            );
            (browse, typing) = form_ui(ui, panel);
            ui.add_space(6.0);
            if let Some(progress) = &panel.progress {
                let fraction =
                    if progress.total == 0 { 0.0 } else { progress.done as f32 / progress.total as f32 };
                let text = format!("{} of {} pictures", thousands(progress.done), thousands(progress.total));
                ui.add(egui::ProgressBar::new(fraction).text(text).desired_width(460.0));
                if let Some(current) = &progress.current {
                    ui.add(
                        egui::Label::new(egui::RichText::new(current.display().to_string()).weak())
                            .truncate(),
                    );
                }
                cancel = ui.button("Cancel").on_hover_text("Stop; nothing is kept").clicked();
            } else {
                ui.horizontal(|ui| {
                    let ready = !panel.source_text.trim().is_empty();
                    start = ui.add_enabled(ready, egui::Button::new("Import")).clicked();
                    close = ui.button("Close").on_hover_text("Close this window (Escape)").clicked();
                });
            }
            if let Some(error) = &panel.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            // Below the buttons, so they stay where they are when the preview arrives.
            if panel.report.is_none() {
                let preprocessing = panel.options().preprocessing;
                import_preview::preview_ui(ui, &mut panel.preview, &panel.source_text, preprocessing);
            }
            if let Some(report) = &panel.report {
                report_ui(ui, report);
            }
        },
    );
    if browse {
        let repaint = ctx.clone();
        cx.state.dataset.library.import.picking =
            Some(file_dialogs::open(DialogKind::PickFolder, move || repaint.request_repaint()));
    }
    if cancel {
        cx.worker.cancel();
    }
    if start {
        start_import(cx);
    }
    cx.state.dataset.library.import.open = open && !close;
    let panel = &cx.state.dataset.library.import;
    if panel.open && !panel.is_running() {
        let (source, preprocessing) = (panel.source_text.clone(), panel.options().preprocessing);
        import_preview::request_if_changed(cx, &source, preprocessing, typing);
    }
}

fn start_import(cx: &mut Ctx<'_>) {
    let panel = &mut cx.state.dataset.library.import;
    let source = PathBuf::from(panel.source_text.trim());
    let options = panel.options();
    panel.error = None;
    panel.report = None;
    if cx.send(Command::ImportDataset { source, options }) {
        let scanning = ImportProgress { stage: ImportStage::Scanning, done: 0, total: 0, current: None };
        cx.state.dataset.library.import.progress = Some(scanning);
    }
}

/// The source, name and options; returns whether "Choose folder…" was clicked and whether the
/// source field has the keyboard (the preview waits until the typing stops).
fn form_ui(ui: &mut egui::Ui, panel: &mut ImportPanel) -> (bool, bool) {
    let mut browse = false;
    let mut typing = false;
    ui.add_enabled_ui(!panel.is_running(), |ui| {
        egui::Grid::new("import_form").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
            let label = ui.label("Pictures:");
            ui.horizontal(|ui| {
                typing = ui
                    .add(
                        egui::TextEdit::singleline(&mut panel.source_text)
                            .hint_text("/path/to/my-pictures")
                            .desired_width(300.0),
                    )
                    .labelled_by(label.id)
                    .has_focus();
                browse = ui.button("Choose folder…").clicked();
            });
            ui.end_row();
            let label = ui.label("Name:");
            ui.add(
                egui::TextEdit::singleline(&mut panel.name_text)
                    .hint_text("the folder's name")
                    .desired_width(300.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            ui.label("Preparation:");
            ui.vertical(|ui| {
                ui.radio_value(
                    &mut panel.resize_only,
                    false,
                    "Like Predict: find the object, centre it, invert light backgrounds",
                );
                ui.radio_value(
                    &mut panel.resize_only,
                    true,
                    "Only resize to 28×28 (data already centred, like digits)",
                );
            });
            ui.end_row();
            ui.label("IDX and CSV:");
            ui.horizontal(|ui| {
                ui.checkbox(&mut panel.transposed, "pictures stored column by column (EMNIST)");
                ui.checkbox(&mut panel.one_based, "labels start at 1");
            });
            ui.end_row();
        });
    });
    (browse, typing)
}

fn report_ui(ui: &mut egui::Ui, report: &ImportSummary) {
    ui.separator();
    ui.strong(format!(
        "Imported \"{}\": {} classes, {} training and {} test pictures",
        report.name,
        report.class_count,
        thousands(report.counts.train),
        thousands(report.counts.test)
    ));
    if let Some(note) = &report.split_note {
        ui.label(format!("Test split: {note}"));
    }
    if report.skipped.is_empty() {
        ui.label("Every picture was read.");
        return;
    }
    ui.colored_label(
        ui.visuals().warn_fg_color,
        match report.skipped.len() {
            1 => "1 file was skipped:".to_owned(),
            count => format!("{} files were skipped:", thousands(count)),
        },
    );
    egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
        for file in report.skipped.iter().take(SKIPPED_SHOWN) {
            ui.label(format!("{}: {}", file.path.display(), file.reason));
        }
        if report.skipped.len() > SKIPPED_SHOWN {
            ui.weak(format!(
                "… and {} more (all listed in the data set's dataset.json)",
                report.skipped.len() - SKIPPED_SHOWN
            ));
        }
    });
}

fn poll_chooser(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let panel = &mut cx.state.dataset.library.import;
    let Some(pending) = &panel.picking else { return };
    match pending.poll() {
        DialogPoll::Waiting => ctx.request_repaint_after(std::time::Duration::from_millis(200)),
        DialogPoll::Picked(folder) => {
            panel.picking = None;
            panel.source_text = folder.display().to_string();
        }
        DialogPoll::Nothing => panel.picking = None,
    }
}

/// The worker's answers about data sets.
pub fn on_listed(cx: &mut Ctx<'_>, stored: Vec<StoredSummary>) {
    cx.state.dataset.library.stored = stored;
}

/// Import progress.
pub fn on_progress(cx: &mut Ctx<'_>, progress: ImportProgress) {
    cx.state.dataset.library.import.progress = Some(progress);
}

/// An import finished; its data set loads next.
pub fn on_imported(cx: &mut Ctx<'_>, summary: ImportSummary) {
    let panel = &mut cx.state.dataset.library.import;
    panel.progress = None;
    cx.state.pending_data_choice = Some(DataChoice::Stored(summary.name.clone()));
    panel.report = Some(summary);
}

/// An import failed or was cancelled: the window says so, nothing was stored.
pub fn on_import_ended(cx: &mut Ctx<'_>, job: Job, error: Option<&str>) {
    if job != Job::ImportDataset {
        return;
    }
    let panel = &mut cx.state.dataset.library.import;
    panel.progress = None;
    panel.error = Some(error.map_or_else(|| "Cancelled; nothing was imported.".to_owned(), str::to_owned));
}
