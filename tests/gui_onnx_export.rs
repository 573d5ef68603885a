//! "Export as ONNX" in a headless harness: on the Evaluate tab the current model is exported by the
//! worker, checked with tract on the loaded test pictures, and the result line says so; a destination
//! that cannot be written shows the error and leaves no file.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod gui_harness;

use std::path::{Path, PathBuf};

use atelier::gui::AtelierApp;
use atelier::model::{Network, PresetId};
use atelier::model_file::{ModelMetadata, save_model};
use candle_core::Device;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use gui_harness::{app_on_evaluate, wait_until};

/// A cnn-bn model (untrained weights are enough to compare two runtimes), saved as a file.
fn model_file(dir: &Path) -> PathBuf {
    let network = Network::new(&PresetId::CnnBn.spec(), &Device::Cpu, 5).unwrap();
    let path = dir.join("cnn-bn.safetensors");
    save_model(&path, &network, &ModelMetadata::for_network(&network)).unwrap();
    path
}

fn type_into(harness: &mut Harness<'static, AtelierApp>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.run_steps(1);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(1);
}

/// Opens `model` from the Evaluate tab and exports it to `out` through the ONNX row.
fn export(harness: &mut Harness<'static, AtelierApp>, model: &Path, out: &Path) {
    if harness.state().state().current_model.is_none() {
        type_into(harness, "Model file:", &model.display().to_string());
        harness.get_by_label("Open and evaluate").click();
        harness.run_steps(1);
        wait_until(harness, 120, |app| app.state().evaluate.summary.is_some() && app.state().busy.is_none());
        harness.get_by_label("Export as ONNX…").click();
        harness.run_steps(2);
    }
    let field = harness.get_by_label("Export as ONNX:");
    field.click();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Export as ONNX:").type_text(&out.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Export").click();
    harness.run_steps(1);
    wait_until(harness, 120, |app| app.state().onnx_export.outcome.is_some() && app.state().busy.is_none());
}

#[test]
fn the_evaluate_tab_exports_the_model_and_shows_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app_on_evaluate(dir.path());
    let model = model_file(dir.path());
    let out = dir.path().join("exported.onnx");
    export(&mut harness, &model, &out);
    assert!(out.is_file(), "the file is written");
    tract_onnx::prelude::Framework::model_for_path(&tract_onnx::onnx(), &out).expect("tract reads it");
    let line = harness
        .query_all_by_label_contains("Checked with tract")
        .next()
        .expect("the check's result is shown")
        .accesskit_node()
        .value() // a label's text is its accesskit value
        .unwrap_or_default();
    assert!(line.contains("on 300 of the bundled sample's test pictures"), "{line}");
    assert!(line.contains("limit 1e-4"), "{line}");

    // A destination under a regular file cannot be written: the error is shown, no file appears.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let bad = blocker.join("model.onnx");
    export(&mut harness, &model, &bad);
    harness.query_all_by_label_contains("Export failed: cannot write").next().expect("the error is shown");
    assert!(!bad.exists());
}
