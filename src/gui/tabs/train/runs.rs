//! The run history page: every stored run (open, rename, delete with a confirmation) and, for two or
//! more selected runs, their curves overlaid and the comparison table.

use std::collections::BTreeSet;

use crate::runs::RunRecord;
use crate::worker::{Command, ContinueRequest, ModelOrigin};

use super::super::super::app::Ctx;
use super::super::super::widgets::runs_table::{RenameDraft, RunAction, comparison_table_ui, runs_list_ui};
use super::super::super::widgets::training_plots::{
    CurvesPlot, PlotKind, Series, SeriesStyle, colors_for_runs, curves_plot_ui,
};

/// Selection, renaming and the pending deletion in the run history.
#[derive(Debug, Default)]
pub struct RunsPanel {
    /// Ids of the runs selected for comparison.
    pub selected: BTreeSet<String>,
    /// The rename in progress.
    pub rename: Option<RenameDraft>,
    /// The run waiting for the user to confirm its deletion.
    pub confirm_delete: Option<String>,
}

/// Draws the page.
pub fn runs_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let current = match cx.state.current_model.as_ref().map(|model| &model.origin) {
        Some(ModelOrigin::Run { id }) => Some(id.clone()),
        _ => None,
    };
    let runs = &cx.state.runs.runs;
    if runs.is_empty() {
        ui.weak("No runs yet: each training run is kept here with its curves, report and model.");
        return;
    }
    // Forget selections of runs that are gone.
    let panel = &mut cx.state.train.runs_panel;
    panel.selected.retain(|id| runs.iter().any(|run| &run.id == id));
    // Both ways: at 1024×700 the list is wider than the column, and Delete must stay reachable.
    // Solid bars: a floating one would lie over the last row and take its buttons' clicks.
    let max_height = ui.available_height() * 0.4;
    let action = ui
        .scope(|ui| {
            ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
            egui::ScrollArea::both().id_salt("runs_list_scroll").max_height(max_height).show(ui, |ui| {
                runs_list_ui(ui, runs, &mut panel.selected, panel.rename.as_mut(), current.as_deref())
            })
        })
        .inner
        .inner;
    if let Some(action) = action {
        apply(cx, action);
    }
    ui.separator();
    let selected = &cx.state.train.runs_panel.selected;
    // Oldest first: a newer run never takes an older one's colour, and both legends read alike.
    let mut chosen: Vec<&RunRecord> =
        cx.state.runs.runs.iter().filter(|run| selected.contains(&run.id)).collect();
    chosen.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    match chosen.len() {
        0 => {
            ui.weak("Tick two or more runs to overlay their curves and compare them.");
        }
        1 => {
            ui.weak("Tick one more run to compare.");
        }
        _ => compare_ui(ui, &chosen),
    }
}

fn apply(cx: &mut Ctx<'_>, action: RunAction) {
    let panel = &mut cx.state.train.runs_panel;
    match action {
        RunAction::Open(id) => {
            cx.send(Command::OpenRun { id });
        }
        RunAction::StartRename(id) => {
            let text = cx.state.runs.runs.iter().find(|run| run.id == id).map(|run| run.name.clone());
            panel.rename = Some(RenameDraft { id, text: text.unwrap_or_default() });
        }
        RunAction::Rename { id, name } => {
            panel.rename = None;
            cx.send(Command::RenameRun { id, name });
        }
        RunAction::CancelRename => panel.rename = None,
        RunAction::AskDelete(id) => panel.confirm_delete = Some(id),
        RunAction::Continue(id) => {
            let Some(run) = cx.state.runs.runs.iter().find(|run| run.id == id) else { return };
            let (done, planned, name) = (run.curves.len(), run.config.epochs, run.name.clone());
            // A stopped run finishes its plan (exactly as if it had not stopped); a finished one
            // trains as many epochs again.
            let total_epochs = if done < planned { planned } else { done + planned };
            let request = ContinueRequest { run_id: id, total_epochs, threads: cx.settings.train.threads };
            if cx.send(Command::ContinueRun(request)) {
                cx.state.train.on_requested(name);
            }
        }
    }
}

/// Curves of the selected runs overlaid (validation solid, training dashed), then the table.
fn compare_ui(ui: &mut egui::Ui, runs: &[&RunRecord]) {
    let mut loss = Vec::new();
    let mut accuracy = Vec::new();
    let ids: Vec<&str> = runs.iter().map(|run| run.id.as_str()).collect();
    for (run, color) in runs.iter().zip(colors_for_runs(&ids)) {
        #[allow(clippy::cast_precision_loss)]
        let points = |value: &dyn Fn(&crate::training::EpochMetrics) -> Option<f64>| -> Vec<[f64; 2]> {
            run.curves.iter().filter_map(|epoch| value(epoch).map(|v| [epoch.epoch as f64, v])).collect()
        };
        loss.push(Series {
            name: format!("{} validation", run.name),
            color,
            style: SeriesStyle::Markers,
            points: points(&|epoch| epoch.validation_loss),
        });
        loss.push(Series {
            name: format!("{} train", run.name),
            color,
            style: SeriesStyle::DashedMarkers,
            points: points(&|epoch| Some(epoch.train_loss)),
        });
        accuracy.push(Series {
            name: format!("{} validation", run.name),
            color,
            style: SeriesStyle::Markers,
            points: points(&|epoch| epoch.validation_accuracy.map(|accuracy| accuracy * 100.0)),
        });
        accuracy.push(Series {
            name: format!("{} train", run.name),
            color,
            style: SeriesStyle::DashedMarkers,
            points: points(&|epoch| Some(epoch.train_accuracy * 100.0)),
        });
    }
    ui.strong(format!("Comparing {} runs", runs.len()));
    egui::ScrollArea::horizontal()
        .id_salt("runs_comparison_scroll")
        .show(ui, |ui| comparison_table_ui(ui, runs));
    ui.add_space(6.0);
    let height = (ui.available_height() - 50.0).clamp(120.0, 360.0);
    ui.columns(2, |columns| {
        curves_plot_ui(
            &mut columns[0],
            CurvesPlot {
                id: "compare_loss",
                kind: PlotKind::Loss,
                series: loss,
                best_epoch: None,
                references: None,
                total_epochs: None,
                height,
            },
        );
        curves_plot_ui(
            &mut columns[1],
            CurvesPlot {
                id: "compare_accuracy",
                kind: PlotKind::Accuracy,
                series: accuracy,
                best_epoch: None,
                references: None,
                total_epochs: None,
                height,
            },
        );
    });
    ui.weak("Solid: validation; dashed: training. The gap between them is the overfitting.");
}

/// The "Delete this run?" window, while a deletion waits for an answer.
pub fn delete_confirmation_ui(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let Some(id) = cx.state.train.runs_panel.confirm_delete.clone() else { return };
    let name =
        cx.state.runs.runs.iter().find(|run| run.id == id).map_or_else(|| id.clone(), |run| run.name.clone());
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("confirm_delete_run")).show(ctx, |ui| {
        ui.heading("Delete this run?");
        ui.label(format!("“{name}” and its model file will be deleted. This cannot be undone."));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Delete run").clicked() {
                answer = Some(true);
            }
            if ui.button("Keep it").clicked() {
                answer = Some(false);
            }
        });
    });
    if modal.should_close() && answer.is_none() {
        answer = Some(false);
    }
    match answer {
        Some(true) => {
            cx.state.train.runs_panel.confirm_delete = None;
            cx.state.train.runs_panel.selected.remove(&id);
            cx.send(Command::DeleteRun { id });
        }
        Some(false) => cx.state.train.runs_panel.confirm_delete = None,
        None => {}
    }
}
