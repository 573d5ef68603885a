//! `train()`: the one training loop that the CLI and the GUI's worker both run.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use candle_core::{D, DType, Device, Tensor};

use super::config::{ConfigError, TrainConfig};
use super::control::Control;
use super::early_stopping::{EarlyStopping, Verdict};
use super::optimizer::Optimizer;
use super::progress::{BatchMetrics, EpochMetrics, ProgressSink, StopReason, TrainSummary, TrainingStarted};
use super::schedule::LrSchedule;
use crate::data::{
    Augmentation, Batch, Dataset, LoadedData, SeedStream, Targets, derive_seed, shuffled_positions,
    validation_split,
};
use crate::model::{ForwardMode, ModelError, ModelSpec, Network, Task};

/// A mean batch loss above this counts as diverged even when finite: at the start a 10-class
/// cross-entropy is ~2.3, and no sane run gets within orders of magnitude of this.
const DIVERGED_LOSS: f64 = 1e3;
/// Batch size for validation and test passes (no gradients, so larger is fine).
const EVALUATION_BATCH: usize = 1000;

/// The data a run trains and tests on (the task's class filter is applied by `train`).
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// The training split; the validation hold-out comes out of it unless `validation` is given.
    pub train: Dataset,
    /// The test split, evaluated once at the end (`None` skips it).
    pub test: Option<Dataset>,
    /// A validation split the data set brings itself; `None` holds out part of `train`.
    pub validation: Option<Dataset>,
    /// How many classes the data set has (labels are `0..class_count`).
    pub class_count: usize,
}

impl TrainingData {
    /// Training and test splits of a data set with `class_count` classes, no own validation split.
    #[must_use]
    pub fn new(train: Dataset, test: Option<Dataset>, class_count: usize) -> Self {
        Self { train, test, validation: None, class_count }
    }
}

impl From<&LoadedData> for TrainingData {
    fn from(data: &LoadedData) -> Self {
        Self {
            train: data.train.clone(),
            test: Some(data.test.clone()),
            validation: data.validation.clone(),
            class_count: data.classes.len(),
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The trained network: the best epoch's weights when early stopping is on, the last good
    /// weights after a divergence, else the last weights.
    pub network: Network,
    /// Metrics, stop reason and timings (plain data).
    pub summary: TrainSummary,
}

/// Why a run could not start or could not go on.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The configuration is invalid.
    #[error("invalid training configuration: {0}")]
    Config(#[from] ConfigError),
    /// The model spec is invalid or the network could not be built.
    #[error("model: {0}")]
    Model(#[from] ModelError),
    /// Nothing left to train on after the class filter and the validation hold-out.
    #[error(
        "no training examples left: {available} examples of the task's classes, {held_out} held out for validation"
    )]
    NoTrainingData {
        /// Examples of the task's classes in the training split.
        available: usize,
        /// Examples held out for validation.
        held_out: usize,
    },
    /// The model's task needs more classes than the data set has.
    #[error("the model's task needs {needed} classes but the data set has {available}")]
    TooFewClasses {
        /// Classes the task needs (its largest label + 1).
        needed: usize,
        /// Classes in the data set.
        available: usize,
    },
    /// A tensor operation failed (a bug or out of memory, not the user's input).
    #[error("tensor computation failed: {0}")]
    Tensor(#[from] candle_core::Error),
}

/// A clock that leaves paused time out.
struct Stopwatch {
    started: Instant,
    paused: Duration,
}

impl Stopwatch {
    fn new() -> Self {
        Self { started: Instant::now(), paused: Duration::ZERO }
    }

    fn exclude(&mut self, paused: Duration) {
        self.paused += paused;
    }

    fn secs(&self) -> f64 {
        self.started.elapsed().saturating_sub(self.paused).as_secs_f64()
    }
}

/// The splits and targets of one run after the task's class filter and the validation hold-out.
struct Prepared {
    train: Dataset,
    validation: Option<Dataset>,
    test: Option<Dataset>,
    targets: Targets,
}

fn prepare(data: &TrainingData, task: &Task, config: &TrainConfig) -> Result<Prepared, TrainError> {
    // An all-classes task must cover exactly the data set's labels (a label beyond the logits would
    // be an invalid target); a binary task needs its two labels to exist.
    let needed = task.needs_classes();
    let fits = match task {
        Task::AllClasses { count } => *count == data.class_count,
        Task::Binary { .. } => needed <= data.class_count,
    };
    if !fits {
        return Err(TrainError::TooFewClasses { needed, available: data.class_count });
    }
    let (train, test, validation, targets) = match task {
        Task::AllClasses { .. } => {
            (data.train.clone(), data.test.clone(), data.validation.clone(), Targets::AllClasses)
        }
        Task::Binary { positive, negative } => {
            let pair = [*negative, *positive];
            (
                data.train.filter_labels(&pair),
                data.test.as_ref().map(|test| test.filter_labels(&pair)),
                data.validation.as_ref().map(|validation| validation.filter_labels(&pair)),
                Targets::Binary { positive: *positive },
            )
        }
    };
    if let Some(validation) = validation {
        if train.is_empty() {
            return Err(TrainError::NoTrainingData { available: 0, held_out: 0 });
        }
        let validation = (!validation.is_empty()).then_some(validation);
        return Ok(Prepared { train, validation, test, targets });
    }
    let (train_positions, validation_positions) =
        validation_split(train.len(), config.validation_fraction, config.seed);
    if train_positions.is_empty() {
        return Err(TrainError::NoTrainingData {
            available: train.len(),
            held_out: validation_positions.len(),
        });
    }
    let validation = (!validation_positions.is_empty()).then(|| train.select(&validation_positions));
    Ok(Prepared { train: train.select(&train_positions), validation, test, targets })
}

/// Loss and accuracy of `network` on `dataset` (evaluation mode, no augmentation).
fn evaluate(
    network: &Network,
    dataset: &Dataset,
    targets: Targets,
    label_smoothing: f32,
    device: &Device,
) -> Result<(f64, f64), TrainError> {
    let positions: Vec<usize> = (0..dataset.len()).collect();
    let (mut loss_sum, mut correct) = (0.0, 0.0);
    for chunk in positions.chunks(EVALUATION_BATCH) {
        let (x, y) =
            Batch::assemble(dataset, chunk, targets, &Augmentation::default(), 0).to_tensors(device)?;
        let logits = network.forward(&x, ForwardMode::Eval)?;
        let loss = crate::ops::cross_entropy(&logits, &y, label_smoothing)?;
        #[allow(clippy::cast_precision_loss)]
        let weight = chunk.len() as f64;
        loss_sum += f64::from(loss.to_scalar::<f32>()?) * weight;
        correct += correct_count(&logits, &y)?;
    }
    #[allow(clippy::cast_precision_loss)]
    let len = dataset.len().max(1) as f64;
    Ok((loss_sum / len, correct / len))
}

/// How many rows of `logits` [batch, classes] have their largest value at the target.
fn correct_count(logits: &Tensor, targets: &Tensor) -> candle_core::Result<f64> {
    let predicted = logits.argmax(D::Minus1)?; // [batch] u32
    let hits = predicted.eq(targets)?.to_dtype(DType::F32)?.sum_all()?;
    Ok(f64::from(hits.to_scalar::<f32>()?))
}

/// Every named tensor's values (weights and batch-norm statistics), detached copies.
type Snapshot = HashMap<String, Tensor>;

fn snapshot(network: &Network) -> candle_core::Result<Snapshot> {
    Ok(network.named_tensors()?.into_iter().collect())
}

/// Trains a network for `spec` on `data` as `config` says, reporting to `sink` and obeying
/// `control` between batches. Same data, spec, config and thread count give the same metrics.
///
/// # Errors
/// An invalid config or spec, no training data, or a failed tensor operation. Divergence,
/// cancelling and early stopping are not errors: they end the run with a [`StopReason`].
pub fn train(
    data: &TrainingData,
    spec: &ModelSpec,
    config: &TrainConfig,
    sink: &mut dyn ProgressSink,
    control: &Control,
) -> Result<TrainOutcome, TrainError> {
    // The whole loop runs on a thread of the compute pool (the current one, or the global
    // pool's): every kernel's parallel split then starts from a pool thread that works on its
    // share, instead of a caller that blocks and is woken again after every op.
    rayon::scope(|_| train_on_pool(data, spec, config, sink, control))
}

fn train_on_pool(
    data: &TrainingData,
    spec: &ModelSpec,
    config: &TrainConfig,
    sink: &mut dyn ProgressSink,
    control: &Control,
) -> Result<TrainOutcome, TrainError> {
    config.validate()?;
    spec.validate().map_err(ModelError::from)?;
    let device = Device::Cpu;
    #[allow(clippy::cast_possible_truncation)]
    let smoothing = config.label_smoothing as f32;
    let prepared = prepare(data, &spec.task, config)?;
    let network = Network::new(spec, &device, derive_seed(config.seed, SeedStream::Initialisation, 0, 0))?;
    let mut optimizer = Optimizer::new(config.optimizer, config.weight_decay, network.trainable_vars())?;
    let mut schedule = LrSchedule::new(config);
    let mut stopping = EarlyStopping::new(config.early_stopping_patience);
    let mut last_good = snapshot(&network)?;
    let mut best: Option<Snapshot> = None;
    let mut history = Vec::with_capacity(config.epochs);
    let mut clock = Stopwatch::new();
    let train_len = prepared.train.len();
    let batches_per_epoch = train_len.div_ceil(config.batch_size);
    sink.started(&TrainingStarted {
        total_epochs: config.epochs,
        batches_per_epoch,
        train_examples: train_len,
        validation_examples: prepared.validation.as_ref().map_or(0, Dataset::len),
        test_examples: prepared.test.as_ref().map_or(0, Dataset::len),
    });

    let stop_reason = 'epochs: {
        for epoch in 0..config.epochs {
            let epoch_started = clock.secs();
            let order =
                shuffled_positions(train_len, derive_seed(config.seed, SeedStream::Shuffle, epoch, 0));
            let (mut loss_sum, mut correct, mut seen) = (0.0, 0.0, 0_usize);
            let mut learning_rate = schedule.learning_rate(epoch);
            for (batch, chunk) in order.chunks(config.batch_size).enumerate() {
                clock.exclude(control.wait_while_paused());
                if control.is_cancelled() {
                    break 'epochs StopReason::Cancelled;
                }
                if let Some(new_rate) = control.take_learning_rate() {
                    schedule.override_learning_rate(epoch, new_rate);
                }
                learning_rate = schedule.learning_rate(epoch);
                let augmentation_seed = derive_seed(config.seed, SeedStream::Augmentation, epoch, batch);
                let (x, y) = Batch::assemble(
                    &prepared.train,
                    chunk,
                    prepared.targets,
                    &config.augmentation,
                    augmentation_seed,
                )
                .to_tensors(&device)?;
                let step_seed = derive_seed(config.seed, SeedStream::Dropout, epoch, batch);
                let logits = network.forward(&x, ForwardMode::Train { step_seed })?; // [batch, classes]
                let loss = crate::ops::cross_entropy(&logits, &y, smoothing)?;
                let loss_value = f64::from(loss.to_scalar::<f32>()?);
                if !(loss_value.is_finite() && loss_value <= DIVERGED_LOSS) {
                    network.load_named(&last_good)?;
                    break 'epochs StopReason::Diverged { epoch: epoch + 1, batch: batch + 1 };
                }
                optimizer.step(&loss.backward()?, learning_rate)?;
                let batch_correct = correct_count(&logits, &y)?;
                #[allow(clippy::cast_precision_loss)]
                let batch_len = chunk.len() as f64;
                loss_sum += loss_value * batch_len;
                correct += batch_correct;
                seen += chunk.len();
                sink.batch_finished(&BatchMetrics {
                    epoch: epoch + 1,
                    batch: batch + 1,
                    batches_per_epoch,
                    loss: loss_value,
                    accuracy: batch_correct / batch_len,
                    learning_rate,
                    images_per_sec: rate(seen, clock.secs() - epoch_started),
                });
            }
            let train_secs = clock.secs() - epoch_started;
            let validation = match &prepared.validation {
                Some(validation) => {
                    Some(evaluate(&network, validation, prepared.targets, smoothing, &device)?)
                }
                None => None,
            };
            #[allow(clippy::cast_precision_loss)]
            let seen_f = seen.max(1) as f64;
            let metrics = EpochMetrics {
                epoch: epoch + 1,
                train_loss: loss_sum / seen_f,
                train_accuracy: correct / seen_f,
                validation_loss: validation.map(|(loss, _)| loss),
                validation_accuracy: validation.map(|(_, accuracy)| accuracy),
                learning_rate,
                elapsed_secs: clock.secs(),
                images_per_sec: rate(seen, train_secs),
            };
            history.push(metrics);
            sink.epoch_finished(&metrics);
            if let Some((validation_loss, _)) = validation {
                schedule.observe_validation_loss(validation_loss);
                match stopping.observe(epoch, validation_loss) {
                    Verdict::Improved => best = Some(snapshot(&network)?),
                    Verdict::Continue => {}
                    Verdict::Stop => {
                        let best_epoch = stopping.best_epoch().map_or(epoch, |best| best) + 1;
                        break 'epochs StopReason::EarlyStopped { best_epoch };
                    }
                }
            }
            last_good = snapshot(&network)?;
        }
        StopReason::Completed
    };

    // With early stopping on, the returned network is the best epoch's, whatever ended the run
    // (a divergence already restored the last good weights).
    if config.early_stopping_patience.is_some()
        && !matches!(stop_reason, StopReason::Diverged { .. })
        && let Some(best) = &best
    {
        network.load_named(best)?;
    }
    let test = match &prepared.test {
        Some(test) if !test.is_empty() => {
            Some(evaluate(&network, test, prepared.targets, smoothing, &device)?)
        }
        _ => None,
    };
    let summary = TrainSummary {
        stop_reason,
        best_epoch: stopping.best_epoch().map(|epoch| epoch + 1),
        history,
        elapsed_secs: clock.secs(),
        test_loss: test.map(|(loss, _)| loss),
        test_accuracy: test.map(|(_, accuracy)| accuracy),
    };
    sink.finished(&summary);
    Ok(TrainOutcome { network, summary })
}

/// Images per second, 0 before any time has passed.
fn rate(images: usize, secs: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let images = images as f64;
    if secs > 0.0 { images / secs } else { 0.0 }
}
