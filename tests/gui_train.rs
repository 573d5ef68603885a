//! The Train tab in a headless harness on the bundled sample, with the run history in a temporary
//! folder: Start/Pause/Stop and the model lock, a diverging run's message, exact pause/resume, and
//! the comparison of a dense and a CNN run.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

mod gui_harness;

use std::time::Duration;

use atelier::gui::AtelierApp;
use atelier::gui::tabs::Tab;
use atelier::gui::tabs::train::TrainPhase;
use atelier::model::PresetId;
use atelier::training::StopReason;
use atelier::worker::{Job, ModelOrigin};
use egui_kittest::kittest::{NodeT as _, Queryable};
use gui_harness::{App, app_on_sample, wait_until};

/// The app on the sample data, with its run history in `runs`, data loaded and runs listed.
fn app(runs: &tempfile::TempDir) -> App {
    app_on_sample(runs.path())
}

fn phase(harness: &App) -> TrainPhase {
    harness.state().state().train.phase
}

fn idle(app: &AtelierApp) -> bool {
    app.state().train.phase == TrainPhase::Idle && app.state().busy.is_none()
}

/// Picks `preset` on the Model tab, then shows the Train tab.
fn pick(harness: &mut App, preset: PresetId) {
    harness.get_by_label(Tab::Model.label()).click();
    harness.run_steps(2);
    harness.get_by_label(preset.preset().title).click();
    harness.run_steps(2);
    harness.get_by_label(Tab::Train.label()).click();
    harness.run_steps(3);
}

fn set_number(harness: &mut App, label: &str, value: f64) {
    harness.get_by_label(label).set_value_accesskit(value);
    harness.run_steps(2);
}

fn start(harness: &mut App) {
    harness.get_by_label("Start").click();
    harness.run_steps(2);
}

fn is_enabled(harness: &App, label: &str) -> bool {
    !harness.get_by_label(label).accesskit_node().is_disabled()
}

#[test]
fn start_enables_pause_and_stop_and_locks_the_model_until_stop_keeps_one() {
    let runs = tempfile::tempdir().expect("temp dir");
    let mut harness = app(&runs);
    pick(&mut harness, PresetId::Cnn);
    set_number(&mut harness, "Epochs", 20.0);
    assert!(is_enabled(&harness, "Start"));
    assert!(!is_enabled(&harness, "Pause") && !is_enabled(&harness, "Stop"));

    start(&mut harness);
    assert_ne!(phase(&harness), TrainPhase::Idle);
    assert!(!is_enabled(&harness, "Start"), "no second run while one trains");
    assert!(is_enabled(&harness, "Pause") && is_enabled(&harness, "Stop"));
    assert!(harness.state().settings().train.config.epochs == 20);

    // The Model tab is locked while the run trains.
    harness.get_by_label(Tab::Model.label()).click();
    harness.run_steps(2);
    harness.get_by_label_contains("the model is locked until the run ends");
    assert!(!is_enabled(&harness, "Add layer"), "editing the model is disabled while training");
    harness.get_by_label(Tab::Train.label()).click();
    harness.run_steps(2);

    // Let it train a little, then stop: back to idle, with a current model and a stored run.
    wait_until(&mut harness, 120, |app| !app.state().train.batches.is_empty());
    harness.get_by_label("Stop").click();
    wait_until(&mut harness, 120, idle);
    let state = harness.state().state();
    let result = state.train.last_result.as_ref().expect("a result");
    assert_eq!(result.summary.stop_reason, StopReason::Cancelled);
    assert!(result.summary.history.len() < 20, "stopped before the end");
    assert!(!result.made_current, "a stopped run does not become the current model by itself");
    assert!(state.current_model.is_none());
    let run_id = result.run.as_ref().expect("the run is stored").id.clone();
    harness.get_by_label("Training stopped");
    assert!(is_enabled(&harness, "Start") && !is_enabled(&harness, "Stop"));

    // The history marks it as stopped; Open makes it the current model on purpose.
    wait_until(&mut harness, 30, |app| app.state().runs.runs.len() == 1);
    harness.get_by_label_contains("Run history").click();
    harness.run_steps(2);
    harness.get_by_label("stopped by you");
    harness.get_by_label("Open").click();
    wait_until(&mut harness, 30, |app| {
        app.state()
            .current_model
            .as_ref()
            .is_some_and(|model| model.origin == ModelOrigin::Run { id: run_id.clone() })
    });
    harness.get_by_label("Live").click();
    harness.run_steps(2);

    // "Save model as…" writes the kept model (through the worker).
    let file = runs.path().join("saved.safetensors");
    harness.get_by_label("Save model as:").set_text_value_accesskit(&file.display().to_string());
    harness.run_steps(2);
    harness.get_by_label("Save").click();
    wait_until(&mut harness, 30, |app| app.state().busy.is_none() && file.exists());
    assert!(std::fs::metadata(&file).expect("saved").len() > 100_000, "225,034 weights in the file");
    wait_until(&mut harness, 30, |app| app.state().runs.runs.len() == 1);

    harness.get_by_label(Tab::Model.label()).click();
    harness.run_steps(2);
    assert!(is_enabled(&harness, "Add layer"), "the model is editable again");
}

#[test]
fn a_diverging_learning_rate_is_warned_about_and_its_run_keeps_the_good_model_current() {
    let runs = tempfile::tempdir().expect("temp dir");
    let mut harness = app(&runs);
    pick(&mut harness, PresetId::Dense);
    set_number(&mut harness, "Epochs", 1.0);
    start(&mut harness);
    wait_until(&mut harness, 120, idle);
    wait_until(&mut harness, 30, |app| app.state().runs.runs.len() == 1);
    let good = harness.state().state().current_model.clone().expect("the completed run is current");

    set_number(&mut harness, "Epochs", 2.0);
    assert!(harness.query_by_label_contains("the loss may diverge").is_none(), "no warning at 0.001");
    harness.get_by_label("exact:").set_text_value_accesskit("1000");
    harness.run_steps(2);
    harness.get_by_label_contains("the loss may diverge");
    assert!((harness.state().settings().train.config.learning_rate - 1000.0).abs() < 1e-9);
    // One thread instead of all cores: the worker trains in a pool of that size.
    harness.get_by_label("Threads").click();
    harness.run_steps(2);
    set_number(&mut harness, "use", 1.0);
    assert_eq!(harness.state().settings().train.threads, Some(1));
    start(&mut harness);
    wait_until(&mut harness, 120, idle);
    let result = harness.state().state().train.last_result.as_ref().expect("a result");
    assert!(
        matches!(result.summary.stop_reason, StopReason::Diverged { .. }),
        "{:?}",
        result.summary.stop_reason
    );
    harness.get_by_label("Training diverged");
    let message = result.summary.stop_reason.message();
    assert!(message.contains("try a smaller learning rate"));
    harness.get_by_label(&message);

    // The good model stays current; the diverged run is in the history, marked.
    assert!(!result.made_current);
    let current = harness.state().state().current_model.as_ref().expect("still a current model");
    assert_eq!(current.origin, good.origin);
    assert_eq!(harness.state().settings().current_model, Some(atelier::gui::ModelRef::Run(run_id(&good))));
    harness.get_by_label_contains("did not replace the model: the current model is still dense #1");
    wait_until(&mut harness, 30, |app| app.state().runs.runs.len() == 2);
    harness.get_by_label_contains("Run history").click();
    harness.run_steps(2);
    harness.get_by_label("diverged");
    harness.get_by_label("completed");
}

fn run_id(model: &atelier::worker::ModelInfo) -> String {
    match &model.origin {
        ModelOrigin::Run { id } => id.clone(),
        other => panic!("not a run: {other:?}"),
    }
}

/// Per epoch: train loss, validation loss, validation accuracy.
type EpochOutcome = (f64, Option<f64>, Option<f64>);

/// What must match between two runs with the same seed: per-epoch metrics and test accuracy.
fn outcome(harness: &App) -> (Vec<EpochOutcome>, Option<f64>) {
    let result = harness.state().state().train.last_result.as_ref().expect("a result");
    assert_eq!(result.summary.stop_reason, StopReason::Completed);
    let epochs = result
        .summary
        .history
        .iter()
        .map(|epoch| (epoch.train_loss, epoch.validation_loss, epoch.validation_accuracy))
        .collect();
    (epochs, result.summary.test_accuracy)
}

#[test]
fn pause_then_resume_gives_the_same_result_as_an_uninterrupted_run() {
    let runs = tempfile::tempdir().expect("temp dir");
    let mut harness = app(&runs);
    pick(&mut harness, PresetId::Cnn);
    set_number(&mut harness, "Epochs", 2.0);
    set_number(&mut harness, "Batch size", 32.0);
    start(&mut harness);
    wait_until(&mut harness, 180, idle);
    let uninterrupted = outcome(&harness);

    start(&mut harness);
    wait_until(&mut harness, 120, |app| !app.state().train.batches.is_empty());
    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    assert_eq!(phase(&harness), TrainPhase::Paused);
    // Paused for real: no batch arrives for a while, and the run is not over.
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(2);
    let seen = harness.state().state().train.batches.len();
    std::thread::sleep(Duration::from_millis(600));
    harness.run_steps(2);
    assert_eq!(harness.state().state().train.batches.len(), seen, "no batch runs while paused");
    assert!(harness.state().state().train.epochs.len() < 2, "paused before the run ended");
    harness.get_by_label_contains("Paused:");
    harness.get_by_label("Worker: training paused");
    harness.get_by_label("Resume").click();
    harness.run_steps(2);
    assert_eq!(phase(&harness), TrainPhase::Running);
    wait_until(&mut harness, 180, idle);
    assert_eq!(outcome(&harness), uninterrupted, "pause/resume is exact");
}

#[test]
fn a_learning_rate_set_while_paused_applies_after_resuming() {
    let runs = tempfile::tempdir().expect("temp dir");
    let mut harness = app(&runs);
    pick(&mut harness, PresetId::Cnn);
    set_number(&mut harness, "Epochs", 1.0);
    set_number(&mut harness, "Batch size", 32.0);
    start(&mut harness);
    wait_until(&mut harness, 120, |app| !app.state().train.batches.is_empty());
    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    let field = "Learning rate from the next batch:";
    let shown = harness.get_by_label(field).value().expect("the field shows the current rate");
    assert_eq!(shown.parse::<f64>().ok(), Some(1e-3), "{shown}");
    harness.get_by_label(field).set_text_value_accesskit("0.0005");
    harness.run_steps(2);
    harness.get_by_label("Resume").click();
    wait_until(&mut harness, 120, idle);
    let batches = &harness.state().state().train.batches;
    let last = batches.last().expect("batches");
    // One epoch of cosine: its only epoch runs at the base rate, now the new one.
    assert!((last.learning_rate - 5e-4).abs() < 1e-12, "last batch used {}", last.learning_rate);
    assert!(batches.iter().any(|batch| (batch.learning_rate - 1e-3).abs() < 1e-12), "the start used 1e-3");
}

#[test]
fn comparing_a_dense_and_a_cnn_run_shows_the_measured_table_and_runs_can_be_opened_renamed_deleted() {
    let runs = tempfile::tempdir().expect("temp dir");
    let mut harness = app(&runs);
    for (stored, preset) in [PresetId::Dense, PresetId::Cnn].into_iter().enumerate() {
        pick(&mut harness, preset);
        set_number(&mut harness, "Epochs", 1.0);
        start(&mut harness);
        if stored > 0 {
            // The last run's "Training completed…" is not shown while the next one trains.
            wait_until(&mut harness, 60, |app| app.state().busy == Some(Job::Train));
            assert!(harness.query_by_label_contains("Training completed").is_none(), "stale status");
        }
        wait_until(&mut harness, 180, idle);
        // Runs are named after the history's length: wait for the new listing.
        wait_until(&mut harness, 30, |app| app.state().runs.runs.len() == stored + 1);
    }
    harness.get_by_label_contains("Run history").click();
    harness.run_steps(2);
    harness.get_by_label("dense #1").click();
    harness.run_steps(1);
    harness.get_by_label("cnn #2").click();
    harness.run_steps(2);
    harness.get_by_label("Comparing 2 runs");
    harness.get_by_label("Train − val accuracy");
    let listed = harness.state().state().runs.runs.clone();
    for run in &listed {
        let accuracy = format!("{:.2}%", run.test_accuracy.expect("tested") * 100.0);
        // Once in the list, once in the comparison.
        assert!(harness.query_all_by_label(&accuracy).count() >= 2, "{accuracy} shown for {}", run.name);
        let gap = format!("{:+.2} points", run.overfitting_gap().expect("validated") * 100.0);
        harness.get_by_label(&gap);
    }
    assert!(harness.query_all_by_label("235,146").count() >= 2);
    assert!(harness.query_all_by_label("225,034").count() >= 2);

    // Open the dense run as the current model.
    let dense = listed.iter().find(|run| run.name == "dense #1").expect("dense run").id.clone();
    let row = listed.iter().position(|run| run.id == dense).expect("row");
    harness.query_all_by_label("Open").nth(row).expect("an Open button per run").click();
    wait_until(&mut harness, 30, |app| {
        app.state()
            .current_model
            .as_ref()
            .is_some_and(|model| model.origin == ModelOrigin::Run { id: dense.clone() })
    });

    // Rename it, then delete it after confirming.
    harness.query_all_by_label("Rename").nth(row).expect("a Rename button per run").click();
    harness.run_steps(2);
    harness.get_by_label_contains("New name for").set_text_value_accesskit("my dense");
    harness.run_steps(1);
    harness.get_by_label("Save name").click();
    wait_until(&mut harness, 30, |app| app.state().runs.runs.iter().any(|run| run.name == "my dense"));
    let row = harness.state().state().runs.runs.iter().position(|run| run.id == dense).expect("row");
    harness.query_all_by_label("Delete").nth(row).expect("a Delete button per run").click();
    harness.run_steps(2);
    harness.get_by_label("Delete this run?");
    harness.get_by_label("Delete run").click();
    wait_until(&mut harness, 30, |app| app.state().runs.runs.len() == 1);
    assert!(!runs.path().join(&dense).exists(), "the run's folder is gone");

    // It was the current model: nothing names it any more, and it is not reopened at the next start.
    assert!(harness.state().state().current_model.is_none(), "the deleted run is no longer current");
    assert_eq!(harness.state().settings().current_model, None);
    harness.get_by_label("Trained model: none yet");
    harness.get_by_label_contains("there is no current model now");
    harness.get_by_label(Tab::Evaluate.label()).click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("my dense").is_none(), "Evaluate does not name the deleted run");
}
