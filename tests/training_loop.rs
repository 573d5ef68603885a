//! The training loop on tiny synthetic data: it learns, it is deterministic, pause/resume is
//! exact, cancel and divergence stop cleanly, early stopping restores the best weights.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use atelier::data::{Dataset, IMAGE_PIXELS, validation_split};
use atelier::model::{LayerSpec, ModelSpec, Network, Task};
use atelier::training::{
    BatchMetrics, Control, EpochMetrics, NullSink, OptimizerKind, ProgressSink, Schedule, StopReason,
    TrainConfig, TrainOutcome, TrainSummary, TrainingData, TrainingStarted, train,
};

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `len` noisy images; class k has a bright horizontal band at rows 2k+3..2k+6, unless
/// `random_labels`, where labels have nothing to do with the pixels.
fn synthetic(len: usize, seed: u64, random_labels: bool) -> Dataset {
    let mut pixels = Vec::with_capacity(len * IMAGE_PIXELS);
    let mut labels = Vec::with_capacity(len);
    for i in 0..len {
        let class = (splitmix(seed ^ (i as u64) << 8) % 10) as usize;
        for p in 0..IMAGE_PIXELS {
            let noise = (splitmix(seed.wrapping_mul(31) ^ ((i * IMAGE_PIXELS + p) as u64)) % 60) as u8;
            let row = p / 28;
            let band = !random_labels && (2 * class + 3..2 * class + 6).contains(&row);
            pixels.push(if band { 200 + noise / 2 } else { noise });
        }
        let label = if random_labels { (splitmix(seed + 77 + i as u64) % 10) as u8 } else { class as u8 };
        labels.push(label);
    }
    Dataset::new(pixels.into(), labels.into())
}

fn data() -> TrainingData {
    TrainingData::new(synthetic(400, 1, false), Some(synthetic(100, 2, false)), 10)
}

fn tiny_spec() -> ModelSpec {
    use LayerSpec::{Dense, Dropout, Flatten, Relu};
    ModelSpec {
        name: "tiny".to_owned(),
        task: Task::all(10),
        layers: vec![Flatten, Dense { units: 32 }, Relu, Dropout { rate: 0.1 }, Dense { units: 10 }],
    }
}

fn config() -> TrainConfig {
    TrainConfig { epochs: 4, batch_size: 32, learning_rate: 5e-3, seed: 3, ..TrainConfig::default() }
}

fn weights(network: &Network) -> HashMap<String, Vec<f32>> {
    network
        .named_tensors()
        .unwrap()
        .into_iter()
        .map(|(name, t)| (name, t.flatten_all().unwrap().to_vec1::<f32>().unwrap()))
        .collect()
}

/// Train loss and accuracy, validation loss and accuracy, learning rate.
type Repeatable = (f64, f64, Option<f64>, Option<f64>, f64);

/// The metrics that must repeat exactly (timings are left out).
fn repeatable(summary: &TrainSummary) -> Vec<Repeatable> {
    summary
        .history
        .iter()
        .map(|m| (m.train_loss, m.train_accuracy, m.validation_loss, m.validation_accuracy, m.learning_rate))
        .collect()
}

/// What a test does to the control from inside a sink callback.
type Action = Box<dyn FnMut() + Send>;

/// Records everything, and can act on the control at a chosen batch.
#[derive(Default)]
struct Recorder {
    started: Vec<TrainingStarted>,
    batches: Vec<BatchMetrics>,
    epochs: Vec<EpochMetrics>,
    finished: Vec<TrainSummary>,
    at_batch: Option<((usize, usize), Action)>,
    /// Batches finished so far, readable from another thread.
    batches_done: Arc<AtomicUsize>,
}

impl ProgressSink for Recorder {
    fn started(&mut self, info: &TrainingStarted) {
        self.started.push(info.clone());
    }
    fn batch_finished(&mut self, metrics: &BatchMetrics) {
        self.batches.push(*metrics);
        self.batches_done.fetch_add(1, Ordering::SeqCst);
        if let Some((at, action)) = &mut self.at_batch
            && *at == (metrics.epoch, metrics.batch)
        {
            action();
        }
    }
    fn epoch_finished(&mut self, metrics: &EpochMetrics) {
        self.epochs.push(*metrics);
    }
    fn finished(&mut self, summary: &TrainSummary) {
        self.finished.push(summary.clone());
    }
}

fn run(config: &TrainConfig, sink: &mut dyn ProgressSink, control: &Control) -> TrainOutcome {
    train(&data(), &tiny_spec(), config, sink, control).unwrap()
}

#[test]
fn loss_decreases_and_the_sink_hears_every_step() {
    let mut sink = Recorder::default();
    let outcome = run(&config(), &mut sink, &Control::new());
    let summary = &outcome.summary;
    assert_eq!(summary.stop_reason, StopReason::Completed);
    assert_eq!(summary.history.len(), 4);
    let (first, last) = (&summary.history[0], &summary.history[3]);
    assert!(last.train_loss < 0.5 * first.train_loss, "{} → {}", first.train_loss, last.train_loss);
    assert!(last.validation_loss.unwrap() < first.validation_loss.unwrap());
    assert!(summary.test_accuracy.unwrap() > 0.9, "test accuracy {:?}", summary.test_accuracy);
    let started = &sink.started[0];
    assert_eq!((started.train_examples, started.validation_examples, started.test_examples), (360, 40, 100));
    assert_eq!(started.batches_per_epoch, 12);
    assert_eq!(sink.batches.len(), 4 * 12);
    assert_eq!(sink.epochs.len(), 4);
    assert_eq!(sink.finished.len(), 1);
    assert!(last.learning_rate < first.learning_rate, "cosine schedule lowers the rate");
}

#[test]
fn same_seed_same_metrics_and_weights_other_seed_differs() {
    let a = run(&config(), &mut NullSink, &Control::new());
    let b = run(&config(), &mut NullSink, &Control::new());
    assert_eq!(repeatable(&a.summary), repeatable(&b.summary));
    assert_eq!(weights(&a.network), weights(&b.network));
    let other = run(&TrainConfig { seed: 4, ..config() }, &mut NullSink, &Control::new());
    assert_ne!(repeatable(&a.summary), repeatable(&other.summary));
}

#[test]
fn pause_then_resume_from_another_thread_gives_identical_weights() {
    let uninterrupted = run(&config(), &mut NullSink, &Control::new());
    let control = Arc::new(Control::new());
    let resumer = Arc::clone(&control);
    let batches_done = Arc::new(AtomicUsize::new(0));
    let seen_while_paused = Arc::new(AtomicUsize::new(usize::MAX));
    let (done, seen) = (Arc::clone(&batches_done), Arc::clone(&seen_while_paused));
    let mut sink = Recorder {
        batches_done,
        at_batch: Some((
            (2, 3),
            Box::new(move || {
                resumer.pause();
                let (resumer, done, seen) = (Arc::clone(&resumer), Arc::clone(&done), Arc::clone(&seen));
                std::thread::Builder::new()
                    .name("test-helper".to_owned())
                    .spawn(move || {
                        std::thread::sleep(Duration::from_millis(200));
                        // Still the pausing batch: a pause that did nothing would have let the
                        // loop run on (or finish) in these 200 ms.
                        seen.store(done.load(Ordering::SeqCst), Ordering::SeqCst);
                        resumer.resume();
                    })
                    .unwrap();
            }),
        )),
        ..Recorder::default()
    };
    let paused = run(&config(), &mut sink, &control);
    assert_eq!(seen_while_paused.load(Ordering::SeqCst), 12 + 3, "no batch ran while paused");
    assert_eq!(paused.summary.stop_reason, StopReason::Completed);
    assert_eq!(weights(&paused.network), weights(&uninterrupted.network));
    assert_eq!(repeatable(&paused.summary), repeatable(&uninterrupted.summary));
    assert_eq!(sink.batches.len(), 48);
}

#[test]
fn learning_rate_set_while_paused_applies_to_the_next_batch() {
    let control = Arc::new(Control::new());
    let resumer = Arc::clone(&control);
    let mut sink = Recorder {
        at_batch: Some((
            (1, 5),
            Box::new(move || {
                resumer.pause();
                let resumer = Arc::clone(&resumer);
                std::thread::Builder::new()
                    .name("test-helper".to_owned())
                    .spawn(move || {
                        std::thread::sleep(Duration::from_millis(50));
                        resumer.set_learning_rate(1e-4);
                        resumer.resume();
                    })
                    .unwrap();
            }),
        )),
        ..Recorder::default()
    };
    let config = TrainConfig { schedule: Schedule::Constant, epochs: 2, ..config() };
    run(&config, &mut sink, &control);
    assert_eq!(sink.batches[4].learning_rate, 5e-3);
    assert!(sink.batches[5..].iter().all(|b| b.learning_rate == 1e-4));
}

#[test]
fn cancel_stops_before_the_next_batch_and_keeps_a_usable_model() {
    let control = Arc::new(Control::new());
    let canceller = Arc::clone(&control);
    let mut sink =
        Recorder { at_batch: Some(((2, 3), Box::new(move || canceller.cancel()))), ..Recorder::default() };
    let outcome = run(&config(), &mut sink, &control);
    assert_eq!(outcome.summary.stop_reason, StopReason::Cancelled);
    assert_eq!(sink.batches.len(), 12 + 3, "no batch after the cancel");
    assert_eq!(outcome.summary.history.len(), 1);
    assert_eq!(sink.finished.len(), 1);
    assert!(outcome.summary.test_accuracy.is_some());
}

#[test]
fn a_huge_learning_rate_stops_with_the_divergence_message_and_finite_weights() {
    for optimizer in [OptimizerKind::Adam, OptimizerKind::Sgd { momentum: 0.9 }] {
        let config = TrainConfig { learning_rate: 1e3, optimizer, ..config() };
        let outcome = run(&config, &mut NullSink, &Control::new());
        let StopReason::Diverged { epoch, batch } = outcome.summary.stop_reason else {
            panic!("{optimizer:?}: expected divergence, got {:?}", outcome.summary.stop_reason);
        };
        assert_eq!(
            outcome.summary.stop_reason.message(),
            format!("loss diverged at epoch {epoch} batch {batch}; try a smaller learning rate")
        );
        assert!(weights(&outcome.network).values().flatten().all(|w| w.is_finite()));
        let test_loss = outcome.summary.test_loss.unwrap();
        assert!(test_loss.is_finite(), "{optimizer:?}: test loss {test_loss}");
        for metrics in &outcome.summary.history {
            assert!(metrics.train_loss.is_finite() && metrics.validation_loss.unwrap().is_finite());
        }
    }
}

#[test]
fn early_stopping_restores_the_best_epochs_weights() {
    // Random labels: the network can only memorise, so the validation loss soon rises.
    let train_set = synthetic(300, 5, true);
    let config = TrainConfig {
        epochs: 30,
        learning_rate: 1e-2,
        schedule: Schedule::Constant,
        early_stopping_patience: Some(2),
        validation_fraction: 0.2,
        ..config()
    };
    // Testing on the validation hold-out itself: the test loss must then equal the best epoch's
    // validation loss.
    let (_, validation_positions) = validation_split(train_set.len(), 0.2, config.seed);
    let data = TrainingData::new(train_set.clone(), Some(train_set.select(&validation_positions)), 10);
    let outcome = train(&data, &tiny_spec(), &config, &mut NullSink, &Control::new()).unwrap();
    let summary = &outcome.summary;
    let StopReason::EarlyStopped { best_epoch } = summary.stop_reason else {
        panic!("expected an early stop, got {:?}", summary.stop_reason);
    };
    assert_eq!(summary.best_epoch, Some(best_epoch));
    assert_eq!(summary.history.len(), best_epoch + 2);
    let best_loss = summary.history[best_epoch - 1].validation_loss.unwrap();
    assert!((summary.test_loss.unwrap() - best_loss).abs() < 1e-6, "{:?} vs {best_loss}", summary.test_loss);
    let last_loss = summary.history.last().unwrap().validation_loss.unwrap();
    assert!(last_loss > best_loss);
}

#[test]
fn the_binary_task_trains_on_its_two_classes_only() {
    let spec = ModelSpec {
        task: Task::Binary { positive: 9, negative: 7 },
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 2 }],
        ..tiny_spec()
    };
    let data = data();
    let pair = [7_u8, 9];
    let (train_pairs, test_pairs) =
        (data.train.filter_labels(&pair).len(), data.test.as_ref().unwrap().filter_labels(&pair).len());
    let mut sink = Recorder::default();
    let outcome = train(&data, &spec, &config(), &mut sink, &Control::new()).unwrap();
    let started = &sink.started[0];
    assert_eq!(started.train_examples + started.validation_examples, train_pairs);
    assert_eq!(started.test_examples, test_pairs);
    assert!(outcome.summary.test_accuracy.unwrap() > 0.9);
}

#[test]
fn an_invalid_config_is_refused_before_training() {
    let error = train(
        &data(),
        &tiny_spec(),
        &TrainConfig { batch_size: 0, ..config() },
        &mut NullSink,
        &Control::new(),
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "invalid training configuration: batch size must be at least 1");
}

#[test]
fn the_test_answers_use_the_configs_flip_tta_exactly_as_the_predictor_does() {
    use atelier::evaluation::TestTimeAugmentation;
    use atelier::inference::Predictor;
    let flip = TrainConfig { test_time_augmentation: TestTimeAugmentation::HorizontalFlip, ..config() };
    let outcome = run(&flip, &mut NullSink, &Control::new());
    let answers = outcome.test_predictions.clone().unwrap();
    let predictor = Predictor::new(outcome.network).with_tta(TestTimeAugmentation::HorizontalFlip);
    let expected = predictor.evaluate(&synthetic(100, 2, false), &mut |_, _| {}).unwrap().predictions;
    assert_eq!(answers.targets.len(), expected.len());
    for (index, row) in answers.probabilities.chunks_exact(10).enumerate() {
        assert_eq!(row, expected.probabilities(index), "test example {index}");
    }
    // Without TTA the same weights answer differently: the loop did average the mirror.
    let plain = run(&config(), &mut NullSink, &Control::new()).test_predictions.unwrap();
    assert_ne!(plain.probabilities, answers.probabilities);
    // The loss and accuracy in the summary are the plain pictures', whatever the TTA.
    assert_eq!(
        outcome.summary.test_accuracy,
        run(&config(), &mut NullSink, &Control::new()).summary.test_accuracy
    );
}
