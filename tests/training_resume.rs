//! Continuing a saved run on the bundled sample: stopped after epoch k and continued from its
//! resume file, a run ends with bit-identical weights, curves and test outputs to one that never
//! stopped (the command line's `--stop-after` stops the same way, through `Control`); and
//! `atelier train --resume` refuses what it cannot continue with one clear line.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

mod common;

use std::path::Path;

use atelier::data::{LoadedData, load_sample};
use atelier::model::{Network, PresetId};
use atelier::training::{
    Control, EpochMetrics, NullSink, ProgressSink, Schedule, Start, StopReason, TrainConfig, TrainError,
    TrainOutcome, TrainingData, load_resume_state, save_resume_state, train, train_from,
};

fn small_sample() -> TrainingData {
    let data: LoadedData = load_sample().unwrap();
    let positions: Vec<usize> = (0..192).collect();
    TrainingData::new(data.train.select(&positions), Some(data.test.select(&positions[..64])), 10)
}

fn weights(network: &Network) -> Vec<(String, Vec<u32>)> {
    network
        .named_tensors()
        .unwrap()
        .into_iter()
        .map(|(name, t)| {
            (name, t.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().map(|v| v.to_bits()).collect())
        })
        .collect()
}

/// The per-epoch numbers that do not depend on time.
fn curves(history: &[EpochMetrics]) -> Vec<[Option<u64>; 4]> {
    history
        .iter()
        .map(|m| {
            [
                Some(m.train_loss.to_bits()),
                m.validation_loss.map(f64::to_bits),
                Some(m.learning_rate.to_bits()),
                Some(m.epoch as u64),
            ]
        })
        .collect()
}

/// Cancels the run once epoch `after` has finished, as `--stop-after` does.
struct StopAfter<'a> {
    after: usize,
    control: &'a Control,
}

impl ProgressSink for StopAfter<'_> {
    fn epoch_finished(&mut self, metrics: &EpochMetrics) {
        if metrics.epoch == self.after {
            self.control.cancel();
        }
    }
}

/// `config` in one go, and stopped after `stop_after` epochs, saved, loaded and continued to `total`.
fn one_go_and_continued(
    config: &TrainConfig,
    stop_after: usize,
    total: usize,
) -> (TrainOutcome, TrainOutcome) {
    one_go_and_continued_with(PresetId::Cnn, config, stop_after, total)
}

/// As [`one_go_and_continued`] with `preset`'s layers.
fn one_go_and_continued_with(
    preset: PresetId,
    config: &TrainConfig,
    stop_after: usize,
    total: usize,
) -> (TrainOutcome, TrainOutcome) {
    let data = small_sample();
    let spec = preset.spec();
    let one_go =
        train(&data, &spec, &TrainConfig { epochs: total, ..config.clone() }, &mut NullSink, &Control::new())
            .unwrap();
    let control = Control::new();
    let first =
        train(&data, &spec, config, &mut StopAfter { after: stop_after, control: &control }, &control)
            .unwrap();
    assert_eq!(first.resume.epochs_done, stop_after);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.resume.safetensors");
    save_resume_state(&file, &first.resume).unwrap();
    let state = load_resume_state(&file).unwrap();
    assert_eq!(state, first.resume, "the resume file keeps every bit");
    let continued_config = TrainConfig { epochs: total, ..state.config.clone() };
    let continued =
        train_from(&data, Start::Resume(&state), &continued_config, &mut NullSink, &Control::new()).unwrap();
    (one_go, continued)
}

#[test]
fn a_cnn_stopped_after_two_of_four_cosine_epochs_and_continued_equals_four_in_one_go() {
    let config = TrainConfig { epochs: 4, ..TrainConfig::for_preset(PresetId::Cnn) };
    assert_eq!(config.schedule, Schedule::Cosine, "the schedule whose plan depends on the total");
    let (one_go, continued) = one_go_and_continued(&config, 2, 4);
    assert_eq!(continued.summary.stop_reason, StopReason::Completed);
    assert_eq!(weights(&continued.network), weights(&one_go.network));
    assert_eq!(curves(&continued.summary.history), curves(&one_go.summary.history));
    assert_eq!(continued.summary.test_accuracy, one_go.summary.test_accuracy);
    assert_eq!(continued.test_predictions, one_go.test_predictions);
}

#[test]
fn a_batch_norm_network_stopped_and_continued_equals_one_go_bit_for_bit() {
    // The fused conv + batch norm op and the running statistics: a resumed run must repeat the
    // uninterrupted one exactly, however the threads split the batch.
    let config = TrainConfig { epochs: 3, ..TrainConfig::for_preset(PresetId::Fast) };
    let (one_go, continued) = one_go_and_continued_with(PresetId::Fast, &config, 1, 3);
    assert_eq!(continued.summary.stop_reason, StopReason::Completed);
    assert_eq!(weights(&continued.network), weights(&one_go.network), "weights and running statistics");
    assert_eq!(curves(&continued.summary.history), curves(&one_go.summary.history));
    assert_eq!(continued.test_predictions, one_go.test_predictions);
}

#[test]
fn a_constant_schedule_run_of_two_epochs_continued_to_four_equals_four_in_one_go() {
    let config =
        TrainConfig { epochs: 2, schedule: Schedule::Constant, ..TrainConfig::for_preset(PresetId::Cnn) };
    let (one_go, continued) = one_go_and_continued(&config, 2, 4);
    assert_eq!(weights(&continued.network), weights(&one_go.network));
    assert_eq!(curves(&continued.summary.history), curves(&one_go.summary.history));
}

#[test]
fn continuing_to_a_total_not_above_the_epochs_done_is_refused() {
    let data = small_sample();
    let config = TrainConfig { epochs: 1, ..TrainConfig::for_preset(PresetId::Dense) };
    let first = train(&data, &PresetId::Dense.spec(), &config, &mut NullSink, &Control::new()).unwrap();
    let error =
        train_from(&data, Start::Resume(&first.resume), &config, &mut NullSink, &Control::new()).unwrap_err();
    assert!(matches!(error, TrainError::NothingToContinue { epochs_done: 1, total: 1 }), "{error}");
    assert!(error.to_string().contains("done 1 epochs already"), "{error}");
}

#[test]
fn the_command_line_refuses_a_continuation_with_nothing_to_do_changed_settings_or_a_wrong_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = TrainConfig { epochs: 1, ..TrainConfig::for_preset(PresetId::Dense) };
    let done =
        train(&small_sample(), &PresetId::Dense.spec(), &config, &mut NullSink, &Control::new()).unwrap();
    let file = dir.path().join("dense.resume.safetensors");
    save_resume_state(&file, &done.resume).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Checked before any data is loaded: a finished run asked for no more epochs says how to go on.
    let again = common::atelier(&["train", "--resume", &file.display().to_string()], root);
    common::assert_no_panic(&again);
    let stderr = common::text(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pass --epochs with a new total above 1"), "{stderr}");
    // The saved settings are the run's: changing them while continuing is refused.
    let changed = common::atelier(&["train", "--resume", &file.display().to_string(), "--lr", "0.1"], root);
    assert!(!changed.status.success());
    assert!(
        common::text(&changed.stderr).contains("cannot be used with"),
        "{}",
        common::text(&changed.stderr)
    );
    // A model file that is not a resume state is named in the refusal.
    let model = dir.path().join("other.safetensors");
    std::fs::write(&model, b"not a model").unwrap();
    let wrong = common::atelier(&["train", "--resume", &model.display().to_string()], root);
    common::assert_one_line_failure(&wrong, &model);
}
