//! The Dataset tab on the bundled sample, in a headless harness: the class grid, the class chart,
//! the large view of one image, the test split and the binary view.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use atelier::data::Split;
use atelier::gui::{AppOptions, AtelierApp, DataState};
use atelier::worker::DataRequest;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn sample_app() -> Harness<'static, AtelierApp> {
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(|cc| {
        AtelierApp::new(cc, AppOptions { data: Some(DataRequest::Sample), ..AppOptions::default() })
            .expect("app starts")
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while matches!(harness.state().state().data, DataState::Loading { .. }) {
        assert!(Instant::now() < deadline, "the sample did not load");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
    harness
}

#[test]
fn the_sample_fills_the_grid_and_an_image_opens_large_with_its_label() {
    let mut harness = sample_app();
    assert!(matches!(harness.state().state().data, DataState::Ready(_)), "the sample loads");
    harness.get_by_label("10 training images of each class");
    harness.get_by_label("Mean image of each class");
    // Every class has a row label in the grid.
    for name in atelier::data::FASHION_MNIST_NAMES {
        assert!(harness.query_all_by_label(name).next().is_some(), "{name} row");
    }
    harness.query_all_by_label("Trouser").next().expect("Trouser row");
    // Each image is named "<class> #<position>" for screen readers.
    harness.query_all_by_label_contains("Sandal #").next().expect("a sandal in the grid").click();
    harness.run_steps(3);
    assert!(harness.state().state().dataset.zoomed.is_some(), "clicking an image opens the large view");
    assert!(harness.query_all_by_label_contains("of the train split").next().is_some());

    // The large view belongs to the train grid: showing the test split closes it.
    harness.query_all_by_label_contains("Test (").next().expect("test split button").click();
    harness.run_steps(3);
    assert!(harness.query_all_by_label_contains("of the train split").next().is_none(), "stale large view");
    assert!(harness.state().state().dataset.zoomed.is_none());
    // And so does the binary task, for an image opened from the ten-class grid.
    harness.query_all_by_label_contains("Sandal #").next().expect("a sandal in the grid").click();
    harness.run_steps(3);
    harness.get_by_label("Binary task: Sneaker vs Ankle boot").click();
    harness.run_steps(3);
    assert!(harness.query_all_by_label_contains("of the test split").next().is_none(), "stale large view");
}

#[test]
fn the_test_split_and_the_binary_view_switch_by_label() {
    let mut harness = sample_app();
    harness.query_all_by_label_contains("Test (").next().expect("test split button").click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().dataset_split, Split::Test);
    harness.get_by_label("10 test images of each class");
    harness.get_by_label("Binary task: Sneaker vs Ankle boot").click();
    harness.run_steps(3);
    harness.get_by_label("Sneaker");
    harness.get_by_label("Ankle boot");
}
