//! The Model tab: preset cards to start from, and the current model as an editable layer table with
//! live shapes, parameters and problems; save and open specs as JSON (through the worker).

use std::path::PathBuf;

use crate::data::ClassNames;
use crate::files::thousands;
use crate::model::{Preset, PresetId, Task, default_binary_task, presets};
use egui::{Key, KeyboardShortcut, Modifiers};

use crate::worker::Command;

use super::super::app::Ctx;
use super::super::edit_history::EditHistory;
use super::super::file_dialogs::{self, DialogKind, DialogPoll};
use super::super::model_draft::{LayerEdit, ModelDraft};
use super::super::state::NoticeKind;
use super::super::widgets::layer_table::{NEW_LAYERS, layer_table_ui};
use super::super::widgets::task_picker::task_picker_ui;

/// Width of the preset column.
const CARD_WIDTH: f32 = 300.0;

/// Runtime state of the Model tab.
#[derive(Default)]
pub struct ModelView {
    /// The spec file path field (always offered; the chooser may be unavailable).
    pub path_text: String,
    /// A chooser running in the background, and what it is for.
    pub dialog: Option<(DialogKind, file_dialogs::PendingDialog)>,
    /// Undo and redo of the draft's edits.
    pub history: EditHistory<ModelDraft>,
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    poll_dialog(ui, cx);
    // The running training uses this model: it stays as it is until the run ends.
    let training = cx.state.train.is_training();
    if training {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "Training in progress: the model is locked until the run ends (Stop it in the Train tab).",
        );
    }
    ui.add_enabled_ui(!training, |ui| {
        undo_shortcuts(ui.ctx(), cx);
        model_ui(ui, cx);
    });
    cx.state.model.history.observe(&cx.settings.model);
}

/// Ctrl+Z undoes an edit of the model, Ctrl+Shift+Z or Ctrl+Y redoes it; a focused text field
/// keeps the keys for its own text.
fn undo_shortcuts(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    if ctx.memory(|memory| memory.focused().is_some()) {
        return;
    }
    let (undo, redo) = ctx.input_mut(|input| {
        let redo = input
            .consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z))
            || input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::Y));
        (input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::Z)), redo)
    });
    if undo {
        undo_edit(cx);
    }
    if redo {
        redo_edit(cx);
    }
}

fn undo_edit(cx: &mut Ctx<'_>) {
    if !cx.state.model.history.undo(&mut cx.settings.model) {
        cx.state.inform(NoticeKind::Info, "Nothing to undo in the model");
    }
}

fn redo_edit(cx: &mut Ctx<'_>) {
    if !cx.state.model.history.redo(&mut cx.settings.model) {
        cx.state.inform(NoticeKind::Info, "Nothing to redo in the model");
    }
}

fn model_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(CARD_WIDTH);
            ui.heading("Start from a preset");
            ui.weak("Click a card to load it into the editor.");
            ui.add_space(4.0);
            egui::ScrollArea::vertical().id_salt("preset_cards").show(ui, |ui| {
                for preset in presets() {
                    preset_card_ui(ui, cx, preset);
                    ui.add_space(6.0);
                }
            });
        });
        ui.separator();
        ui.vertical(|ui| editor_ui(ui, cx));
    });
}

/// A preset card's words for the data set in use: the presets describe Fashion-MNIST, so on
/// another data set the binary card names that set's two default classes, the class count is the
/// set's own, and the expected accuracy is said to be Fashion-MNIST's.
struct CardTexts {
    title: String,
    description: String,
    accuracy: String,
}

impl CardTexts {
    fn new(preset: &Preset, classes: &ClassNames) -> Self {
        if *classes == ClassNames::fashion_mnist() {
            return Self {
                title: preset.title.to_owned(),
                description: preset.description.to_owned(),
                accuracy: format!("Expected test accuracy: {}", preset.expected_accuracy),
            };
        }
        let (title, description) = match (preset.id, default_binary_task(classes)) {
            (PresetId::BinaryDense, Task::Binary { positive, negative }) => (
                format!("{} vs {}", classes.name(negative.into()), classes.name(positive.into())),
                "A small dense network that tells two classes apart (pick them in the editor).".to_owned(),
            ),
            _ => (
                preset.title.to_owned(),
                preset.description.replace("ten classes", &format!("{} classes", classes.len())),
            ),
        };
        let accuracy = format!("On Fashion-MNIST: {}", preset.expected_accuracy);
        Self { title, description, accuracy }
    }
}

fn preset_card_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, preset: &Preset) {
    let selected = cx.settings.model.preset == Some(preset.id);
    let classes = cx.state.data.class_names();
    let params = preset.spec_for(&classes).param_count().map_or_else(|_| "?".to_owned(), thousands);
    let stroke =
        if selected { ui.visuals().selection.stroke } else { ui.visuals().widgets.noninteractive.bg_stroke };
    let card = egui::Frame::group(ui.style()).stroke(stroke).inner_margin(10.0).show(ui, |ui| {
        ui.set_width(CARD_WIDTH - 24.0);
        let texts = CardTexts::new(preset, &classes);
        let title = ui.selectable_label(selected, egui::RichText::new(texts.title).strong().size(15.0));
        ui.horizontal(|ui| {
            ui.monospace(preset.name);
            ui.weak("·");
            ui.label(format!("{params} parameters"));
        });
        ui.label(texts.description);
        ui.label(texts.accuracy);
        title
    });
    let whole = ui.interact(
        card.response.rect,
        ui.scope_id().with(("preset_card", preset.name)),
        egui::Sense::click(),
    );
    if card.inner.clicked() || whole.clicked() {
        cx.settings.model = ModelDraft::from_preset_for(preset.id, &classes);
    }
}

fn editor_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let check = cx.settings.model.check();
    ui.horizontal_wrapped(|ui| {
        ui.heading("Your model");
        let label = ui.label("Name:");
        ui.add(egui::TextEdit::singleline(&mut cx.settings.model.spec.name).desired_width(160.0))
            .labelled_by(label.id);
    });
    let classes = cx.state.data.class_names();
    if let Some(task) = task_picker_ui(ui, cx.settings.model.spec.task, &classes) {
        cx.settings.model.set_task(task);
    }
    ui.add_space(4.0);
    // Both ways: in a narrow window the settings column scrolls sideways; the row buttons come
    // first, so they stay in view. Solid bars, so a bar never lies over the last row's buttons.
    let max_height = ui.available_height() - 130.0;
    ui.scope(|ui| {
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::both().id_salt("layer_table_scroll").max_height(max_height).show(ui, |ui| {
            if let Some(edit) = layer_table_ui(ui, &cx.settings.model.spec.layers, &check) {
                cx.settings.model.apply(edit);
            }
        });
    });
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        ui.menu_button("Add layer", |ui| {
            for layer in NEW_LAYERS {
                if ui.button(layer.to_string()).clicked() {
                    let at = cx.settings.model.spec.layers.len();
                    cx.settings.model.apply(LayerEdit::Insert { at, layer });
                    ui.close();
                }
            }
        });
        ui.separator();
        // Layers after a bad one have no shape, so their parameters are unknown: no made-up total.
        if check.bad_layer().is_some() {
            ui.strong("Total: cannot be counted until the problem is fixed");
        } else {
            ui.strong(format!("Total: {} parameters", thousands(check.total_params())));
        }
        ui.separator();
        match &check.error {
            None => {
                ui.colored_label(egui::Color32::from_rgb(60, 160, 90), "Ready to train");
            }
            Some(error) => {
                ui.colored_label(ui.visuals().error_fg_color, "Cannot be trained yet")
                    .on_hover_text(error.to_string());
            }
        }
    });
    // Problems of the model as a whole (not one layer's) have no row to sit on.
    if let (Some(error), None) = (&check.error, check.bad_layer()) {
        ui.colored_label(ui.visuals().error_fg_color, format!("Problem: {error}"));
    }
    ui.add_space(6.0);
    actions_ui(ui, cx);
}

fn actions_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.horizontal_wrapped(|ui| {
        let history = &cx.state.model.history;
        let (can_undo, can_redo) = (history.can_undo(), history.can_redo());
        if ui
            .add_enabled(can_undo, egui::Button::new("Undo"))
            .on_hover_text("Undo the last edit (Ctrl+Z)")
            .clicked()
        {
            undo_edit(cx);
        }
        if ui
            .add_enabled(can_redo, egui::Button::new("Redo"))
            .on_hover_text("Redo what was undone (Ctrl+Shift+Z or Ctrl+Y)")
            .clicked()
        {
            redo_edit(cx);
        }
        ui.separator();
        if let Some(preset) = cx.settings.model.preset {
            let modified = cx.settings.model.is_modified();
            if ui
                .add_enabled(modified, egui::Button::new(format!("Reset to {}", preset.name())))
                .on_hover_text("Undo every edit: back to the preset's layers")
                .clicked()
            {
                cx.settings.model = ModelDraft::from_preset_for(preset, &cx.state.data.class_names());
            }
        }
        ui.separator();
        let label = ui.label("Spec file:");
        ui.add(
            egui::TextEdit::singleline(&mut cx.state.model.path_text)
                .hint_text("model.json")
                .desired_width(240.0),
        )
        .labelled_by(label.id);
        let path = cx.state.model.path_text.trim().to_owned();
        if ui
            .add_enabled(!path.is_empty(), egui::Button::new("Save"))
            .on_hover_text("Save the spec as JSON (Ctrl+S)")
            .clicked()
        {
            save_spec(cx, PathBuf::from(&path));
        }
        if ui
            .add_enabled(!path.is_empty(), egui::Button::new("Open"))
            .on_hover_text("Load a spec from JSON (Ctrl+O)")
            .clicked()
        {
            cx.send(Command::LoadSpec { path: PathBuf::from(&path) });
        }
        let busy = cx.state.model.dialog.is_some();
        if ui
            .add_enabled(!busy, egui::Button::new("Browse…"))
            .on_hover_text("Choose a spec file to open")
            .clicked()
        {
            open_dialog(ui.ctx(), cx, DialogKind::OpenSpec);
        }
        if busy {
            ui.spinner();
        }
    });
}

/// Ctrl+S: save to the path in the field, or ask where.
pub fn save_shortcut(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let path = cx.state.model.path_text.trim().to_owned();
    if path.is_empty() {
        open_dialog(ctx, cx, DialogKind::SaveSpec);
    } else {
        save_spec(cx, PathBuf::from(path));
    }
}

/// Ctrl+O: choose a spec file to open (not while training: the model is locked).
pub fn open_shortcut(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    if cx.state.train.is_training() {
        cx.state.inform(
            super::super::state::NoticeKind::Info,
            "The model is locked while it trains: stop the run to open another spec.",
        );
        return;
    }
    open_dialog(ctx, cx, DialogKind::OpenSpec);
}

fn save_spec(cx: &mut Ctx<'_>, path: PathBuf) {
    let spec = cx.settings.model.spec.clone();
    cx.send(Command::SaveSpec { spec, path });
}

fn open_dialog(ctx: &egui::Context, cx: &mut Ctx<'_>, kind: DialogKind) {
    if cx.state.model.dialog.is_some() {
        return;
    }
    let repaint = ctx.clone();
    cx.state.model.dialog = Some((kind, file_dialogs::open(kind, move || repaint.request_repaint())));
}

fn poll_dialog(ui: &egui::Ui, cx: &mut Ctx<'_>) {
    let Some((kind, pending)) = &cx.state.model.dialog else { return };
    let kind = *kind;
    match pending.poll() {
        DialogPoll::Waiting => ui.ctx().request_repaint_after(std::time::Duration::from_millis(200)),
        DialogPoll::Picked(path) => {
            cx.state.model.dialog = None;
            cx.state.model.path_text = path.display().to_string();
            match kind {
                DialogKind::SaveSpec => save_spec(cx, path),
                // This tab never opens the other kinds; a stray answer is read as a spec to open.
                DialogKind::OpenSpec
                | DialogKind::PickFolder
                | DialogKind::OpenModel
                | DialogKind::PickReportFolder
                | DialogKind::SaveModel => {
                    cx.send(Command::LoadSpec { path });
                }
                // Other tabs' choosers; this tab never opens them.
                DialogKind::SavePredictionsCsv | DialogKind::ExportOnnx => {}
            }
        }
        DialogPoll::Nothing => {
            cx.state.model.dialog = None;
            cx.state.inform(
                super::super::state::NoticeKind::Info,
                "No file chosen (or no file chooser on this desktop): type the path in the Spec file field.",
            );
        }
    }
}
