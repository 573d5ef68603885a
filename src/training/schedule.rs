//! The learning rate of each epoch: the configured schedule, the reduce-on-plateau state, and a
//! user override (set while paused) that rescales the rest of the schedule.

use serde::{Deserialize, Serialize};

use super::config::{Schedule, TrainConfig};
use super::resume::exact_f64;

/// The learning-rate schedule of one run. It is saved with a run's resume state (floats as their
/// exact bits), so a continued run keeps an override and the plateau reductions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LrSchedule {
    schedule: Schedule,
    #[serde(with = "exact_f64")]
    base_learning_rate: f64,
    epochs: usize,
    /// Product of the reductions reduce-on-plateau has made so far.
    #[serde(with = "exact_f64")]
    plateau_factor: f64,
    #[serde(with = "exact_f64")]
    best_validation_loss: f64,
    epochs_without_improvement: usize,
}

impl LrSchedule {
    /// The schedule of `config` (which has been validated).
    #[must_use]
    pub fn new(config: &TrainConfig) -> Self {
        Self {
            schedule: config.schedule,
            base_learning_rate: config.learning_rate,
            epochs: config.epochs,
            plateau_factor: 1.0,
            best_validation_loss: f64::INFINITY,
            epochs_without_improvement: 0,
        }
    }

    /// Makes `total_epochs` the run's length (a continued run with a new total): a cosine
    /// schedule spreads its remaining descent over the new total; the others do not depend on it.
    pub fn extend_to(&mut self, total_epochs: usize) {
        self.epochs = total_epochs;
    }

    /// The multiplier of the base rate at `position`, in epochs from the start (2.5 is half-way
    /// through the third epoch); always above 0. Only one-cycle changes within an epoch.
    fn factor(&self, position: f64) -> f64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let epoch = position.max(0.0).floor() as usize;
        match self.schedule {
            Schedule::Constant => 1.0,
            Schedule::Step { every_epochs, factor } => {
                let steps = i32::try_from(epoch / every_epochs.max(1)).unwrap_or(i32::MAX);
                factor.powi(steps)
            }
            // Per epoch, from 1 at epoch 0 towards (but never reaching) 0 at the last epoch.
            #[allow(clippy::cast_precision_loss)]
            Schedule::Cosine => {
                let progress = epoch as f64 / self.epochs.max(1) as f64;
                0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
            #[allow(clippy::cast_precision_loss)]
            Schedule::OneCycle { warmup_fraction } => {
                let progress = (position / self.epochs.max(1) as f64).clamp(0.0, 1.0);
                const START: f64 = 0.1;
                if progress < warmup_fraction {
                    START + (1.0 - START) * progress / warmup_fraction
                } else {
                    (1.0 - progress) / (1.0 - warmup_fraction)
                }
            }
            Schedule::ReduceOnPlateau { .. } => self.plateau_factor,
        }
        .max(f64::MIN_POSITIVE)
    }

    /// The learning rate at the start of `epoch` (0-based).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn learning_rate(&self, epoch: usize) -> f64 {
        self.learning_rate_at(epoch as f64)
    }

    /// The learning rate at `position`, in epochs from the start of the run (batch `b` of `n` in
    /// epoch `e` is at `e + b / n`).
    #[must_use]
    pub fn learning_rate_at(&self, position: f64) -> f64 {
        self.base_learning_rate * self.factor(position)
    }

    /// Makes `learning_rate` the rate at `position` (in epochs) from now on; the rest of the run
    /// keeps the schedule's shape relative to it (a user's override while paused).
    pub fn override_learning_rate(&mut self, position: f64, learning_rate: f64) {
        self.base_learning_rate = learning_rate / self.factor(position);
    }

    /// Records an epoch's validation loss; reduce-on-plateau lowers the rate after `patience`
    /// epochs without improvement. Other schedules ignore it.
    pub fn observe_validation_loss(&mut self, validation_loss: f64) {
        let Schedule::ReduceOnPlateau { patience, factor } = self.schedule else {
            return;
        };
        if validation_loss < self.best_validation_loss {
            self.best_validation_loss = validation_loss;
            self.epochs_without_improvement = 0;
        } else {
            self.epochs_without_improvement += 1;
            if self.epochs_without_improvement >= patience {
                self.plateau_factor *= factor;
                self.epochs_without_improvement = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(schedule: Schedule, epochs: usize) -> TrainConfig {
        TrainConfig { schedule, epochs, learning_rate: 0.1, ..TrainConfig::default() }
    }

    /// The rate at the start of each epoch, as planned before the run.
    fn preview(config: &TrainConfig) -> Vec<f64> {
        let schedule = LrSchedule::new(config);
        (0..config.epochs).map(|epoch| schedule.learning_rate(epoch)).collect()
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12)
    }

    #[test]
    fn step_halves_every_two_epochs() {
        let preview = preview(&config(Schedule::Step { every_epochs: 2, factor: 0.5 }, 5));
        assert!(close(&preview, &[0.1, 0.1, 0.05, 0.05, 0.025]), "{preview:?}");
    }

    #[test]
    fn cosine_starts_at_base_ends_low_and_stays_positive() {
        let preview = preview(&config(Schedule::Cosine, 4));
        let expected = [
            0.1,
            0.1 * (0.5 + 0.5 * std::f64::consts::FRAC_1_SQRT_2),
            0.05,
            0.1 * (0.5 - 0.5 * std::f64::consts::FRAC_1_SQRT_2),
        ];
        assert!(close(&preview, &expected), "{preview:?}");
        assert!(preview.windows(2).all(|w| w[1] < w[0]));
        assert!(preview.iter().all(|&lr| lr > 0.0));
    }

    #[test]
    fn one_cycle_warms_up_then_falls_to_zero_within_epochs() {
        let schedule = LrSchedule::new(&config(Schedule::OneCycle { warmup_fraction: 0.25 }, 4));
        let at = |position: f64| schedule.learning_rate_at(position);
        assert!((at(0.0) - 0.01).abs() < 1e-12, "starts at a tenth of the base rate");
        assert!((at(0.5) - 0.055).abs() < 1e-12, "half-way up the warm-up");
        assert!((at(1.0) - 0.1).abs() < 1e-12, "the base rate at the end of the warm-up");
        assert!((at(2.5) - 0.05).abs() < 1e-12, "half-way down");
        assert!(at(3.99) > 0.0 && at(3.99) < 0.001, "near zero at the end: {}", at(3.99));
        assert!(at(3.25) < at(3.0), "changes within an epoch");
        assert!((schedule.learning_rate(2) - at(2.0)).abs() < 1e-15);
        assert_eq!(Schedule::parse("one-cycle").unwrap(), Schedule::ONE_CYCLE);
        assert_eq!(Schedule::ONE_CYCLE.name(), "one-cycle");
    }

    #[test]
    fn one_cycle_rejects_a_warmup_of_the_whole_run() {
        let bad = config(Schedule::OneCycle { warmup_fraction: 1.0 }, 4);
        assert!(bad.validate().unwrap_err().to_string().contains("warmup_fraction"));
        config(Schedule::ONE_CYCLE, 4).validate().unwrap();
    }

    #[test]
    fn constant_is_flat() {
        assert!(close(&preview(&config(Schedule::Constant, 3)), &[0.1; 3]));
    }

    #[test]
    fn plateau_reduces_after_patience_epochs_without_improvement() {
        let mut schedule =
            LrSchedule::new(&config(Schedule::ReduceOnPlateau { patience: 2, factor: 0.1 }, 10));
        let mut rates = Vec::new();
        for (epoch, loss) in [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.75].into_iter().enumerate() {
            rates.push(schedule.learning_rate(epoch));
            schedule.observe_validation_loss(loss);
        }
        rates.push(schedule.learning_rate(7));
        assert!(close(&rates, &[0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001]), "{rates:?}");
    }

    #[test]
    fn override_sets_the_current_rate_and_keeps_the_shape() {
        let mut schedule = LrSchedule::new(&config(Schedule::Step { every_epochs: 1, factor: 0.5 }, 4));
        schedule.override_learning_rate(2.0, 0.2);
        assert!((schedule.learning_rate(2) - 0.2).abs() < 1e-12);
        assert!((schedule.learning_rate(3) - 0.1).abs() < 1e-12);
    }
}
