//! The Train tab: hyperparameters (left), Start/Pause/Stop with live progress and plots, and the
//! run history with its comparison (right). Training runs on the worker; this file keeps the view
//! state that the worker's events fill in, whichever tab is showing.

mod answer;
mod augmentation;
mod controls;
mod form;
mod live;
mod runs;

use std::time::{Duration, Instant};

use crate::training::{BatchMetrics, Control, EpochMetrics, TrainingStarted};
use crate::worker::TrainingResult;

use super::super::app::Ctx;
use super::super::file_dialogs::PendingDialog;
use super::super::widgets::augmentation_strip::AugmentationPreview;

pub use answer::{FLIP_TTA_LABEL, SHIFT_TTA_LABEL};
pub use controls::FAST_RUN_LABEL;
pub use form::{FormState, TrainSettings, available_cores};
pub use runs::RunsPanel;

/// Width of the hyperparameter column.
const FORM_WIDTH: f32 = 350.0;
/// Weight of a new batch in the smoothed per-batch curves.
const SMOOTHING: f64 = 0.1;

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

/// Which half of the tab's right side is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrainPage {
    /// The current run: progress and live plots.
    #[default]
    Live,
    /// The stored runs and their comparison.
    Runs,
}

/// Wall-clock time of the current run as the UI sees it, pauses left out. Every method takes the
/// moment it is about (`Instant::now()` at the call site), so tests give it any times they like
/// instead of sleeping.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunClock {
    started: Option<Instant>,
    paused_since: Option<Instant>,
    paused_total: Duration,
    stopped_at: Option<Instant>,
}

impl RunClock {
    /// A run started at `now`: everything before is forgotten.
    pub fn start(&mut self, now: Instant) {
        *self = Self { started: Some(now), ..Self::default() };
    }

    /// Paused at `now` (a second pause changes nothing).
    pub fn pause(&mut self, now: Instant) {
        if self.paused_since.is_none() {
            self.paused_since = Some(now);
        }
    }

    /// Resumed at `now`: the pause is left out of the time.
    pub fn resume(&mut self, now: Instant) {
        if let Some(since) = self.paused_since.take() {
            self.paused_total += now.saturating_duration_since(since);
        }
    }

    /// The run ended at `now`: the time stands still from then.
    pub fn stop(&mut self, now: Instant) {
        self.resume(now);
        self.stopped_at = Some(now);
    }

    /// Seconds trained up to `now` (pauses left out), 0 before the start.
    #[must_use]
    pub fn elapsed_secs(&self, now: Instant) -> f64 {
        let Some(started) = self.started else { return 0.0 };
        let now = self.paused_since.or(self.stopped_at).unwrap_or(now);
        now.saturating_duration_since(started).saturating_sub(self.paused_total).as_secs_f64()
    }
}

#[cfg(test)]
mod clock_tests {
    use std::time::{Duration, Instant};

    use super::RunClock;

    #[test]
    fn pauses_are_left_out_and_a_stopped_clock_stands_still() {
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        let mut clock = RunClock::default();
        assert_eq!(clock.elapsed_secs(at(5)), 0.0, "not started");
        clock.start(t0);
        assert_eq!(clock.elapsed_secs(at(3)), 3.0);
        clock.pause(at(3));
        clock.pause(at(4));
        assert_eq!(clock.elapsed_secs(at(9)), 3.0, "paused: the time stands");
        clock.resume(at(10));
        assert_eq!(clock.elapsed_secs(at(12)), 5.0, "the 7 s pause is left out");
        clock.stop(at(20));
        assert_eq!(clock.elapsed_secs(at(100)), 13.0, "stopped at 20 s, minus the pause");
        clock.start(at(100));
        assert_eq!(clock.elapsed_secs(at(101)), 1.0, "a new run starts from zero");
    }
}

/// Runtime state of the Train tab (not persisted).
#[derive(Default)]
pub struct TrainView {
    /// What the worker is doing.
    pub phase: TrainPhase,
    /// Sizes of the current run (after `TrainingStarted`).
    pub started: Option<TrainingStarted>,
    /// Per-batch metrics of the current run, as received (throttled by the worker).
    pub batches: Vec<BatchMetrics>,
    /// Smoothed per-batch training loss and accuracy (percent) as `[epoch, value]` points.
    pub smoothed_loss: Vec<[f64; 2]>,
    /// See `smoothed_loss`.
    pub smoothed_accuracy: Vec<[f64; 2]>,
    /// Per-epoch metrics of the current run.
    pub epochs: Vec<EpochMetrics>,
    /// The last finished run.
    pub last_result: Option<Box<TrainingResult>>,
    /// The last training failure, shown in the tab.
    pub error: Option<String>,
    /// Live view or run history.
    pub page: TrainPage,
    /// The current run's clock.
    pub clock: RunClock,
    /// The current run's name.
    pub run_name: String,
    /// The hyperparameter form's text fields.
    pub form: FormState,
    /// The augmentation preview's textures.
    pub preview: AugmentationPreview,
    /// The learning-rate field shown while paused.
    pub paused_learning_rate: String,
    /// The "Save model as" path field.
    pub save_path: String,
    /// A save chooser running in the background.
    pub save_dialog: Option<PendingDialog>,
    /// Selection, renaming and deleting in the run history.
    pub runs_panel: RunsPanel,
}

impl TrainView {
    /// Whether a run is on its way, running, paused or stopping (the model must not change).
    #[must_use]
    pub fn is_training(&self) -> bool {
        self.phase != TrainPhase::Idle
    }

    /// Start was pressed and the request sent.
    fn on_requested(&mut self, name: String) {
        self.phase = TrainPhase::Starting;
        self.run_name = name;
        self.started = None;
        self.batches.clear();
        self.smoothed_loss.clear();
        self.smoothed_accuracy.clear();
        self.epochs.clear();
        self.error = None;
        self.last_result = None;
        self.page = TrainPage::Live;
    }

    /// A run began on the worker. A pause or stop pressed before it began is applied again here,
    /// as the worker clears its control when it takes a new job.
    pub fn on_started(&mut self, info: TrainingStarted, control: &Control) {
        match self.phase {
            TrainPhase::Paused => control.pause(),
            TrainPhase::Stopping => control.cancel(),
            TrainPhase::Idle | TrainPhase::Starting | TrainPhase::Running => self.phase = TrainPhase::Running,
        }
        self.started = Some(info);
        self.batches.clear();
        self.smoothed_loss.clear();
        self.smoothed_accuracy.clear();
        self.epochs.clear();
        self.error = None;
        self.clock.start(Instant::now());
        if self.phase == TrainPhase::Paused {
            self.clock.pause(Instant::now());
        }
    }

    /// A batch finished.
    pub fn on_batch(&mut self, metrics: BatchMetrics) {
        if self.phase == TrainPhase::Starting {
            self.phase = TrainPhase::Running;
        }
        #[allow(clippy::cast_precision_loss)]
        let x = (metrics.epoch - 1) as f64 + metrics.batch as f64 / metrics.batches_per_epoch.max(1) as f64;
        let accuracy = metrics.accuracy * 100.0;
        let (loss, accuracy) = match (self.smoothed_loss.last(), self.smoothed_accuracy.last()) {
            (Some(loss), Some(previous)) => (
                (1.0 - SMOOTHING) * loss[1] + SMOOTHING * metrics.loss,
                (1.0 - SMOOTHING) * previous[1] + SMOOTHING * accuracy,
            ),
            _ => (metrics.loss, accuracy),
        };
        self.smoothed_loss.push([x, loss]);
        self.smoothed_accuracy.push([x, accuracy]);
        self.batches.push(metrics);
    }

    /// An epoch finished.
    pub fn on_epoch(&mut self, metrics: EpochMetrics) {
        self.epochs.push(metrics);
    }

    /// The run ended (any reason).
    pub fn on_finished(&mut self, result: Box<TrainingResult>) {
        self.phase = TrainPhase::Idle;
        self.clock.stop(Instant::now());
        self.last_result = Some(result);
    }

    /// The run could not start or failed.
    pub fn on_failed(&mut self, error: String) {
        self.phase = TrainPhase::Idle;
        self.clock.stop(Instant::now());
        self.error = Some(error);
    }

    /// The 1-based epoch with the lowest validation loss so far.
    #[must_use]
    pub fn best_epoch(&self) -> Option<usize> {
        if let Some(result) = &self.last_result {
            return result.summary.best_epoch;
        }
        self.epochs
            .iter()
            .filter_map(|epoch| epoch.validation_loss.map(|loss| (epoch.epoch, loss)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(epoch, _)| epoch)
    }
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    controls::poll_save_dialog(ui, cx);
    let training = cx.state.train.is_training();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(FORM_WIDTH);
            egui::ScrollArea::vertical().id_salt("train_form_scroll").show(ui, |ui| {
                form::form_ui(ui, cx, !training);
            });
        });
        ui.separator();
        ui.vertical(|ui| {
            let count = cx.state.runs.runs.len();
            ui.horizontal(|ui| {
                let page = &mut cx.state.train.page;
                ui.selectable_value(page, TrainPage::Live, egui::RichText::new("Live").size(15.0))
                    .on_hover_text("The current run: progress and plots");
                ui.selectable_value(
                    page,
                    TrainPage::Runs,
                    egui::RichText::new(format!("Run history ({count})")).size(15.0),
                )
                .on_hover_text("Every stored run: open, rename, delete, compare");
            });
            ui.separator();
            match cx.state.train.page {
                TrainPage::Live => {
                    controls::controls_ui(ui, cx);
                    live::live_ui(ui, cx);
                }
                TrainPage::Runs => runs::runs_ui(ui, cx),
            }
        });
    });
    runs::delete_confirmation_ui(ui.ctx(), cx);
}
