//! The Train tab's one-click fast run on the bundled sample: it replaces the model and settings
//! with the `fast` preset's, starts at once, shows the time spent while it trains, and the model
//! it leaves answers with flip TTA, as the preset asks.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

mod gui_harness;

use atelier::evaluation::TestTimeAugmentation;
use atelier::gui::tabs::Tab;
use atelier::gui::tabs::train::{FAST_RUN_LABEL, FLIP_TTA_LABEL, SHIFT_TTA_LABEL, TrainPhase};
use atelier::model::PresetId;
use atelier::training::TrainConfig;
use egui_kittest::kittest::{NodeT as _, Queryable};
use gui_harness::{app_on_sample, wait_until};

#[test]
fn one_click_trains_the_fast_preset_shows_the_time_spent_and_keeps_flip_tta() {
    let runs = tempfile::tempdir().expect("temporary folder");
    let mut harness = app_on_sample(runs.path());
    // Another model and other settings first: the fast run replaces both.
    harness.get_by_label(Tab::Model.label()).click();
    harness.run_steps(2);
    harness.get_by_label(PresetId::Dense.preset().title).click();
    harness.run_steps(2);
    harness.get_by_label(Tab::Train.label()).click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().model.spec.name, "dense");
    assert!(!harness.get_by_label(FAST_RUN_LABEL).accesskit_node().is_disabled());

    harness.get_by_label(FAST_RUN_LABEL).click();
    harness.run_steps(2);
    assert_ne!(harness.state().state().train.phase, TrainPhase::Idle, "one click starts the run");
    assert_eq!(harness.state().settings().model.spec.name, "fast");
    assert_eq!(harness.state().settings().train.config, TrainConfig::for_preset(PresetId::Fast));
    assert!(harness.get_by_label(FAST_RUN_LABEL).accesskit_node().is_disabled(), "no second run");
    // The form shows what the preset set: label smoothing and flip TTA included.
    harness.get_by_label("Label smoothing");
    harness.get_by_label("Weight decay");
    harness.get_by_label(FLIP_TTA_LABEL);

    wait_until(&mut harness, 120, |app| !app.state().train.batches.is_empty());
    harness.get_by_label_contains("elapsed");

    wait_until(&mut harness, 600, |app| {
        app.state().train.phase == TrainPhase::Idle && app.state().busy.is_none()
    });
    let model = harness.state().state().current_model.clone().expect("the run's model is current");
    assert_eq!(model.tta, TestTimeAugmentation::HorizontalFlip);
    assert!(model.test_accuracy.is_some());
    // Without flip TTA the next run's model answers plainly.
    harness.get_by_label(FLIP_TTA_LABEL).click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().train.config.test_time_augmentation, TestTimeAugmentation::None);
    // Shifts come on top of the mirror only: the box waits for flip TTA.
    assert!(harness.get_by_label(SHIFT_TTA_LABEL).accesskit_node().is_disabled());
    harness.get_by_label(FLIP_TTA_LABEL).click();
    harness.run_steps(2);
    harness.get_by_label(SHIFT_TTA_LABEL).click();
    harness.run_steps(2);
    let config = &harness.state().settings().train.config;
    assert_eq!(config.test_time_augmentation, TestTimeAugmentation::FlipAndShifts);
    // The finished run's summary says how long it took.
    harness.get_by_label_contains("with flip TTA");
}
