//! The command line's view of a training run: one progress bar over the whole run, a line per
//! epoch, and the stop after a chosen epoch (`atelier train --stop-after`).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::training::{BatchMetrics, Control, EpochMetrics, ProgressSink, TrainSummary, TrainingStarted};

/// Draws one progress bar over the whole run and prints a line per epoch; stops the run after
/// epoch `stop_after` when asked to.
pub(super) struct BarSink<'a> {
    bar: ProgressBar,
    total_epochs: usize,
    last_draw: Option<Instant>,
    /// Exponentially smoothed training loss and accuracy.
    smoothed: Option<(f64, f64)>,
    stop_after: Option<usize>,
    control: &'a Control,
}

impl<'a> BarSink<'a> {
    pub(super) fn new(stop_after: Option<usize>, control: &'a Control) -> Self {
        Self {
            bar: ProgressBar::hidden(),
            total_epochs: 0,
            last_draw: None,
            smoothed: None,
            stop_after,
            control,
        }
    }
}

/// Redraw the bar at most this often: a batch of the dense net takes a few milliseconds.
const DRAW_INTERVAL: Duration = Duration::from_millis(100);

impl ProgressSink for BarSink<'_> {
    fn started(&mut self, info: &TrainingStarted) {
        let held_out = match info.validation_examples {
            0 => "none held out for validation".to_owned(),
            count => format!("{count} held out for validation"),
        };
        println!(
            "training on {} images ({held_out}, {} test), {} batches per epoch",
            info.train_examples, info.test_examples, info.batches_per_epoch
        );
        self.total_epochs = info.total_epochs;
        let total = u64::try_from(info.total_epochs * info.batches_per_epoch).unwrap_or(u64::MAX);
        self.bar = ProgressBar::new(total);
        self.bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:20}] {percent:>3}% {msg} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    }

    fn batch_finished(&mut self, metrics: &BatchMetrics) {
        // Exponential smoothing so the bar shows a trend, not one batch's noise.
        let (loss, accuracy) = match self.smoothed {
            Some((loss, accuracy)) => {
                (0.95 * loss + 0.05 * metrics.loss, 0.95 * accuracy + 0.05 * metrics.accuracy)
            }
            None => (metrics.loss, metrics.accuracy),
        };
        self.smoothed = Some((loss, accuracy));
        if self.last_draw.is_some_and(|last| last.elapsed() < DRAW_INTERVAL) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let done = (metrics.epoch - 1) * metrics.batches_per_epoch + metrics.batch;
        self.bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
        self.bar.set_prefix(format!("epoch {}/{}", metrics.epoch, self.total_epochs));
        self.bar.set_message(format!(
            "loss {loss:.4} acc {:.1}% {:.0} img/s",
            accuracy * 100.0,
            metrics.images_per_sec
        ));
    }

    fn epoch_finished(&mut self, metrics: &EpochMetrics) {
        let validation = match (metrics.validation_loss, metrics.validation_accuracy) {
            (Some(loss), Some(accuracy)) => format!("  val loss {loss:.4} acc {:.2}%", accuracy * 100.0),
            _ => String::new(),
        };
        let line = format!(
            "epoch {:>2}/{}  train loss {:.4} acc {:.2}%{validation}  lr {:.2e}  {:.0} img/s  {:.1} s",
            metrics.epoch,
            self.total_epochs,
            metrics.train_loss,
            metrics.train_accuracy * 100.0,
            metrics.learning_rate,
            metrics.images_per_sec,
            metrics.elapsed_secs
        );
        self.bar.suspend(|| println!("{line}"));
        // The loop checks the control before the next batch: the run ends exactly at this
        // epoch's boundary, where a continued run picks up.
        if self.stop_after == Some(metrics.epoch) {
            self.control.cancel();
        }
    }

    fn finished(&mut self, _summary: &TrainSummary) {
        self.bar.finish_and_clear();
    }
}
