//! Your own pictures in the window, as a user goes: a folder of 26 letter classes (made here) is
//! dropped on the Dataset tab and imported; the grid, the Model presets, training, the Evaluate tab's
//! 26×26 matrix and Predict all follow its class names; a 3-class set imports through the window's
//! fields; the stored data sets are listed, renamed and deleted.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod synthetic;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atelier::gui::DataChoice;
use atelier::gui::tabs::Tab;
use atelier::gui::{AppOptions, AtelierApp, DataState};
use atelier::model::{PresetId, Task};
use atelier::worker::DataRequest;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

type App = Harness<'static, AtelierApp>;

#[derive(Debug)]
struct FolderDrop(PathBuf);

impl egui::DroppedFile for FolderDrop {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("a native drop is read by the worker".to_owned())
    }
}

fn app(home: &Path) -> App {
    let (runs, datasets) = (home.join("runs"), home.join("datasets"));
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(move |cc| {
        let options = AppOptions {
            runs_dir: Some(runs),
            datasets_dir: Some(datasets),
            data: Some(DataRequest::Sample),
            ..AppOptions::default()
        };
        AtelierApp::new(cc, options).expect("app starts")
    });
    wait_until(&mut harness, 60, |app| matches!(app.state().data, DataState::Ready(_)));
    harness
}

fn wait_until(harness: &mut App, secs: u64, done: impl Fn(&AtelierApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for the worker");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
}

fn class_count(app: &AtelierApp) -> usize {
    match &app.state().data {
        DataState::Ready(data) => data.data.classes.len(),
        DataState::Loading { .. } | DataState::Missing { .. } => 0,
    }
}

fn open_tab(harness: &mut App, tab: Tab) {
    harness.get_by_label(tab.label()).click();
    harness.run_steps(3);
}

#[test]
fn twenty_six_letters_dropped_imported_trained_evaluated_and_predicted() {
    let home = tempfile::tempdir().unwrap();
    let folder = synthetic::letter_folders(&home.path().join("letters"), &synthetic::alphabet(), 40, 3);
    let mut harness = app(home.path());
    assert_eq!(harness.state().settings().tab, Tab::Dataset);

    // A folder dropped on the Dataset tab is offered for import, not predicted.
    harness.input_mut().dropped_files.push(Arc::new(FolderDrop(folder.clone())));
    harness.run_steps(3);
    assert_eq!(harness.state().settings().tab, Tab::Dataset);
    harness.get_by_label("Import pictures");
    harness.get_by_label("Only resize to 28×28 (data already centred, like digits)").click();
    harness.run_steps(1);
    harness.get_by_label("Import").click();
    harness.run_steps(1);
    wait_until(&mut harness, 120, |app| class_count(app) == 26);
    assert_eq!(harness.state().settings().data, DataChoice::Stored("letters".to_owned()));
    harness.get_by_label_contains("Imported \"letters\": 26 classes");
    harness.get_by_label_contains("20% of each class");
    // Every class has its row in the grid, by its own name.
    for (name, _) in synthetic::alphabet() {
        assert!(harness.query_all_by_label(&name).next().is_some(), "{name} row");
    }

    // The presets are sized to 26 classes.
    open_tab(&mut harness, Tab::Model);
    harness.get_by_label(PresetId::Dense.preset().title).click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().model.spec.task, Task::all(26));
    harness.get_by_label("All 26 classes");
    // The cards speak of this data set: no "Sneaker vs Ankle boot", accuracies said to be Fashion-MNIST's.
    assert!(harness.query_by_label("Sneaker vs Ankle boot").is_none());
    assert_eq!(harness.query_all_by_label_contains("On Fashion-MNIST: ").count(), PresetId::ALL.len());

    open_tab(&mut harness, Tab::Train);
    // A small set: small batches and some epochs, so the network gets enough steps.
    harness.get_by_label("Epochs").set_value_accesskit(15.0);
    harness.get_by_label("Batch size").set_value_accesskit(16.0);
    harness.run_steps(2);
    harness.get_by_label("Start").click();
    harness.run_steps(2);
    wait_until(&mut harness, 300, |app| {
        app.state().current_model.as_ref().is_some_and(|model| model.output_names.len() == 26)
            && app.state().busy.is_none()
    });

    open_tab(&mut harness, Tab::Evaluate);
    harness.get_by_label_contains("Evaluate on").click();
    harness.run_steps(1);
    wait_until(&mut harness, 120, |app| app.state().evaluate.summary.is_some() && app.state().busy.is_none());
    let summary = harness.state().state().evaluate.summary.as_ref().unwrap();
    assert_eq!(summary.report.classes.len(), 26);
    assert_eq!(summary.report.classes[25].name, "letter Z");
    assert!(summary.report.accuracy > 0.3, "letters are learned: {}", summary.report.accuracy);

    // A picture of a letter, predicted with the data set's names.
    let picture = home.path().join("b.png");
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(5);
    synthetic::letter_picture('B', &mut rng).save(&picture).unwrap();
    open_tab(&mut harness, Tab::Predict);
    harness.input_mut().dropped_files.push(Arc::new(FolderDrop(picture)));
    harness.run_steps(2);
    wait_until(&mut harness, 60, |app| {
        app.state().busy.is_none() && app.state().predict.list.pictures.iter().all(|p| p.result().is_some())
    });
    let top = harness.state().state().predict.list.pictures[0].top_two();
    assert!(top[0].0.starts_with("letter "), "{top:?}");
}

#[test]
fn three_shapes_import_from_the_fields_and_the_list_renames_and_deletes() {
    let home = tempfile::tempdir().unwrap();
    let folder = synthetic::letter_folders(&home.path().join("shapes"), &synthetic::shapes(), 15, 4);
    let mut harness = app(home.path());
    harness.get_by_label("Import pictures…").click();
    // The click opens the window the frame after; its first frame is an invisible sizing pass.
    harness.run_steps(4);
    harness.get_by_label("Pictures:").click();
    harness.get_by_label("Pictures:").type_text(&folder.display().to_string());
    harness.get_by_label("Name:").click();
    harness.get_by_label("Name:").type_text("my shapes");
    harness.run_steps(1);
    // Before the import: the first picture of each class, as it is and as the network will see it.
    wait_until(&mut harness, 30, |app| app.state().dataset.library.import.preview.pictures().len() == 3);
    for name in ["bar", "circle", "cross"] {
        harness.get_by_label(&format!("{name} as the network will see it"));
    }
    harness.get_by_label("Import").click();
    harness.run_steps(1);
    wait_until(&mut harness, 120, |app| class_count(app) == 3);
    for name in ["circle", "cross", "bar"] {
        assert!(harness.query_all_by_label(name).next().is_some(), "{name} row");
    }
    harness.get_by_label("All 3 classes");
    harness.get_by_label("Close").click();
    harness.run_steps(2);

    harness.get_by_label("Rename…").click();
    harness.run_steps(2);
    // The field holds the old name: go to its end, then type.
    harness.get_by_label("New name:").focus();
    harness.run_steps(1);
    harness.key_press(egui::Key::End);
    harness.get_by_label("New name:").type_text(" 2");
    harness.run_steps(1);
    harness.get_by_label("Rename").click();
    wait_until(&mut harness, 30, |app| {
        app.state().dataset.library.stored.iter().any(|stored| stored.name == "my shapes 2")
    });
    assert_eq!(harness.state().settings().data, DataChoice::Stored("my shapes 2".to_owned()));

    harness.get_by_label("Delete…").click();
    harness.run_steps(2);
    harness.get_by_label("Delete").click();
    wait_until(&mut harness, 60, |app| {
        app.state().dataset.library.stored.is_empty() && class_count(app) == 10
    });
    assert!(!home.path().join("datasets/my_shapes_2").exists());
}

#[test]
fn a_folder_that_is_not_a_data_set_gets_a_message_and_nothing_is_stored() {
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let mut harness = app(home.path());
    harness.input_mut().dropped_files.push(Arc::new(FolderDrop(empty)));
    harness.run_steps(3);
    harness.get_by_label("Import").click();
    harness.run_steps(1);
    wait_until(&mut harness, 30, |app| app.state().dataset.library.import.error.is_some());
    assert_eq!(class_count(harness.state()), 10, "the data set in use stays");
    assert!(harness.state().state().dataset.library.stored.is_empty());
}
