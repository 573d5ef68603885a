//! The training loop on the bundled real sample with the real presets: pause/resume is exact,
//! a saved model reports the accuracy training measured, and the CNN presets train.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

use std::sync::Arc;
use std::time::Duration;

use atelier::data::{LoadedData, load_sample};
use atelier::inference::Predictor;
use atelier::model::{Network, PresetId};
use atelier::model_file::{ModelMetadata, load_model, save_model};
use atelier::training::{
    BatchMetrics, Control, NullSink, ProgressSink, StopReason, TrainConfig, TrainOutcome, TrainingData,
    TrainingStarted, train,
};
use candle_core::Device;

fn sample() -> LoadedData {
    load_sample().unwrap()
}

fn weights(network: &Network) -> Vec<(String, Vec<f32>)> {
    network
        .named_tensors()
        .unwrap()
        .into_iter()
        .map(|(name, t)| (name, t.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
        .collect()
}

fn dense_config() -> TrainConfig {
    TrainConfig { epochs: 2, ..TrainConfig::for_preset(PresetId::Dense) }
}

fn train_dense(sink: &mut dyn ProgressSink, control: &Control) -> TrainOutcome {
    let data = TrainingData::from(&sample());
    train(&data, &PresetId::Dense.spec(), &dense_config(), sink, control).unwrap()
}

/// Pauses at a chosen batch and resumes from another thread after a while.
struct PauseAt {
    at: (usize, usize),
    control: Arc<Control>,
    paused_batches: usize,
}

impl ProgressSink for PauseAt {
    fn batch_finished(&mut self, metrics: &BatchMetrics) {
        if self.control.is_paused() {
            self.paused_batches += 1;
        }
        if (metrics.epoch, metrics.batch) == self.at {
            self.control.pause();
            let control = Arc::clone(&self.control);
            std::thread::Builder::new()
                .name("test-helper".to_owned())
                .spawn(move || {
                    std::thread::sleep(Duration::from_millis(300));
                    control.resume();
                })
                .unwrap();
        }
    }
}

#[test]
fn pause_and_resume_on_the_sample_gives_the_uninterrupted_weights() {
    let uninterrupted = train_dense(&mut NullSink, &Control::new());
    let control = Arc::new(Control::new());
    let mut sink = PauseAt { at: (1, 5), control: Arc::clone(&control), paused_batches: 0 };
    let started = std::time::Instant::now();
    let resumed = train_dense(&mut sink, &control);
    assert!(started.elapsed() >= Duration::from_millis(300), "the loop waited while paused");
    assert_eq!(sink.paused_batches, 0, "no batch ran while paused");
    assert_eq!(resumed.summary.stop_reason, StopReason::Completed);
    assert_eq!(weights(&resumed.network), weights(&uninterrupted.network));
    assert_eq!(resumed.summary.test_accuracy, uninterrupted.summary.test_accuracy);
}

#[test]
fn a_saved_model_reports_the_accuracy_training_measured() {
    let outcome = train_dense(&mut NullSink, &Control::new());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dense.safetensors");
    let mut metadata = ModelMetadata::for_network(&outcome.network);
    metadata.train_config = Some(dense_config());
    save_model(&path, &outcome.network, &metadata).unwrap();
    let loaded = load_model(&path, &Device::Cpu).unwrap();
    assert_eq!(loaded.metadata.train_config, Some(dense_config()));
    let evaluation = Predictor::new(loaded.network).evaluate(&sample().test, &mut |_, _| {}).unwrap();
    let accuracy = evaluation.predictions.report().accuracy;
    assert_eq!(format!("{accuracy:.4}"), format!("{:.4}", outcome.summary.test_accuracy.unwrap()));
}

#[test]
fn the_cnn_presets_train_on_a_slice_of_the_sample() {
    let data = sample();
    let positions: Vec<usize> = (0..160).collect();
    let small =
        TrainingData::new(data.train.select(&positions), Some(data.test.select(&positions[..100])), 10);
    for preset in [PresetId::Cnn, PresetId::CnnBn] {
        // cnn-bn's default config has augmentation and AdamW: both paths run here.
        let config = TrainConfig { epochs: 1, ..TrainConfig::for_preset(preset) };
        let outcome = train(&small, &preset.spec(), &config, &mut NullSink, &Control::new()).unwrap();
        assert_eq!(outcome.summary.stop_reason, StopReason::Completed, "{preset}");
        let metrics = &outcome.summary.history[0];
        assert!(metrics.train_loss.is_finite() && metrics.validation_loss.unwrap().is_finite(), "{preset}");
        // Batch norm's running statistics need more than a few steps, so only the plain CNN is
        // expected to beat chance already.
        if preset == PresetId::Cnn {
            assert!(outcome.summary.test_accuracy.unwrap() > 0.1, "{:?}", outcome.summary.test_accuracy);
        }
    }
}

#[test]
fn binary_preset_sees_only_its_two_classes() {
    let data = TrainingData::from(&sample());
    let config = TrainConfig { epochs: 1, ..TrainConfig::for_preset(PresetId::BinaryDense) };
    let mut sink = Started(None);
    let outcome = train(&data, &PresetId::BinaryDense.spec(), &config, &mut sink, &Control::new()).unwrap();
    // 100 sneakers + 100 ankle boots in the sample's training split, 50 + 50 in its test split.
    let started = sink.0.unwrap();
    assert_eq!((started.train_examples, started.validation_examples, started.test_examples), (180, 20, 100));
    assert!(outcome.summary.test_accuracy.unwrap() > 0.8, "{:?}", outcome.summary.test_accuracy);
}

/// Keeps the `started` report.
struct Started(Option<TrainingStarted>);

impl ProgressSink for Started {
    fn started(&mut self, info: &TrainingStarted) {
        self.0 = Some(info.clone());
    }
}
