//! `train()` and `train_from()`: the one training loop that the CLI and the GUI's worker both run,
//! from fresh weights or continued from a saved [`ResumeState`]. The epochs themselves are in
//! `epochs.rs`.

use candle_core::Device;

use super::config::{ConfigError, TrainConfig};
use super::control::Control;
use super::epochs::{EpochLoop, evaluate};
use super::optimizer::StateMismatch;
use super::progress::{ProgressSink, TrainSummary, TrainingStarted};
use super::resume::ResumeState;
use crate::data::{Dataset, LoadedData, Targets, validation_split};
use crate::model::{ModelError, ModelSpec, Task};

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

/// Where a run starts.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// Fresh weights for this spec, initialised from the config's seed.
    Fresh(&'a ModelSpec),
    /// The end of a saved run's last finished epoch.
    Resume(&'a ResumeState),
}

/// The network's outputs on the test split, as plain data: the one test pass of a run, from
/// which the callers build their report (no second pass over the test split).
#[derive(Debug, Clone, PartialEq)]
pub struct TestPredictions {
    /// The target (output index) of each test example, in the order of the filtered test split.
    pub targets: Vec<u32>,
    /// Softmax probabilities, row-major `[example, class]`: the model's answers, so with the
    /// config's test-time augmentation (flip TTA: the mean of the softmax on each picture and on
    /// its mirror, as [`crate::inference::Predictor`] computes it).
    pub probabilities: Vec<f32>,
}

/// What a run produced.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The trained network: the best epoch's weights when early stopping is on, the last good
    /// weights after a divergence, else the last weights.
    pub network: crate::model::Network,
    /// Metrics, stop reason and timings (plain data).
    pub summary: TrainSummary,
    /// The returned network's outputs on the test split (`None` without one).
    pub test_predictions: Option<TestPredictions>,
    /// The state at the end of the last finished epoch, to continue the run later.
    pub resume: ResumeState,
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
    /// A continued run's total is not beyond the epochs it has done.
    #[error(
        "the run has done {epochs_done} epochs already; to continue it, ask for a total above that (not {total})"
    )]
    NothingToContinue {
        /// Epochs the saved run finished.
        epochs_done: usize,
        /// The total asked for.
        total: usize,
    },
    /// The saved optimizer state does not fit the model or the configured optimizer.
    #[error(transparent)]
    ResumeState(#[from] StateMismatch),
    /// A tensor operation failed (a bug or out of memory, not the user's input).
    #[error("tensor computation failed: {0}")]
    Tensor(#[from] candle_core::Error),
}

/// The splits and targets of one run after the task's class filter and the validation hold-out.
pub(super) struct Prepared {
    pub(super) train: Dataset,
    pub(super) validation: Option<Dataset>,
    pub(super) test: Option<Dataset>,
    pub(super) targets: Targets,
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

/// Trains a network for `spec` on `data` as `config` says, reporting to `sink` and obeying
/// `control` between batches. Same data, spec, config and thread count give the same metrics.
///
/// # Errors
/// An invalid config or spec, no training data, or a failed tensor operation. Divergence,
/// cancelling and early stopping are not errors: they end the run with a [`StopReason`](super::StopReason).
pub fn train(
    data: &TrainingData,
    spec: &ModelSpec,
    config: &TrainConfig,
    sink: &mut dyn ProgressSink,
    control: &Control,
) -> Result<TrainOutcome, TrainError> {
    train_from(data, Start::Fresh(spec), config, sink, control)
}

/// Trains from `start`: fresh weights, or a saved run continued up to `config.epochs` epochs in
/// all (see `training::resume` for what a new total means for the schedule). A continued run
/// with its saved config ends with bit-identical weights to a run that never stopped.
///
/// # Errors
/// As [`train`], and a continued run whose total is not beyond its finished epochs or whose saved
/// state does not fit its spec and optimizer.
pub fn train_from(
    data: &TrainingData,
    start: Start<'_>,
    config: &TrainConfig,
    sink: &mut dyn ProgressSink,
    control: &Control,
) -> Result<TrainOutcome, TrainError> {
    // The whole loop runs on a thread of the compute pool (the current one, or the global
    // pool's): every kernel's parallel split then starts from a pool thread that works on its
    // share, instead of a caller that blocks and is woken again after every op.
    rayon::scope(|_| train_on_pool(data, start, config, sink, control))
}

fn train_on_pool(
    data: &TrainingData,
    start: Start<'_>,
    config: &TrainConfig,
    sink: &mut dyn ProgressSink,
    control: &Control,
) -> Result<TrainOutcome, TrainError> {
    config.validate()?;
    let spec = match start {
        Start::Fresh(spec) => spec,
        Start::Resume(state) => &state.spec,
    };
    spec.validate().map_err(ModelError::from)?;
    if let Start::Resume(state) = start
        && config.epochs <= state.epochs_done
    {
        return Err(TrainError::NothingToContinue { epochs_done: state.epochs_done, total: config.epochs });
    }
    let prepared = prepare(data, &spec.task, config)?;
    let mut run = EpochLoop::new(start, config, &prepared, Device::Cpu)?;
    sink.started(&TrainingStarted {
        total_epochs: config.epochs,
        batches_per_epoch: prepared.train.len().div_ceil(config.batch_size),
        train_examples: prepared.train.len(),
        validation_examples: prepared.validation.as_ref().map_or(0, Dataset::len),
        test_examples: prepared.test.as_ref().map_or(0, Dataset::len),
    });
    let stop_reason = run.run(sink, control)?;
    run.keep_final_weights(stop_reason)?;
    let test = match &prepared.test {
        Some(test) if !test.is_empty() => Some(evaluate(&run, test, true)?),
        _ => None,
    };
    let (network, summary, resume) =
        run.finish(stop_reason, test.as_ref().map(|(loss, accuracy, _)| (*loss, *accuracy)))?;
    sink.finished(&summary);
    Ok(TrainOutcome {
        network,
        summary,
        test_predictions: test.and_then(|(_, _, predictions)| predictions),
        resume,
    })
}
