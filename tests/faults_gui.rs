//! A panic in a worker job, as the user sees it: the window shows the failure, keeps running, and
//! the next job runs.
#![cfg(feature = "gui")]
#![allow(clippy::expect_used)] // set-up failures panic

use std::time::{Duration, Instant};

use atelier::gui::{AppOptions, AtelierApp, DataState, tabs::Tab};
use atelier::worker::{Command, DataRequest};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn wait_until(harness: &mut Harness<'_, AtelierApp>, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "the worker did not answer in time");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
}

#[test]
fn a_panic_in_a_job_shows_as_a_message_and_the_app_keeps_working() {
    let runs = tempfile::tempdir().expect("temp dir");
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(|cc| {
        let options = AppOptions {
            data: Some(DataRequest::Folder("/nonexistent/atelier-faults".into())),
            runs_dir: Some(runs.path().to_path_buf()),
            ..AppOptions::default()
        };
        AtelierApp::new(cc, options).expect("app starts")
    });
    wait_until(&mut harness, |app| matches!(app.state().data, DataState::Missing { .. }));

    harness.state().worker().send(Command::Crash).expect("sent");
    wait_until(&mut harness, |app| {
        app.state().notice.as_ref().is_some_and(|notice| notice.text.contains("internal error"))
    });
    let shown = harness.query_all_by_label_contains("internal error").next().is_some();
    assert!(shown, "the status bar shows the failure");
    assert!(harness.query_all_by_label_contains("Atelier keeps running").next().is_some());

    // Still alive: tabs switch and a new job (loading the sample) runs to the end.
    harness.get_by_label(Tab::Model.label()).click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().tab, Tab::Model);
    harness.get_by_label(Tab::Dataset.label()).click();
    harness.run_steps(2);
    harness.get_by_label("Use the bundled sample").click();
    harness.run_steps(1);
    wait_until(&mut harness, |app| matches!(app.state().data, DataState::Ready(_)));
}
