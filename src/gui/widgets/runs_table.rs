//! The Train tab's run history as tables: the list of stored runs (select, open, rename, delete) and
//! the side-by-side comparison of the selected ones (the course's dense-versus-CNN table).

use std::collections::BTreeSet;

use crate::files::thousands;
use crate::runs::RunRecord;
use crate::training::StopReason;

/// What the user asked for in the runs list this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAction {
    /// Make this run's model the current model.
    Open(String),
    /// Start renaming this run.
    StartRename(String),
    /// Save the name being typed for this run.
    Rename {
        /// The run.
        id: String,
        /// The new name.
        name: String,
    },
    /// Stop renaming without saving.
    CancelRename,
    /// Ask to delete this run (a confirmation follows).
    AskDelete(String),
    /// Train this run on from where it stopped (a new run in the history).
    Continue(String),
}

/// The rename in progress: which run and the text typed so far.
#[derive(Debug, Clone, Default)]
pub struct RenameDraft {
    /// The run being renamed.
    pub id: String,
    /// The name typed so far.
    pub text: String,
}

/// "2026-12-01T21:40:05Z" → "2026-12-01 21:40 UTC".
#[must_use]
pub fn short_date(created: &str) -> String {
    match (created.get(..10), created.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => created.to_owned(),
    }
}

/// Seconds as "42.0 s", "3 min 05 s" or "1 h 02 min".
#[must_use]
pub fn duration_text(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "–".to_owned();
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = secs.round() as u64;
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else if whole < 3600 {
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        format!("{} h {:02} min", whole / 3600, (whole % 3600) / 60)
    }
}

/// Percent with two decimals, or a dash.
#[must_use]
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{:.2}%", value * 100.0))
}

/// How a run ended, in a word or two for a table cell; the full sentence goes in its tooltip.
#[must_use]
pub fn status_text(reason: StopReason) -> &'static str {
    match reason {
        StopReason::Completed => "completed",
        StopReason::EarlyStopped { .. } => "stopped early (best epoch kept)",
        StopReason::Cancelled => "stopped by you",
        StopReason::Diverged { .. } => "diverged",
    }
}

/// The run's status cell: a diverged run in the error colour, a stopped one in the warning colour,
/// the full reason on hover.
fn status_ui(ui: &mut egui::Ui, reason: StopReason) {
    let text = status_text(reason);
    let color = match reason {
        StopReason::Diverged { .. } => Some(ui.visuals().error_fg_color),
        StopReason::Cancelled => Some(ui.visuals().warn_fg_color),
        StopReason::Completed | StopReason::EarlyStopped { .. } => None,
    };
    let response = match color {
        Some(color) => ui.colored_label(color, text),
        None => ui.label(text),
    };
    response.on_hover_text(reason.message());
}

/// The preset's name, or "custom".
#[must_use]
pub fn preset_text(run: &RunRecord) -> &'static str {
    run.preset.map_or("custom", crate::model::PresetId::name)
}

/// Mean training speed over the run's epochs, in images per second.
#[must_use]
pub fn mean_images_per_sec(run: &RunRecord) -> Option<f64> {
    if run.curves.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let count = run.curves.len() as f64;
    Some(run.curves.iter().map(|epoch| epoch.images_per_sec).sum::<f64>() / count)
}

/// The list of runs: a checkbox (named after the run) to select it for comparison, Open / Rename /
/// Delete right beside it (so a narrow window never hides them), then its facts. `current` is the
/// id of the current model's run.
pub fn runs_list_ui(
    ui: &mut egui::Ui,
    runs: &[RunRecord],
    selected: &mut BTreeSet<String>,
    rename: Option<&mut RenameDraft>,
    current: Option<&str>,
) -> Option<RunAction> {
    let mut action = None;
    // Above the list, not in its first column: a wider column would push every row's buttons.
    if let Some(draft) = rename {
        let old_name = runs.iter().find(|run| run.id == draft.id).map_or("", |run| run.name.as_str());
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(format!("New name for “{old_name}”:"));
            let field = ui
                .add(egui::TextEdit::singleline(&mut draft.text).desired_width(160.0))
                .labelled_by(label.id);
            let enter = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
            let name = draft.text.trim().to_owned();
            if (ui.add_enabled(!name.is_empty(), egui::Button::new("Save name")).clicked() || enter)
                && !name.is_empty()
            {
                action = Some(RunAction::Rename { id: draft.id.clone(), name });
            }
            if ui.button("Cancel").clicked() {
                action = Some(RunAction::CancelRename);
            }
        });
    }
    egui::Grid::new("runs_list").num_columns(9).striped(true).spacing([14.0, 6.0]).show(ui, |ui| {
        for header in ["Run", "", "Test accuracy", "Status", "Parameters", "Preset", "Time", "Date", ""] {
            ui.strong(header);
        }
        ui.end_row();
        for run in runs {
            {
                let mut checked = selected.contains(&run.id);
                let mut text = egui::RichText::new(&run.name);
                if current == Some(run.id.as_str()) {
                    text = text.strong();
                }
                let response = ui.checkbox(&mut checked, text).on_hover_text(format!(
                    "Select to compare (id {}){}; {}",
                    run.id,
                    if current == Some(run.id.as_str()) { ", the current model" } else { "" },
                    run.stop_reason.message()
                ));
                if response.changed() {
                    if checked {
                        selected.insert(run.id.clone());
                    } else {
                        selected.remove(&run.id);
                    }
                }
            }
            ui.horizontal(|ui| {
                if ui.button("Open").on_hover_text("Make this run's model the current model").clicked() {
                    action = Some(RunAction::Open(run.id.clone()));
                }
                if ui.button("Rename").on_hover_text("Give this run another name").clicked() {
                    action = Some(RunAction::StartRename(run.id.clone()));
                }
                if ui
                    .button("Continue training")
                    .on_hover_text(
                        "Train on from where this run stopped, with its settings: to its planned epochs if it \
                         was stopped early, else as many epochs again (the result is a new run)",
                    )
                    .clicked()
                {
                    action = Some(RunAction::Continue(run.id.clone()));
                }
                if ui.button("Delete").on_hover_text("Delete this run and its model (asks first)").clicked() {
                    action = Some(RunAction::AskDelete(run.id.clone()));
                }
            });
            ui.label(percent(run.test_accuracy));
            status_ui(ui, run.stop_reason);
            ui.label(thousands(run.params));
            ui.label(preset_text(run));
            ui.label(duration_text(run.elapsed_secs));
            ui.label(short_date(&run.created));
            if current == Some(run.id.as_str()) {
                ui.weak("current model");
            } else {
                ui.label("");
            }
            ui.end_row();
        }
    });
    action
}

/// The comparison of `runs`: one row per run with test accuracy, parameters, training time,
/// speed and the overfitting gap (train − validation accuracy at the last epoch).
pub fn comparison_table_ui(ui: &mut egui::Ui, runs: &[&RunRecord]) {
    let best = runs.iter().filter_map(|run| run.test_accuracy).fold(f64::NEG_INFINITY, f64::max);
    egui::Grid::new("runs_comparison").num_columns(9).striped(true).spacing([14.0, 6.0]).show(ui, |ui| {
        for header in [
            "Run",
            "Preset",
            "Test accuracy",
            "Parameters",
            "Training time",
            "Images/s",
            "Epochs",
            "Train − val accuracy",
            "Status",
        ] {
            ui.strong(header);
        }
        ui.end_row();
        for run in runs {
            ui.label(&run.name);
            ui.label(preset_text(run));
            let accuracy = percent(run.test_accuracy);
            if run.test_accuracy == Some(best) && runs.len() > 1 {
                ui.strong(accuracy).on_hover_text("The best test accuracy of the selection");
            } else {
                ui.label(accuracy);
            }
            ui.label(thousands(run.params));
            ui.label(duration_text(run.elapsed_secs));
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            ui.label(
                mean_images_per_sec(run)
                    .map_or_else(|| "–".to_owned(), |speed| thousands(speed.round() as usize)),
            );
            ui.label(run.curves.len().to_string());
            let gap = run
                .overfitting_gap()
                .map_or_else(|| "– (no validation)".to_owned(), |gap| format!("{:+.2} points", gap * 100.0));
            ui.label(gap).on_hover_text(
                "Training accuracy minus validation accuracy at the last epoch: the larger, the more the \
                 model learned its training images by heart",
            );
            status_ui(ui, run.stop_reason);
            ui.end_row();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations_read_well() {
        assert_eq!(short_date("2026-12-01T21:40:05Z"), "2026-12-01 21:40 UTC");
        assert_eq!(short_date("garbled"), "garbled");
        assert_eq!(duration_text(4.31), "4.3 s");
        assert_eq!(duration_text(185.0), "3 min 05 s");
        assert_eq!(duration_text(3720.0), "1 h 02 min");
        assert_eq!(percent(Some(0.9064)), "90.64%");
        assert_eq!(percent(None), "–");
    }
}
