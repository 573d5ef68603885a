//! Every tab at 1024×700 (a small laptop screen): the buttons a user needs are inside the window,
//! also with three runs compared, one of them being renamed, and an evaluation on screen.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use atelier::gui::tabs::Tab;
use atelier::gui::{AppOptions, AtelierApp, DataState};
use atelier::model::{LayerSpec, ModelSpec, Network, Task};
use atelier::runs::{RunRecord, RunStore};
use atelier::training::{EpochMetrics, StopReason, TrainConfig, TrainSummary};
use atelier::worker::DataRequest;
use candle_core::Device;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

type App = Harness<'static, AtelierApp>;

const WIDTH: f32 = 1024.0;
const HEIGHT: f32 = 700.0;

/// A stored run that ended for `reason`, with a long name and two epochs of curves.
fn store_run(store: &RunStore, name: &str, reason: StopReason, seed: u64) -> RunRecord {
    let spec = ModelSpec {
        name: name.to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    };
    let history = (1..=2)
        .map(|epoch| EpochMetrics {
            epoch,
            train_loss: 1.0 / epoch as f64,
            train_accuracy: 0.6 + 0.1 * epoch as f64,
            validation_loss: Some(1.1 / epoch as f64),
            validation_accuracy: Some(0.55 + 0.1 * epoch as f64),
            learning_rate: 1e-3,
            elapsed_secs: epoch as f64,
            images_per_sec: 1000.0,
        })
        .collect();
    let summary = TrainSummary {
        stop_reason: reason,
        best_epoch: Some(2),
        history,
        elapsed_secs: 2.0,
        test_accuracy: Some(0.7),
        test_loss: Some(0.9),
    };
    let record = RunRecord::from_training(name, None, &spec, &TrainConfig::default(), &summary, None);
    let network = Network::new(&spec, &Device::Cpu, seed).unwrap();
    store.save(record, &network).unwrap()
}

fn app(runs: &tempfile::TempDir) -> App {
    let runs_dir = runs.path().to_path_buf();
    let mut harness = Harness::builder().with_size([WIDTH, HEIGHT]).build_eframe(move |cc| {
        let options =
            AppOptions { runs_dir: Some(runs_dir), data: Some(DataRequest::Sample), ..AppOptions::default() };
        AtelierApp::new(cc, options).expect("app starts")
    });
    wait_until(&mut harness, |app| {
        matches!(app.state().data, DataState::Ready(_))
            && app.state().busy.is_none()
            && !app.state().runs.runs.is_empty()
    });
    harness
}

fn wait_until(harness: &mut App, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "the worker did not get there");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.run_steps(3);
}

/// Every widget labelled `label` lies wholly inside the window (at least `at_least` of them).
fn assert_inside(harness: &App, label: &str, at_least: usize) {
    let rects: Vec<egui::Rect> = harness.query_all_by_label(label).map(|node| node.rect()).collect();
    assert!(rects.len() >= at_least, "{label}: {} found, {at_least} expected", rects.len());
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(WIDTH, HEIGHT));
    for rect in rects {
        assert!(window.contains_rect(rect), "{label} at {rect:?} is outside the 1024×700 window");
    }
}

fn show(harness: &mut App, tab: Tab) {
    harness.get_by_label(tab.label()).click();
    harness.run_steps(4);
}

#[test]
fn every_tab_keeps_its_buttons_inside_a_1024_by_700_window() {
    let runs = tempfile::tempdir().unwrap();
    let store = RunStore::at(runs.path());
    store_run(&store, "a dense run with a rather long name", StopReason::Completed, 1);
    store_run(&store, "learning rate ten", StopReason::Diverged { epoch: 2, batch: 113 }, 2);
    store_run(&store, "stopped half-way", StopReason::EarlyStopped { best_epoch: 1 }, 3);
    let mut harness = app(&runs);

    show(&mut harness, Tab::Dataset);
    assert_inside(&harness, "Shuffle", 1);
    let hint = harness.get_by_label_contains("Hover an image for its class").rect();
    assert!(hint.max.x <= WIDTH, "the hint wraps instead of running off: {hint:?}");

    show(&mut harness, Tab::Model);
    harness.get_by_label("Convolutional network").click();
    harness.run_steps(3);
    for label in ["Up", "Down", "Remove", "Insert"] {
        assert_inside(&harness, label, 8);
    }
    for label in ["Add layer", "Undo", "Redo", "Browse…"] {
        assert_inside(&harness, label, 1);
    }

    show(&mut harness, Tab::Train);
    for label in ["Start", "Pause", "Stop"] {
        assert_inside(&harness, label, 1);
    }
    harness.get_by_label_contains("Run history").click();
    harness.run_steps(3);
    for name in ["a dense run with a rather long name", "learning rate ten", "stopped half-way"] {
        harness.get_by_label(name).click();
        harness.run_steps(2);
    }
    harness.run_steps(3);
    harness.get_by_label("Comparing 3 runs");
    for label in ["Open", "Rename", "Delete"] {
        assert_inside(&harness, label, 3);
    }
    harness.query_all_by_label("Rename").next().unwrap().click();
    harness.run_steps(3);
    for label in ["Save name", "Cancel"] {
        assert_inside(&harness, label, 1);
    }
    assert_inside(&harness, "Delete", 3);
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);

    // Open a run, evaluate it on the sample, and check the Evaluate page's controls.
    harness.query_all_by_label("Open").next().unwrap().click();
    wait_until(&mut harness, |app| app.state().current_model.is_some() && app.state().busy.is_none());
    show(&mut harness, Tab::Evaluate);
    harness.get_by_label_contains("test images").click();
    wait_until(&mut harness, |app| app.state().evaluate.result.is_some() && app.state().busy.is_none());
    for label in ["Confusion matrix", "Report", "Export report…", "Other model…"] {
        assert_inside(&harness, label, 1);
    }

    show(&mut harness, Tab::Predict);
    for label in ["Open pictures…", "Add", "Clear"] {
        assert_inside(&harness, label, 1);
    }
}
