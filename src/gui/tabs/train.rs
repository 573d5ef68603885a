//! The Train tab: hyperparameters, Start/Pause/Stop, live plots and the run history.

use crate::training::{BatchMetrics, EpochMetrics, TrainingStarted};
use crate::worker::{RunsListing, TrainingResult};

use super::super::app::Ctx;
use super::Tab;

/// Where the training on the worker stands, as the tab shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrainPhase {
    /// Nothing running.
    #[default]
    Idle,
    /// Start was pressed; the worker has not reported the first batch yet.
    Starting,
    /// Batches are running.
    Running,
    /// Paused between batches (the optimizer state is kept).
    Paused,
    /// Stop was pressed; the current batch finishes, then the run is stored.
    Stopping,
}

/// Runtime state of the Train tab (not persisted).
#[derive(Debug, Default)]
pub struct TrainView {
    /// What the worker is doing.
    pub phase: TrainPhase,
    /// Sizes of the current run (after `TrainingStarted`).
    pub started: Option<TrainingStarted>,
    /// Per-batch metrics of the current run, as received (throttled by the worker).
    pub batches: Vec<BatchMetrics>,
    /// Per-epoch metrics of the current run.
    pub epochs: Vec<EpochMetrics>,
    /// The last finished run.
    pub last_result: Option<Box<TrainingResult>>,
    /// The last training failure, shown in the tab.
    pub error: Option<String>,
    /// The run history as last listed.
    pub runs: RunsListing,
}

impl TrainView {
    /// A run began on the worker.
    pub fn on_started(&mut self, info: TrainingStarted) {
        self.phase = TrainPhase::Running;
        self.started = Some(info);
        self.batches.clear();
        self.epochs.clear();
        self.error = None;
    }

    /// A batch finished.
    pub fn on_batch(&mut self, metrics: BatchMetrics) {
        if self.phase == TrainPhase::Starting {
            self.phase = TrainPhase::Running;
        }
        self.batches.push(metrics);
    }

    /// An epoch finished.
    pub fn on_epoch(&mut self, metrics: EpochMetrics) {
        self.epochs.push(metrics);
    }

    /// The run ended (any reason).
    pub fn on_finished(&mut self, result: Box<TrainingResult>) {
        self.phase = TrainPhase::Idle;
        self.last_result = Some(result);
    }

    /// The run could not start or failed.
    pub fn on_failed(&mut self, error: String) {
        self.phase = TrainPhase::Idle;
        self.error = Some(error);
    }
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    super::coming_next::show_ui(ui, Tab::Train, &cx.state.pending_images);
}
