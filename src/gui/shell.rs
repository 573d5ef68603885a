//! The frame around the tabs: top bar (tabs, theme, help), status bar (data, model, worker), keyboard
//! shortcuts and the F1 help window.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::app::Ctx;
use super::state::{DataState, NoticeKind};
use super::tabs::train::TrainPhase;
use super::tabs::{self, Tab};
use crate::files::thousands;

const TAB_KEYS: [Key; 5] = [Key::Num1, Key::Num2, Key::Num3, Key::Num4, Key::Num5];

/// Ctrl+1..5 switch tabs, Ctrl+O/Ctrl+S open/save the model, F1 toggles help, Ctrl+Q closes the
/// window (saving the settings).
pub fn handle_shortcuts(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let quit =
        ctx.input_mut(|input| input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::Q)));
    if quit {
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
    let (open, save) = ctx.input_mut(|input| {
        (
            input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::O)),
            input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::S)),
        )
    });
    // Until trained models exist, "the model" is its spec: Ctrl+O/Ctrl+S open and save spec JSON.
    if open || save {
        cx.settings.tab = Tab::Model;
        if open {
            tabs::model::open_shortcut(ctx, cx);
        } else {
            tabs::model::save_shortcut(ctx, cx);
        }
    }
    ctx.input_mut(|input| {
        for (tab, key) in Tab::ALL.into_iter().zip(TAB_KEYS) {
            if input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, key)) {
                cx.settings.tab = tab;
            }
        }
        if input.consume_key(Modifiers::NONE, Key::F1) {
            cx.state.show_help = !cx.state.show_help;
        }
    });
}

/// The top bar: app name, one button per tab, theme toggle and help.
pub fn top_bar_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    egui::Panel::top("top_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.add_space(4.0);
            ui.heading("Atelier");
            ui.add_space(12.0);
            for (number, tab) in Tab::ALL.into_iter().enumerate() {
                let selected = cx.settings.tab == tab;
                let text = egui::RichText::new(tab.label()).size(15.0);
                let response = ui.selectable_label(selected, text).on_hover_text(format!(
                    "{}  (Ctrl+{})",
                    tab.purpose(),
                    number + 1
                ));
                if response.clicked() {
                    cx.settings.tab = tab;
                }
                if tab == Tab::Predict {
                    super::tabs::predict::from_dataset::open_on_hover(&response, cx);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Help (F1)").on_hover_text("Shortcuts and what each tab does (F1)").clicked() {
                    cx.state.show_help = !cx.state.show_help;
                }
                let theme = cx.settings.theme;
                if ui.button(theme.label()).on_hover_text("Switch between system, light and dark").clicked() {
                    cx.settings.theme = theme.next();
                    ui.ctx().set_theme(cx.settings.theme.preference());
                }
            });
        });
    });
}

/// The status bar: the data in use, what the worker is doing, and the last message.
pub fn status_bar_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        ui.horizontal(|ui| {
            match &cx.state.data {
                DataState::Loading { since } => {
                    ui.spinner();
                    ui.label(format!("Loading data… {:.1} s", since.elapsed().as_secs_f32()));
                    // The spinner animates; the worker's wake-up ends the loading state.
                    ui.ctx().request_repaint_after(std::time::Duration::from_millis(100));
                }
                DataState::Ready(data) => {
                    let data = &data.data;
                    // "Fashion-MNIST sample", "Fashion-MNIST", or an imported set's own name.
                    let kind = if data.source.is_sample() {
                        format!("{} sample", data.name)
                    } else {
                        data.name.clone()
                    };
                    ui.label(format!(
                        "Data: {kind}, {} train / {} test",
                        thousands(data.train.len()),
                        thousands(data.test.len())
                    ))
                    .on_hover_text(format!(
                        "From {}\nChecksums: {}",
                        data.source.describe(),
                        data.checksums.describe()
                    ));
                }
                DataState::Missing { .. } => {
                    ui.colored_label(ui.visuals().warn_fg_color, "No data loaded");
                }
            }
            ui.separator();
            model_status_ui(ui, cx);
            ui.separator();
            match cx.state.busy {
                // A spinner repaints at the display's rate; while training, frames would take
                // cores from the worker (the Train tab shows progress instead).
                Some(crate::worker::Job::Train) => {
                    ui.label(training_status(cx.state.train.phase));
                }
                Some(job) => {
                    ui.spinner();
                    ui.label(format!("Worker: {}", job.describe()));
                }
                None => {
                    ui.weak("Worker: idle");
                }
            }
            if let Some(notice) = &cx.state.notice {
                ui.separator();
                let color = match notice.kind {
                    NoticeKind::Info => ui.visuals().weak_text_color(),
                    NoticeKind::Error => ui.visuals().error_fg_color,
                };
                // Truncated to the bar; the whole text (a long path) on hover.
                ui.add(egui::Label::new(egui::RichText::new(&notice.text).color(color)).truncate())
                    .on_hover_text(&notice.text);
            }
        });
    });
}

/// What the worker does while it holds a training job, from the Train tab's phase (the job
/// stays the same while paused, but the worker does not train).
fn training_status(phase: TrainPhase) -> &'static str {
    match phase {
        TrainPhase::Idle | TrainPhase::Starting => "Worker: starting training",
        TrainPhase::Running => "Worker: training",
        TrainPhase::Paused => "Worker: training paused",
        TrainPhase::Stopping => "Worker: stopping training",
    }
}

fn model_status_ui(ui: &mut egui::Ui, cx: &Ctx<'_>) {
    // The Model tab's architecture: what Start on the Train tab trains.
    let draft = &cx.settings.model;
    let check = draft.check();
    let name = &draft.spec.name;
    let architecture_hint = "The architecture on the Model tab: what the Train tab trains next.";
    if check.is_trainable() {
        ui.label(format!("Architecture: {name}, {} parameters", thousands(check.total_params())))
            .on_hover_text(architecture_hint);
    } else {
        ui.colored_label(ui.visuals().warn_fg_color, format!("Architecture: {name} (needs fixing)"))
            .on_hover_text(architecture_hint);
    }
    // The trained (or opened) model that Evaluate and Predict use.
    ui.separator();
    match &cx.state.current_model {
        Some(current) => {
            let hint = format!("The model Evaluate and Predict use.\n{}", current.summary());
            ui.label(format!("Trained model: {}", current.name)).on_hover_text(hint);
        }
        None => {
            ui.weak("Trained model: none yet").on_hover_text("Train one, or open a model file.");
        }
    }
}

/// The F1 window: what each tab does and every shortcut.
pub fn help_window(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let mut open = cx.state.show_help;
    egui::Window::new("Help").open(&mut open).resizable(false).collapsible(false).show(ctx, |ui| {
        ui.label("Atelier builds, trains and tests neural networks that recognise clothing in 28×28 images.");
        ui.add_space(8.0);
        egui::Grid::new("help_tabs").num_columns(3).spacing([12.0, 4.0]).show(ui, |ui| {
            for (number, tab) in Tab::ALL.into_iter().enumerate() {
                ui.monospace(format!("Ctrl+{}", number + 1));
                ui.strong(tab.label());
                ui.label(tab.purpose());
                ui.end_row();
            }
            ui.monospace("Ctrl+O");
            ui.strong("Open");
            ui.label("Open a model spec (JSON).");
            ui.end_row();
            ui.monospace("Ctrl+S");
            ui.strong("Save");
            ui.label("Save the model spec (to the path in the Model tab, or choose one).");
            ui.end_row();
            ui.monospace("Ctrl+Z");
            ui.strong("Undo");
            ui.label("Undo an edit of the model (Ctrl+Shift+Z or Ctrl+Y redoes it).");
            ui.end_row();
            ui.monospace("Ctrl+V");
            ui.strong("Paste");
            ui.label("Paste a picture into the Predict tab.");
            ui.end_row();
            ui.monospace("Enter");
            ui.strong("Confirm");
            ui.label("In a path field: add, export or save, like the button beside it.");
            ui.end_row();
            ui.monospace("Escape");
            ui.strong("Close");
            ui.label("Close a large view, the import window, a menu or a question.");
            ui.end_row();
            ui.monospace("F1");
            ui.strong("Help");
            ui.label("Open or close this window.");
            ui.end_row();
            ui.monospace("Ctrl+Q");
            ui.strong("Quit");
            ui.label("Close Atelier (settings are saved).");
            ui.end_row();
        });
        ui.add_space(8.0);
        ui.weak("Settings (tab, theme, data folder) are saved when the window closes.");
    });
    cx.state.show_help = open;
}
