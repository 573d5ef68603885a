//! Shared by the GUI tests: the app in a headless kittest harness on the bundled sample, with its
//! run history in a folder the test owns, and stepping it until the worker gets somewhere.
#![allow(dead_code, clippy::expect_used)] // each test binary uses part of this; set-up failures panic

use std::path::Path;
use std::time::{Duration, Instant};

use atelier::gui::tabs::Tab;
use atelier::gui::{AppOptions, AtelierApp, DataState};
use atelier::worker::DataRequest;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app under test.
pub type App = Harness<'static, AtelierApp>;

/// The app at 1280×800 on the bundled sample, its run history in `runs_dir`, once the data is
/// loaded, the run history listed and the worker idle.
pub fn app_on_sample(runs_dir: &Path) -> App {
    let runs_dir = runs_dir.to_path_buf();
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |cc| {
        let options =
            AppOptions { runs_dir: Some(runs_dir), data: Some(DataRequest::Sample), ..AppOptions::default() };
        AtelierApp::new(cc, options).expect("app starts")
    });
    // Start-up queues two jobs, the data and then the run history: idle between them is not idle.
    wait_until(&mut harness, 60, |app| {
        matches!(app.state().data, DataState::Ready(_))
            && app.state().runs_listed
            && app.state().busy.is_none()
    });
    harness
}

/// [`app_on_sample`] showing the Evaluate tab (opened with its shortcut, Ctrl+4).
pub fn app_on_evaluate(runs_dir: &Path) -> App {
    let mut harness = app_on_sample(runs_dir);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num4);
    harness.run_steps(3);
    assert_eq!(harness.state().settings().tab, Tab::Evaluate);
    harness
}

/// Opens `model` through the Evaluate tab's "Model file" field; the tab evaluates it once it is
/// current, and this returns when the evaluation is shown and the worker idle.
pub fn open_and_evaluate(harness: &mut App, model: &Path) {
    harness.get_by_label("Model file:").click();
    harness.run_steps(1);
    harness.get_by_label("Model file:").type_text(&model.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Open and evaluate").click();
    harness.run_steps(1);
    wait_until(harness, 120, |app| app.state().evaluate.summary.is_some() && app.state().busy.is_none());
}

/// Steps the harness until `done` holds; the test fails after `secs` seconds.
pub fn wait_until(harness: &mut App, secs: u64, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "the worker did not get there in {secs} s");
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.run_steps(3);
}
