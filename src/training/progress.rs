//! What a training run reports as it goes (`ProgressSink`) and the plain-data records it
//! produces: per-batch and per-epoch metrics, why it stopped, and the final summary.
//!
//! Epoch and batch numbers in these records are 1-based, as a user counts them.

use serde::{Deserialize, Serialize};

/// Sent once before the first batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingStarted {
    /// Epochs the run will train unless stopped early.
    pub total_epochs: usize,
    /// Optimisation steps per epoch.
    pub batches_per_epoch: usize,
    /// Training examples (after the validation hold-out and the task's class filter).
    pub train_examples: usize,
    /// Validation examples held out from the training split.
    pub validation_examples: usize,
    /// Test examples evaluated at the end.
    pub test_examples: usize,
}

/// Sent after every optimisation step; sinks throttle what they show.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BatchMetrics {
    /// 1-based epoch.
    pub epoch: usize,
    /// 1-based batch within the epoch.
    pub batch: usize,
    /// Batches in this epoch.
    pub batches_per_epoch: usize,
    /// This batch's training loss.
    pub loss: f64,
    /// This batch's training accuracy in `0.0..=1.0`.
    pub accuracy: f64,
    /// The learning rate this step used.
    pub learning_rate: f64,
    /// Training images per second so far in this epoch (pauses left out).
    pub images_per_sec: f64,
}

/// Sent after every epoch, and kept in the run's history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Training accuracy over the epoch's batches, `0.0..=1.0`.
    pub train_accuracy: f64,
    /// Loss on the validation hold-out (`None` without one).
    pub validation_loss: Option<f64>,
    /// Accuracy on the validation hold-out (`None` without one).
    pub validation_accuracy: Option<f64>,
    /// The learning rate of the epoch's last step.
    pub learning_rate: f64,
    /// Seconds since training started, pauses left out.
    pub elapsed_secs: f64,
    /// Training images per second in this epoch.
    pub images_per_sec: f64,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// All epochs ran.
    Completed,
    /// The validation loss stopped improving; the weights are those of `best_epoch` (1-based).
    EarlyStopped {
        /// The epoch whose weights were restored.
        best_epoch: usize,
    },
    /// Cancelled through `Control`; the weights are those reached so far.
    Cancelled,
    /// The loss became NaN, infinite or huge; the weights are the last good ones (end of the
    /// previous epoch, or the initial weights in the first epoch).
    Diverged {
        /// 1-based epoch of the bad batch.
        epoch: usize,
        /// 1-based batch.
        batch: usize,
    },
}

impl StopReason {
    /// One sentence for a user ("loss diverged at epoch 2 batch 113; try a smaller learning rate").
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Completed => "training completed".to_owned(),
            Self::EarlyStopped { best_epoch } => {
                format!("stopped early: validation loss stopped improving; kept epoch {best_epoch}")
            }
            Self::Cancelled => "training stopped by the user".to_owned(),
            Self::Diverged { epoch, batch } => {
                format!("loss diverged at epoch {epoch} batch {batch}; try a smaller learning rate")
            }
        }
    }
}

/// Everything a run produced except the network: plain data, for events, run history and
/// model-file metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// Why the run ended.
    pub stop_reason: StopReason,
    /// 1-based epoch with the lowest validation loss (`None` without validation); with early
    /// stopping on, the returned network holds this epoch's weights.
    pub best_epoch: Option<usize>,
    /// One record per finished epoch.
    pub history: Vec<EpochMetrics>,
    /// Training time in seconds, pauses left out (final test evaluation included).
    pub elapsed_secs: f64,
    /// Accuracy of the returned network on the test split (`None` without one).
    pub test_accuracy: Option<f64>,
    /// Loss of the returned network on the test split.
    pub test_loss: Option<f64>,
}

/// Receives a run's progress. The CLI draws a progress bar, the GUI's worker turns these into
/// events. Every method has an empty default.
pub trait ProgressSink: Send {
    /// Before the first batch.
    fn started(&mut self, _info: &TrainingStarted) {}
    /// After every optimisation step (not throttled: throttle here if drawing is costly).
    fn batch_finished(&mut self, _metrics: &BatchMetrics) {}
    /// After every epoch, validation included.
    fn epoch_finished(&mut self, _metrics: &EpochMetrics) {}
    /// Once at the end, whatever the reason (also after a cancel or divergence).
    fn finished(&mut self, _summary: &TrainSummary) {}
}

/// A sink that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl ProgressSink for NullSink {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divergence_message_names_the_batch_and_the_remedy() {
        assert_eq!(
            StopReason::Diverged { epoch: 2, batch: 113 }.message(),
            "loss diverged at epoch 2 batch 113; try a smaller learning rate"
        );
    }
}
