//! The window's shell in a headless harness: every tab renders, tabs switch by label and shortcut,
//! and the first-run panel explains a missing data set. No display or GPU needed.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use atelier::gui::{AppOptions, AtelierApp, DataState, tabs::Tab};
use atelier::worker::DataRequest;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn app_with(data: DataRequest) -> Harness<'static, AtelierApp> {
    Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |cc| {
        AtelierApp::new(cc, AppOptions { data: Some(data), ..AppOptions::default() }).expect("app starts")
    })
}

/// Steps the harness until the worker's answer has been applied (or fails after 20 s).
fn wait_until(harness: &mut Harness<'_, AtelierApp>, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "the worker did not answer in time");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
}

fn not_loading(app: &AtelierApp) -> bool {
    !matches!(app.state().data, DataState::Loading { .. })
}

fn empty_folder_app() -> (tempfile::TempDir, Harness<'static, AtelierApp>) {
    let empty = tempfile::tempdir().expect("temp dir");
    let mut harness = app_with(DataRequest::Folder(empty.path().to_path_buf()));
    wait_until(&mut harness, not_loading);
    (empty, harness)
}

#[test]
fn first_run_panel_appears_when_no_data_is_found() {
    let (empty, harness) = empty_folder_app();
    harness.get_by_label("Welcome to Atelier");
    harness.get_by_label("Use the bundled sample");
    harness.get_by_label("Download the full set (30 MB)");
    harness.get_by_label("Choose folder…");
    // The loader's message names the folder it looked in.
    let folder = empty.path().display().to_string();
    assert!(
        harness.query_all_by_label_contains(&folder).next().is_some(),
        "the panel should say where Atelier looked ({folder})"
    );
}

#[test]
fn clicking_a_tab_by_its_label_switches_to_it() {
    let (_empty, mut harness) = empty_folder_app();
    for tab in Tab::ALL.into_iter().rev() {
        harness.get_by_label(tab.label()).click();
        harness.run_steps(2);
        assert_eq!(harness.state().settings().tab, tab);
    }
}

#[test]
fn every_tab_renders_its_own_content() {
    let (_empty, mut harness) = empty_folder_app();
    let expectations = [
        (Tab::Dataset, "Welcome to Atelier"),
        (Tab::Model, "Start from a preset"),
        (Tab::Train, "Hyperparameters"),
        (Tab::Evaluate, "No data set"),
        (Tab::Predict, "Drop pictures here"),
    ];
    for (tab, text) in expectations {
        harness.get_by_label(tab.label()).click();
        harness.run_steps(2);
        harness.get_by_label(text);
    }
}

#[test]
fn ctrl_and_a_number_switch_tabs_and_f1_opens_help() {
    let (_empty, mut harness) = empty_folder_app();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num3);
    harness.run_steps(2);
    assert_eq!(harness.state().settings().tab, Tab::Train);
    harness.key_press(egui::Key::F1);
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("Open or close this window").next().is_some());
    // Every key the app answers to is listed.
    for key in ["Ctrl+Z", "Ctrl+V", "Enter", "Escape", "Ctrl+Q"] {
        harness.get_by_label(key);
    }
}

#[test]
fn a_bad_folder_typed_in_the_panel_shows_the_loaders_error_and_the_app_keeps_running() {
    let (_empty, mut harness) = empty_folder_app();
    let bad = tempfile::tempdir().expect("temp dir");
    std::fs::write(bad.path().join("train-images-idx3-ubyte.gz"), b"not gzip").expect("write");
    harness.get_by_label("Folder with the four .gz files:").click();
    harness.run_steps(1);
    harness.get_by_label("Folder with the four .gz files:").type_text(&bad.path().display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Load").click();
    harness.run_steps(1);
    wait_until(&mut harness, not_loading);
    assert!(matches!(harness.state().state().data, DataState::Missing { .. }));
    harness.get_by_label("Welcome to Atelier");
    assert!(harness.query_all_by_label_contains(&bad.path().display().to_string()).next().is_some());
}

#[test]
fn pictures_given_on_the_command_line_open_the_predict_tab() {
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(|cc| {
        let options = AppOptions {
            data: Some(DataRequest::Folder("/nonexistent/atelier-test".into())),
            images: vec!["shirt.jpg".into()],
            ..AppOptions::default()
        };
        AtelierApp::new(cc, options).expect("app starts")
    });
    assert_eq!(harness.state().settings().tab, Tab::Predict);
    // The file does not exist: its row in the Predict table says so, and the app keeps running.
    wait_until(&mut harness, |app| !app.state().predict.list.is_waiting());
    assert!(harness.query_all_by_label("shirt.jpg").next().is_some(), "no row for shirt.jpg");
    assert!(
        harness.query_all_by_label_contains("Error: cannot read the file").next().is_some(),
        "the row should say the file cannot be read"
    );
}
