//! The Model tab in a headless harness: presets load with their parameter counts, edits are checked
//! live, and an invalid model says why.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

use atelier::gui::{AppOptions, AtelierApp, tabs::Tab};
use atelier::model::{LayerSpec, PresetId};
use atelier::worker::DataRequest;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app on the Model tab (no data needed: it points at a folder that does not exist).
fn model_tab() -> Harness<'static, AtelierApp> {
    let mut harness = Harness::builder().with_size([1280.0, 800.0]).build_eframe(|cc| {
        let options = AppOptions {
            data: Some(DataRequest::Folder("/nonexistent/atelier-test".into())),
            ..AppOptions::default()
        };
        AtelierApp::new(cc, options).expect("app starts")
    });
    harness.get_by_label(Tab::Model.label()).click();
    harness.run_steps(3);
    harness
}

fn pick(harness: &mut Harness<'static, AtelierApp>, id: PresetId) {
    harness.get_by_label(id.preset().title).click();
    harness.run_steps(3);
}

#[test]
fn picking_the_cnn_preset_shows_its_225034_parameters() {
    let mut harness = model_tab();
    pick(&mut harness, PresetId::Dense);
    harness.get_by_label("Total: 235,146 parameters");
    pick(&mut harness, PresetId::Cnn);
    harness.get_by_label("Total: 225,034 parameters");
    harness.get_by_label("Ready to train");
    assert_eq!(harness.state().settings().model.preset, Some(PresetId::Cnn));
}

#[test]
fn removing_flatten_marks_the_dense_layer_with_the_reason_and_blocks_training() {
    let mut harness = model_tab();
    pick(&mut harness, PresetId::Cnn);
    let flatten = harness
        .state()
        .settings()
        .model
        .spec
        .layers
        .iter()
        .position(|l| *l == LayerSpec::Flatten)
        .expect("cnn has Flatten");
    harness.query_all_by_label("Remove").nth(flatten).expect("a Remove button per layer").click();
    harness.run_steps(3);
    assert!(!harness.state().settings().model.spec.layers.contains(&LayerSpec::Flatten));
    let marked = harness.query_all_by_label_contains("add Flatten before it").count();
    assert_eq!(marked, 1, "the Dense layer after the convolutions says what is missing");
    harness.get_by_label("Cannot be trained yet");
    harness.get_by_label("Reset to cnn").click();
    harness.run_steps(3);
    harness.get_by_label("Total: 225,034 parameters");
    harness.get_by_label("Ready to train");
}

#[test]
fn adding_and_moving_layers_updates_shapes_live() {
    let mut harness = model_tab();
    pick(&mut harness, PresetId::Dense);
    let before = harness.state().settings().model.spec.layers.len();
    harness.get_by_label("Add layer").click();
    harness.run_steps(2);
    harness.get_by_label("Dropout 0.2").click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().model.spec.layers.len(), before + 1);
    // A dropout after the last Dense still outputs 10 values: still trainable.
    harness.get_by_label("Ready to train");
}

/// The left edge of every Remove button, top to bottom.
fn remove_buttons_x(harness: &Harness<'static, AtelierApp>) -> Vec<f32> {
    harness.query_all_by_label("Remove").map(|node| node.rect().min.x).collect()
}

#[test]
fn a_problem_does_not_move_the_row_buttons_and_undo_redo_and_insert_repair_the_model() {
    let mut harness = model_tab();
    pick(&mut harness, PresetId::Cnn);
    let layers = harness.state().settings().model.spec.layers.clone();
    let flatten = layers.iter().position(|l| *l == LayerSpec::Flatten).expect("cnn has Flatten");
    let before = remove_buttons_x(&harness);

    // Removing Flatten brings a problem; the Remove buttons stay where they were.
    harness.query_all_by_label("Remove").nth(flatten).expect("a Remove button per layer").click();
    harness.run_steps(3);
    harness.get_by_label("Cannot be trained yet");
    let after = remove_buttons_x(&harness);
    assert_eq!(after.len(), before.len() - 1);
    assert!(after.iter().all(|x| (x - before[0]).abs() < 0.5), "buttons moved: {before:?} → {after:?}");

    // Ctrl+Z brings it back, Redo removes it again.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(3);
    assert_eq!(harness.state().settings().model.spec.layers, layers, "undo restores the layer");
    harness.get_by_label("Ready to train");
    harness.get_by_label("Redo").click();
    harness.run_steps(3);
    assert!(!harness.state().settings().model.spec.layers.contains(&LayerSpec::Flatten));

    // Insert puts Flatten back above the Dense layer in one step (not Add + 8 × Up).
    harness.query_all_by_label("Insert").nth(flatten).expect("an Insert menu per layer").click();
    harness.run_steps(2);
    harness.get_by_label("Flatten").click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().model.spec.layers, layers, "Flatten is back in its place");
    harness.get_by_label("Ready to train");
}
