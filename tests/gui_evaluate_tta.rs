//! The Evaluate tab's flip test-time augmentation, in a headless harness on the bundled sample:
//! ticking "Average with the mirror image (flip TTA)" evaluates again on the worker with flip
//! averaging (the accuracy is the one computed in-process), the tab says which setting the numbers
//! used, the choice is offered for saving and the saved file keeps it, and unticking goes back.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod gui_harness;

use std::path::{Path, PathBuf};

use atelier::data;
use atelier::evaluation::TestTimeAugmentation;
use atelier::gui::AtelierApp;
use atelier::gui::tabs::evaluate::{TTA_CHECKBOX_LABEL, TTA_SHIFT_CHECKBOX_LABEL};
use atelier::inference::Predictor;
use atelier::model_file::{ModelMetadata, load_model, save_model};
use atelier::training::{Control, NullSink, TrainConfig, TrainingData, train};
use candle_core::Device;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use gui_harness::{app_on_evaluate, open_and_evaluate, wait_until};

/// A small dense model trained for one epoch on the sample, saved without TTA.
fn trained_model(dir: &Path) -> PathBuf {
    let sample = data::load_sample().expect("sample");
    let spec = common::tiny_dense_spec();
    let config = TrainConfig { epochs: 1, batch_size: 50, seed: 7, ..TrainConfig::default() };
    let training = TrainingData::new(sample.train.clone(), None, 10);
    let outcome = train(&training, &spec, &config, &mut NullSink, &Control::new()).expect("trains");
    let path = dir.join("tiny.safetensors");
    save_model(&path, &outcome.network, &ModelMetadata::for_network(&outcome.network)).expect("saves");
    path
}

/// Waits for an evaluation made with `tta` to be shown.
fn wait_for_evaluation(harness: &mut Harness<'static, AtelierApp>, tta: TestTimeAugmentation) {
    wait_until(harness, 120, |app| {
        app.state().busy.is_none()
            && app.state().evaluate.result.as_ref().is_some_and(|result| result.evaluation.tta == tta)
    });
}

fn shown_accuracy(harness: &Harness<'static, AtelierApp>) -> f64 {
    harness.state().state().evaluate.summary.as_ref().unwrap().report.accuracy
}

fn accuracy_in_process(model: &Path, tta: TestTimeAugmentation) -> f64 {
    let predictor = Predictor::from(load_model(model, &Device::Cpu).unwrap()).with_tta(tta);
    let sample = data::load_sample().unwrap();
    predictor.evaluate(&sample.test, &mut |_, _| {}).unwrap().predictions.report().accuracy
}

/// The Evaluate tab showing a freshly trained model saved without TTA (in the returned folder).
fn evaluating_a_plain_model() -> (tempfile::TempDir, PathBuf, Harness<'static, AtelierApp>) {
    let dir = tempfile::tempdir().unwrap();
    let model = trained_model(dir.path());
    let mut harness = app_on_evaluate(dir.path());
    open_and_evaluate(&mut harness, &model);
    wait_for_evaluation(&mut harness, TestTimeAugmentation::None);
    (dir, model, harness)
}

#[test]
fn ticking_flip_tta_evaluates_again_with_it_says_so_and_saves_it() {
    let (dir, model, mut harness) = evaluating_a_plain_model();
    assert_eq!(shown_accuracy(&harness), accuracy_in_process(&model, TestTimeAugmentation::None));
    harness.query_all_by_label_contains("· no TTA ·").next().expect("the numbers say they have no TTA");
    assert!(harness.query_by_label("Save model").is_none(), "nothing to save yet");

    harness.get_by_label(TTA_CHECKBOX_LABEL).click();
    harness.run_steps(1);
    wait_for_evaluation(&mut harness, TestTimeAugmentation::HorizontalFlip);
    assert_eq!(shown_accuracy(&harness), accuracy_in_process(&model, TestTimeAugmentation::HorizontalFlip));
    harness.query_all_by_label_contains("· flip TTA ·").next().expect("the accuracy line names flip TTA");
    harness
        .query_all_by_label_contains("Numbers below: the mean of each picture and its left-right mirror")
        .next()
        .expect("the row says what the numbers were made with");
    let current = harness.state().state().current_model.clone().unwrap();
    assert_eq!(current.tta, TestTimeAugmentation::HorizontalFlip, "Predict follows the model's setting");
    assert!(current.tta_unsaved);

    // Kept in a file: the field offers the model's own file; saving another copy here.
    let copy = dir.path().join("with-tta.safetensors");
    harness.get_by_label("Save model as:").click();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("Save model as:").type_text(&copy.display().to_string());
    harness.run_steps(1);
    harness.get_by_label("Save model").click();
    harness.run_steps(1);
    wait_until(&mut harness, 120, |app| app.state().busy.is_none() && copy.is_file());
    assert_eq!(load_model(&copy, &Device::Cpu).unwrap().metadata.tta, TestTimeAugmentation::HorizontalFlip);
    assert!(!harness.state().state().current_model.as_ref().unwrap().tta_unsaved);
    assert!(harness.query_by_label("Save model").is_none(), "saved: the row is gone");
    assert_eq!(load_model(&model, &Device::Cpu).unwrap().metadata.tta, TestTimeAugmentation::None);

    harness.get_by_label(TTA_CHECKBOX_LABEL).click();
    harness.run_steps(1);
    wait_for_evaluation(&mut harness, TestTimeAugmentation::None);
    harness.query_all_by_label_contains("· no TTA ·").next().expect("back to the plain numbers");
}

#[test]
fn shifts_come_on_top_of_flip_tta_and_evaluate_again_with_ten_looks() {
    let (_dir, model, mut harness) = evaluating_a_plain_model();
    assert!(
        harness.get_by_label(TTA_SHIFT_CHECKBOX_LABEL).accesskit_node().is_disabled(),
        "shifts wait for the mirror"
    );

    harness.get_by_label(TTA_CHECKBOX_LABEL).click();
    harness.run_steps(1);
    wait_for_evaluation(&mut harness, TestTimeAugmentation::HorizontalFlip);
    harness.get_by_label(TTA_SHIFT_CHECKBOX_LABEL).click();
    harness.run_steps(1);
    wait_for_evaluation(&mut harness, TestTimeAugmentation::FlipAndShifts);
    assert_eq!(shown_accuracy(&harness), accuracy_in_process(&model, TestTimeAugmentation::FlipAndShifts));
    harness.query_all_by_label_contains("· flip + shift TTA ·").next().expect("the accuracy line names it");
    let current = harness.state().state().current_model.clone().unwrap();
    assert_eq!(current.tta, TestTimeAugmentation::FlipAndShifts, "Predict follows the model's setting");

    // Unticking the mirror drops the shifts with it.
    harness.get_by_label(TTA_CHECKBOX_LABEL).click();
    harness.run_steps(1);
    wait_for_evaluation(&mut harness, TestTimeAugmentation::None);
}
