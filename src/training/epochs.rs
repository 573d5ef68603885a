//! The epochs of one run: the state that lives across them (`EpochLoop`), one epoch of batches,
//! the validation pass and the bookkeeping after each epoch (schedule, early stopping, the state
//! a continued run starts from).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use candle_core::{D, DType, Device, Tensor};

use super::beside::run_beside;
use super::config::TrainConfig;
use super::control::Control;
use super::early_stopping::{EarlyStopping, Verdict};
use super::optimizer::{Optimizer, OptimizerState};
use super::progress::{BatchMetrics, EpochMetrics, ProgressSink, StopReason, TrainSummary};
use super::resume::{ResumeState, to_tensors, to_values};
use super::schedule::LrSchedule;
use super::train::{Prepared, Start, TestPredictions, TrainError};
use crate::data::{Augmentation, Batch, Dataset, SeedStream, Targets, derive_seed, shuffled_positions};
use crate::evaluation::TestTimeAugmentation;
use crate::model::{ForwardMode, Network};
use crate::ops::Tape;

/// A mean batch loss above this counts as diverged even when finite: at the start a 10-class
/// cross-entropy is ~2.3, and no sane run gets within orders of magnitude of this.
const DIVERGED_LOSS: f64 = 1e3;
/// Batch size for validation and test passes (no gradients, so larger is fine).
const EVALUATION_BATCH: usize = 1000;

/// How one optimisation step ended.
enum StepOutcome {
    /// The weights were updated; the batch's mean loss and how many it classified right.
    Trained { loss: f64, correct: f64 },
    /// The loss was not finite or too large: nothing was updated.
    Diverged,
}

/// Every named tensor's values (weights and batch-norm statistics), detached copies.
type Snapshot = HashMap<String, Tensor>;

fn snapshot(network: &Network) -> candle_core::Result<Snapshot> {
    Ok(network.named_tensors()?.into_iter().collect())
}

/// A clock that leaves paused time out and starts from the seconds a continued run had.
struct Stopwatch {
    started: Instant,
    before: f64,
    paused: Duration,
}

impl Stopwatch {
    fn new(before: f64) -> Self {
        Self { started: Instant::now(), before, paused: Duration::ZERO }
    }

    fn exclude(&mut self, paused: Duration) {
        self.paused += paused;
    }

    fn secs(&self) -> f64 {
        self.before + self.started.elapsed().saturating_sub(self.paused).as_secs_f64()
    }
}

/// The state at the end of a finished epoch: where a divergence falls back to and where a
/// continued run starts.
struct Boundary {
    epochs_done: usize,
    weights: Snapshot,
    optimizer: OptimizerState,
    schedule: LrSchedule,
    stopping: EarlyStopping,
}

/// Sums over one epoch's batches.
#[derive(Default)]
struct EpochTotals {
    loss_sum: f64,
    correct: f64,
    seen: usize,
    learning_rate: f64,
}

/// Everything that lives from epoch to epoch.
pub(super) struct EpochLoop<'a> {
    config: &'a TrainConfig,
    prepared: &'a Prepared,
    device: Device,
    smoothing: f32,
    pub(super) network: Network,
    optimizer: Optimizer,
    schedule: LrSchedule,
    stopping: EarlyStopping,
    best: Option<Snapshot>,
    boundary: Boundary,
    history: Vec<EpochMetrics>,
    clock: Stopwatch,
}

impl<'a> EpochLoop<'a> {
    /// Fresh weights, or the saved state of a run to continue.
    pub(super) fn new(
        start: Start<'_>,
        config: &'a TrainConfig,
        prepared: &'a Prepared,
        device: Device,
    ) -> Result<Self, TrainError> {
        #[allow(clippy::cast_possible_truncation)]
        let smoothing = config.label_smoothing as f32;
        let spec = match start {
            Start::Fresh(spec) => spec,
            Start::Resume(state) => &state.spec,
        };
        let network =
            Network::new(spec, &device, derive_seed(config.seed, SeedStream::Initialisation, 0, 0))?;
        let mut optimizer = Optimizer::new(config.optimizer, config.weight_decay, network.trainable_vars())?;
        let (mut schedule, mut stopping) =
            (LrSchedule::new(config), EarlyStopping::new(config.early_stopping_patience));
        let (mut best, mut history, mut epochs_done, mut elapsed) = (None, Vec::new(), 0, 0.0);
        if let Start::Resume(state) = start {
            network.load_named(&to_tensors(&state.weights, &device)?)?;
            optimizer.restore(state.optimizer.clone())?;
            schedule = state.schedule.clone();
            schedule.extend_to(config.epochs);
            stopping = state.stopping.clone();
            best = state.best_weights.as_deref().map(|best| to_tensors(best, &device)).transpose()?;
            history.clone_from(&state.history);
            (epochs_done, elapsed) = (state.epochs_done, state.elapsed_secs);
        }
        let boundary = Boundary {
            epochs_done,
            weights: snapshot(&network)?,
            optimizer: optimizer.state(),
            schedule: schedule.clone(),
            stopping: stopping.clone(),
        };
        Ok(Self {
            config,
            prepared,
            device,
            smoothing,
            network,
            optimizer,
            schedule,
            stopping,
            best,
            boundary,
            history,
            clock: Stopwatch::new(elapsed),
        })
    }

    /// Runs the epochs left, up to `config.epochs` in all; says why they ended.
    pub(super) fn run(
        &mut self,
        sink: &mut dyn ProgressSink,
        control: &Control,
    ) -> Result<StopReason, TrainError> {
        for epoch in self.boundary.epochs_done..self.config.epochs {
            let epoch_started = self.clock.secs();
            let totals = match self.train_epoch(epoch, epoch_started, sink, control)? {
                Ok(totals) => totals,
                Err(stopped) => return Ok(stopped),
            };
            if let Some(stopped) = self.end_epoch(epoch, epoch_started, &totals, sink)? {
                return Ok(stopped);
            }
        }
        Ok(StopReason::Completed)
    }

    /// One pass over the shuffled training split; `Err` carries why it stopped part-way (a
    /// cancel, or a divergence after which the last epoch's weights are back in place).
    fn train_epoch(
        &mut self,
        epoch: usize,
        epoch_started: f64,
        sink: &mut dyn ProgressSink,
        control: &Control,
    ) -> Result<Result<EpochTotals, StopReason>, TrainError> {
        let (config, prepared) = (self.config, self.prepared);
        let order =
            shuffled_positions(prepared.train.len(), derive_seed(config.seed, SeedStream::Shuffle, epoch, 0));
        let batches_per_epoch = order.len().div_ceil(config.batch_size);
        let mut totals =
            EpochTotals { learning_rate: self.schedule.learning_rate(epoch), ..EpochTotals::default() };
        // Each batch is a function of its seed and positions, so the next one can be put together
        // on another thread while this one trains (with flips and shifts that was ~5% of a step
        // on the training thread).
        let assemble = |batch: usize| {
            (batch < batches_per_epoch).then(|| {
                let start = batch * config.batch_size;
                let chunk = &order[start..(start + config.batch_size).min(order.len())];
                let augmentation_seed = derive_seed(config.seed, SeedStream::Augmentation, epoch, batch);
                Batch::assemble(
                    &prepared.train,
                    chunk,
                    prepared.targets,
                    &config.augmentation,
                    augmentation_seed,
                )
            })
        };
        let mut next = assemble(0);
        for batch in 0..batches_per_epoch {
            self.clock.exclude(control.wait_while_paused());
            if control.is_cancelled() {
                return Ok(Err(StopReason::Cancelled));
            }
            #[allow(clippy::cast_precision_loss)]
            let position = epoch as f64 + batch as f64 / batches_per_epoch as f64;
            if let Some(new_rate) = control.take_learning_rate() {
                self.schedule.override_learning_rate(position, new_rate);
            }
            totals.learning_rate = self.schedule.learning_rate_at(position);
            let Some(current) = next.take() else { break };
            let batch_len = current.len();
            let step_seed = derive_seed(config.seed, SeedStream::Dropout, epoch, batch);
            let learning_rate = totals.learning_rate;
            let (step, prefetched) =
                run_beside(|| self.train_step(current, step_seed, learning_rate), || assemble(batch + 1));
            next = prefetched;
            let (loss_value, batch_correct) = match step? {
                StepOutcome::Trained { loss, correct } => (loss, correct),
                StepOutcome::Diverged => {
                    self.network.load_named(&self.boundary.weights)?;
                    return Ok(Err(StopReason::Diverged { epoch: epoch + 1, batch: batch + 1 }));
                }
            };
            #[allow(clippy::cast_precision_loss)]
            let batch_len_f = batch_len as f64;
            totals.loss_sum += loss_value * batch_len_f;
            totals.correct += batch_correct;
            totals.seen += batch_len;
            sink.batch_finished(&BatchMetrics {
                epoch: epoch + 1,
                batch: batch + 1,
                batches_per_epoch,
                loss: loss_value,
                accuracy: batch_correct / batch_len_f,
                learning_rate: totals.learning_rate,
                images_per_sec: rate(totals.seen, self.clock.secs() - epoch_started),
            });
        }
        Ok(Ok(totals))
    }

    /// One optimisation step on `batch`: forward, loss, backward and the update, unless the loss
    /// is not finite or absurdly large (then nothing is updated).
    fn train_step(
        &mut self,
        batch: Batch,
        step_seed: u64,
        learning_rate: f64,
    ) -> Result<StepOutcome, TrainError> {
        let (x, y) = batch.to_tensors(&self.device)?;
        // The ops are recorded so that their own backward functions can run in reverse (see
        // `ops::Tape`): the same gradients as candle's backward, without its zero-filled copies.
        let ((logits, loss), tape) = Tape::record(|| {
            let logits = self.network.forward(&x, ForwardMode::Train { step_seed })?; // [batch, classes]
            let loss = crate::ops::cross_entropy(&logits, &y, self.smoothing)?;
            Ok((logits, loss))
        })?;
        let loss_value = f64::from(loss.to_scalar::<f32>()?);
        if !(loss_value.is_finite() && loss_value <= DIVERGED_LOSS) {
            return Ok(StepOutcome::Diverged);
        }
        match tape.backward(&loss)? {
            Some(gradients) => self.optimizer.step(&gradients, learning_rate)?,
            None => self.optimizer.step(&loss.backward()?, learning_rate)?,
        }
        Ok(StepOutcome::Trained { loss: loss_value, correct: correct_count(&logits, &y)? })
    }

    /// Validation, the epoch's record, the schedule and early stopping, and the new boundary;
    /// `Some` when early stopping ends the run.
    fn end_epoch(
        &mut self,
        epoch: usize,
        epoch_started: f64,
        totals: &EpochTotals,
        sink: &mut dyn ProgressSink,
    ) -> Result<Option<StopReason>, TrainError> {
        let train_secs = self.clock.secs() - epoch_started;
        let validation = match &self.prepared.validation {
            Some(validation) => Some(evaluate(self, validation, false)?),
            None => None,
        };
        #[allow(clippy::cast_precision_loss)]
        let seen = totals.seen.max(1) as f64;
        let metrics = EpochMetrics {
            epoch: epoch + 1,
            train_loss: totals.loss_sum / seen,
            train_accuracy: totals.correct / seen,
            validation_loss: validation.as_ref().map(|(loss, _, _)| *loss),
            validation_accuracy: validation.as_ref().map(|(_, accuracy, _)| *accuracy),
            learning_rate: totals.learning_rate,
            elapsed_secs: self.clock.secs(),
            images_per_sec: rate(totals.seen, train_secs),
        };
        self.history.push(metrics);
        sink.epoch_finished(&metrics);
        let mut verdict = Verdict::Continue;
        if let Some(validation_loss) = metrics.validation_loss {
            self.schedule.observe_validation_loss(validation_loss);
            verdict = self.stopping.observe(epoch, validation_loss);
            if verdict == Verdict::Improved && self.config.early_stopping_patience.is_some() {
                self.best = Some(snapshot(&self.network)?);
            }
        }
        self.boundary = Boundary {
            epochs_done: epoch + 1,
            weights: snapshot(&self.network)?,
            optimizer: self.optimizer.state(),
            schedule: self.schedule.clone(),
            stopping: self.stopping.clone(),
        };
        Ok((verdict == Verdict::Stop).then(|| {
            let best_epoch = self.stopping.best_epoch().map_or(epoch, |best| best) + 1;
            StopReason::EarlyStopped { best_epoch }
        }))
    }

    /// With early stopping on, the returned network is the best epoch's, whatever ended the run
    /// (a divergence already restored the last good weights).
    pub(super) fn keep_final_weights(&self, stop_reason: StopReason) -> Result<(), TrainError> {
        if self.config.early_stopping_patience.is_some()
            && !matches!(stop_reason, StopReason::Diverged { .. })
            && let Some(best) = &self.best
        {
            self.network.load_named(best)?;
        }
        Ok(())
    }

    /// The network, the summary (with the test split's loss and accuracy) and the resume state.
    pub(super) fn finish(
        self,
        stop_reason: StopReason,
        test: Option<(f64, f64)>,
    ) -> Result<(Network, TrainSummary, ResumeState), TrainError> {
        let summary = TrainSummary {
            stop_reason,
            best_epoch: self.stopping.best_epoch().map(|epoch| epoch + 1),
            history: self.history.clone(),
            elapsed_secs: self.clock.secs(),
            test_loss: test.map(|(loss, _)| loss),
            test_accuracy: test.map(|(_, accuracy)| accuracy),
        };
        let boundary = self.boundary;
        let resume = ResumeState {
            spec: self.network.spec().clone(),
            config: self.config.clone(),
            epochs_done: boundary.epochs_done,
            weights: to_values(&boundary.weights)?,
            best_weights: self.best.as_ref().map(to_values).transpose()?,
            optimizer: boundary.optimizer,
            schedule: boundary.schedule,
            stopping: boundary.stopping,
            history: self.history.clone(),
            elapsed_secs: summary.elapsed_secs,
            dataset_checksum: None,
        };
        Ok((self.network, summary, resume))
    }
}

/// Loss, accuracy and (with `keep_outputs`) the answers of the run's network on `dataset`
/// (evaluation mode, no augmentation): loss and accuracy of the plain pictures; the answers with the
/// config's test-time augmentation, as the saved model gives them.
pub(super) fn evaluate(
    run: &EpochLoop<'_>,
    dataset: &Dataset,
    keep_outputs: bool,
) -> Result<(f64, f64, Option<TestPredictions>), TrainError> {
    let targets: Targets = run.prepared.targets;
    let positions: Vec<usize> = (0..dataset.len()).collect();
    let (mut loss_sum, mut correct) = (0.0, 0.0);
    let mut outputs =
        keep_outputs.then(|| TestPredictions { targets: Vec::new(), probabilities: Vec::new() });
    for chunk in positions.chunks(EVALUATION_BATCH) {
        let batch = Batch::assemble(dataset, chunk, targets, &Augmentation::default(), 0);
        if let Some(outputs) = &mut outputs {
            outputs.targets.extend_from_slice(&batch.targets);
        }
        let (x, y) = batch.to_tensors(&run.device)?;
        let logits = run.network.forward(&x, ForwardMode::Eval)?; // [chunk, classes]
        let loss = crate::ops::cross_entropy(&logits, &y, run.smoothing)?;
        #[allow(clippy::cast_precision_loss)]
        let weight = chunk.len() as f64;
        loss_sum += f64::from(loss.to_scalar::<f32>()?) * weight;
        correct += correct_count(&logits, &y)?;
        if let Some(outputs) = &mut outputs {
            let mut probabilities = candle_nn::ops::softmax_last_dim(&logits)?; // [chunk, classes]
            let tta = run.config.test_time_augmentation;
            if tta != TestTimeAugmentation::None {
                // What the model answers (inference's own arithmetic), so that the report after
                // training needs no second pass over the plain pictures.
                probabilities = run.network.mean_over_looks(&probabilities, tta.other_looks(&x))?;
            }
            outputs.probabilities.extend(probabilities.flatten_all()?.to_vec1::<f32>()?);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let len = dataset.len().max(1) as f64;
    Ok((loss_sum / len, correct / len, outputs))
}

/// How many rows of `logits` [batch, classes] have their largest value at the target.
fn correct_count(logits: &Tensor, targets: &Tensor) -> candle_core::Result<f64> {
    let predicted = logits.argmax(D::Minus1)?; // [batch] u32
    let hits = predicted.eq(targets)?.to_dtype(DType::F32)?.sum_all()?;
    Ok(f64::from(hits.to_scalar::<f32>()?))
}

/// Images per second, 0 before any time has passed.
fn rate(images: usize, secs: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let images = images as f64;
    if secs > 0.0 { images / secs } else { 0.0 }
}
