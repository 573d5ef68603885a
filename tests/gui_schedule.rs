//! The Train form's schedule picker: choosing one-cycle shows its warm-up share, which sets the
//! config and the caption under the learning-rate preview.
#![cfg(feature = "gui")]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

mod gui_harness;

use atelier::gui::tabs::Tab;
use atelier::training::Schedule;
use egui_kittest::kittest::Queryable;
use gui_harness::app_on_sample;

#[test]
fn one_cycle_is_picked_from_the_schedule_list_and_its_warm_up_is_set() {
    let runs = tempfile::tempdir().expect("temporary folder");
    let mut harness = app_on_sample(runs.path());
    harness.get_by_label(Tab::Train.label()).click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().train.config.schedule, Schedule::Cosine);
    assert!(harness.query_by_label("warm-up").is_none(), "cosine has no warm-up");

    harness.get_by_label("Schedule").click();
    harness.run_steps(2);
    harness.get_by_label("one-cycle").click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().train.config.schedule, Schedule::ONE_CYCLE);
    harness.get_by_label_contains("over the first 20% of the batches, then down to 0");

    harness.get_by_label("warm-up").set_value_accesskit(0.3);
    harness.run_steps(3);
    assert_eq!(harness.state().settings().train.config.schedule, Schedule::OneCycle { warmup_fraction: 0.3 });
    harness.get_by_label_contains("over the first 30% of the batches");
}
