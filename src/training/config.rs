//! `TrainConfig`: every knob of a training run (serde, with defaults), its validation and the
//! parsing of the command line's short names; the per-preset defaults are in `preset_recipes.rs`.

use serde::{Deserialize, Serialize};

use crate::data::Augmentation;
use crate::evaluation::TestTimeAugmentation;

/// Which optimizer updates the weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam; a weight decay is added to the gradient (classic L2).
    Adam,
    /// Adam with decoupled weight decay (Loshchilov & Hutter).
    #[serde(rename = "adamw")]
    AdamW,
    /// Stochastic gradient descent with (heavy-ball) momentum; 0 means plain SGD.
    Sgd {
        /// Momentum in `0.0..1.0`.
        momentum: f64,
    },
}

impl OptimizerKind {
    /// Short name as typed on the command line (`adam`, `adamw`, `sgd`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Adam => "adam",
            Self::AdamW => "adamw",
            Self::Sgd { .. } => "sgd",
        }
    }

    /// Parses `adam`, `adamw` or `sgd` (momentum 0.9).
    ///
    /// # Errors
    /// Any other name.
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "adam" => Ok(Self::Adam),
            "adamw" => Ok(Self::AdamW),
            "sgd" => Ok(Self::Sgd { momentum: 0.9 }),
            _ => Err(ConfigError::UnknownOptimizer(name.to_owned())),
        }
    }
}

/// How the learning rate changes from epoch to epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// The same learning rate throughout.
    Constant,
    /// Multiply the learning rate by `factor` every `every_epochs` epochs.
    Step {
        /// Epochs between two decays.
        every_epochs: usize,
        /// Multiplier in `0.0..=1.0`.
        factor: f64,
    },
    /// Half a cosine from the base rate down towards zero over the run's epochs.
    Cosine,
    /// Changes after every batch: up in a straight line from a tenth of the base rate to the base
    /// rate over the first `warmup_fraction` of the run, then down in a straight line to zero at
    /// its end (Smith's one-cycle policy, the usual schedule of short, fast runs).
    OneCycle {
        /// Share of the run spent warming up, in `0.0..1.0`.
        warmup_fraction: f64,
    },
    /// Multiply the learning rate by `factor` after `patience` epochs without a better
    /// validation loss.
    ReduceOnPlateau {
        /// Epochs without improvement before a reduction.
        patience: usize,
        /// Multiplier in `0.0..=1.0`.
        factor: f64,
    },
}

impl Schedule {
    /// One-cycle with its usual warm-up, the first fifth of the run.
    pub const ONE_CYCLE: Self = Self::OneCycle { warmup_fraction: 0.2 };

    /// Short name as typed on the command line (`constant`, `step`, `cosine`, `plateau`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::Step { .. } => "step",
            Self::Cosine => "cosine",
            Self::OneCycle { .. } => "one-cycle",
            Self::ReduceOnPlateau { .. } => "plateau",
        }
    }

    /// Parses `constant`, `step` (×0.5 every 3 epochs), `cosine`, `one-cycle` (warming up over the
    /// first 20% of the run) or `plateau` (×0.5 after 2 epochs).
    ///
    /// # Errors
    /// Any other name.
    pub fn parse(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "constant" | "none" => Ok(Self::Constant),
            "step" => Ok(Self::Step { every_epochs: 3, factor: 0.5 }),
            "cosine" => Ok(Self::Cosine),
            "one-cycle" | "onecycle" | "one_cycle" => Ok(Self::ONE_CYCLE),
            "plateau" | "reduce-on-plateau" | "reduce_on_plateau" => {
                Ok(Self::ReduceOnPlateau { patience: 2, factor: 0.5 })
            }
            _ => Err(ConfigError::UnknownSchedule(name.to_owned())),
        }
    }
}

/// Everything that decides how a model is trained. Missing fields take the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Passes over the training data.
    pub epochs: usize,
    /// Images per optimisation step.
    pub batch_size: usize,
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Base learning rate (the schedule scales it).
    pub learning_rate: f64,
    /// Weight decay (L2 for Adam and SGD, decoupled for AdamW); 0 turns it off.
    pub weight_decay: f64,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Stop after this many epochs without a lower validation loss and restore the best
    /// weights; `None` trains all epochs.
    pub early_stopping_patience: Option<usize>,
    /// Part of the training split held out (seeded) to validate on, `0.0..=0.5`.
    pub validation_fraction: f64,
    /// Random changes to the training images.
    pub augmentation: Augmentation,
    /// Label smoothing in `0.0..1.0` (0 = plain cross-entropy).
    pub label_smoothing: f64,
    /// Seed of initialisation, validation split, shuffling, dropout and augmentation.
    pub seed: u64,
    /// How the trained model answers (saved in its model file): flip TTA averages each picture
    /// with its mirror image.
    pub test_time_augmentation: TestTimeAugmentation,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            batch_size: 128,
            optimizer: OptimizerKind::Adam,
            learning_rate: 1e-3,
            weight_decay: 0.0,
            schedule: Schedule::Cosine,
            early_stopping_patience: None,
            validation_fraction: 0.1,
            augmentation: Augmentation::default(),
            label_smoothing: 0.0,
            seed: 1,
            test_time_augmentation: TestTimeAugmentation::None,
        }
    }
}

/// A training configuration that cannot work, or a name the command line does not know.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// `epochs` is 0.
    #[error("epochs must be at least 1")]
    NoEpochs,
    /// `batch_size` is 0.
    #[error("batch size must be at least 1")]
    NoBatchSize,
    /// The learning rate is not a positive number.
    #[error("learning rate must be a positive number, got {0}")]
    LearningRate(f64),
    /// The weight decay is negative or not a number.
    #[error("weight decay must be 0 or more, got {0}")]
    WeightDecay(f64),
    /// SGD momentum outside `0.0..1.0`.
    #[error("SGD momentum must be in 0..1, got {0}")]
    Momentum(f64),
    /// A schedule's factor outside `0.0..=1.0` or a zero period/patience.
    #[error("schedule {schedule}: {problem}")]
    Schedule {
        /// The schedule's short name.
        schedule: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Early stopping with a patience of 0.
    #[error("early-stopping patience must be at least 1")]
    Patience,
    /// Early stopping or reduce-on-plateau without a validation set.
    #[error("{0} needs a validation set: set a validation fraction above 0")]
    NeedsValidation(&'static str),
    /// Validation fraction outside `0.0..=0.5`.
    #[error("validation fraction must be in 0..=0.5, got {0}")]
    ValidationFraction(f64),
    /// Label smoothing outside `0.0..1.0`.
    #[error("label smoothing must be in 0..1, got {0}")]
    LabelSmoothing(f64),
    /// A shift too large for a 28×28 image.
    #[error("augmentation shift must be at most {max} pixels, got {got}")]
    Shift {
        /// The largest allowed shift.
        max: usize,
        /// The shift asked for.
        got: usize,
    },
    /// A rotation too large to be a photo's tilt.
    #[error("augmentation rotation must be at most {max}°, got {got}°")]
    Rotation {
        /// The largest allowed rotation.
        max: usize,
        /// The rotation asked for.
        got: usize,
    },
    /// A brightness/contrast jitter that would wash images out.
    #[error("augmentation brightness/contrast jitter must be at most {max}%, got {got}%")]
    ToneJitter {
        /// The largest allowed jitter.
        max: usize,
        /// The jitter asked for.
        got: usize,
    },
    /// An optimizer name the command line does not know.
    #[error("unknown optimizer {0:?}; choose adam, adamw or sgd")]
    UnknownOptimizer(String),
    /// A schedule name the command line does not know.
    #[error("unknown schedule {0:?}; choose constant, step, cosine, one-cycle or plateau")]
    UnknownSchedule(String),
    /// An augmentation name the command line does not know.
    #[error("unknown augmentation {0:?}; choose shift, flip, erase, rotate, tone, photos or none")]
    UnknownAugmentation(String),
}

impl TrainConfig {
    /// Checks every field once, where a config enters (file, command line, GUI).
    ///
    /// # Errors
    /// The first field that cannot work, with its value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.epochs == 0 {
            return Err(ConfigError::NoEpochs);
        }
        if self.batch_size == 0 {
            return Err(ConfigError::NoBatchSize);
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ConfigError::LearningRate(self.learning_rate));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(ConfigError::WeightDecay(self.weight_decay));
        }
        if let OptimizerKind::Sgd { momentum } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err(ConfigError::Momentum(momentum));
        }
        self.validate_schedule()?;
        if !(0.0..=0.5).contains(&self.validation_fraction) {
            return Err(ConfigError::ValidationFraction(self.validation_fraction));
        }
        if let Some(patience) = self.early_stopping_patience {
            if patience == 0 {
                return Err(ConfigError::Patience);
            }
            if self.validation_fraction <= 0.0 {
                return Err(ConfigError::NeedsValidation("early stopping"));
            }
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(ConfigError::LabelSmoothing(self.label_smoothing));
        }
        let max_shift = crate::data::MAX_SHIFT_PIXELS;
        if self.augmentation.max_shift_pixels > max_shift {
            return Err(ConfigError::Shift { max: max_shift, got: self.augmentation.max_shift_pixels });
        }
        let max_rotation = crate::data::MAX_ROTATION_DEGREES;
        if self.augmentation.max_rotation_degrees > max_rotation {
            return Err(ConfigError::Rotation {
                max: max_rotation,
                got: self.augmentation.max_rotation_degrees,
            });
        }
        let max_tone = crate::data::MAX_TONE_JITTER_PERCENT;
        if self.augmentation.tone_jitter_percent > max_tone {
            return Err(ConfigError::ToneJitter {
                max: max_tone,
                got: self.augmentation.tone_jitter_percent,
            });
        }
        Ok(())
    }

    fn validate_schedule(&self) -> Result<(), ConfigError> {
        let problem = match self.schedule {
            Schedule::Constant | Schedule::Cosine => None,
            Schedule::OneCycle { warmup_fraction } => (!(0.0..1.0).contains(&warmup_fraction))
                .then(|| format!("warmup_fraction must be in 0..1, got {warmup_fraction}")),
            Schedule::Step { every_epochs, factor } => {
                if every_epochs == 0 {
                    Some("every_epochs must be at least 1".to_owned())
                } else {
                    factor_problem(factor)
                }
            }
            Schedule::ReduceOnPlateau { patience, factor } => {
                if self.validation_fraction <= 0.0 {
                    return Err(ConfigError::NeedsValidation("the reduce-on-plateau schedule"));
                }
                if patience == 0 {
                    Some("patience must be at least 1".to_owned())
                } else {
                    factor_problem(factor)
                }
            }
        };
        match problem {
            Some(problem) => Err(ConfigError::Schedule { schedule: self.schedule.name(), problem }),
            None => Ok(()),
        }
    }

    /// The planned learning rate at `points_per_epoch` evenly spaced moments of each epoch, as
    /// `[epoch, rate]` with fractional epochs (for the GUI's preview plot, where one-cycle changes
    /// within an epoch).
    #[must_use]
    pub fn learning_rate_curve(&self, points_per_epoch: usize) -> Vec<[f64; 2]> {
        let schedule = super::schedule::LrSchedule::new(self);
        let points = points_per_epoch.max(1);
        #[allow(clippy::cast_precision_loss)]
        (0..self.epochs * points)
            .map(|point| {
                let position = point as f64 / points as f64;
                [position, schedule.learning_rate_at(position)]
            })
            .collect()
    }
}

fn factor_problem(factor: f64) -> Option<String> {
    (!(factor > 0.0 && factor <= 1.0)).then(|| format!("factor must be in 0..=1, got {factor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_json_takes_defaults_and_round_trips() {
        let config: TrainConfig =
            serde_json::from_str(r#"{"epochs": 3, "optimizer": {"kind": "sgd", "momentum": 0.8}}"#).unwrap();
        assert_eq!(config.epochs, 3);
        assert_eq!(config.optimizer, OptimizerKind::Sgd { momentum: 0.8 });
        assert_eq!(config.batch_size, TrainConfig::default().batch_size);
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<TrainConfig>(&json).unwrap(), config);
    }

    #[test]
    fn impossible_values_are_refused_with_the_value() {
        let bad = TrainConfig { learning_rate: -1.0, ..TrainConfig::default() };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "learning rate must be a positive number, got -1"
        );
        let bad = TrainConfig {
            early_stopping_patience: Some(3),
            validation_fraction: 0.0,
            ..TrainConfig::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("early stopping needs a validation set"));
        let bad = TrainConfig {
            schedule: Schedule::Step { every_epochs: 2, factor: 1.5 },
            ..TrainConfig::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "schedule step: factor must be in 0..=1, got 1.5"
        );
        let bad = TrainConfig { epochs: 0, ..TrainConfig::default() };
        assert_eq!(bad.validate(), Err(ConfigError::NoEpochs));
    }

    #[test]
    fn command_line_names_parse() {
        assert_eq!(OptimizerKind::parse("AdamW").unwrap(), OptimizerKind::AdamW);
        assert_eq!(Schedule::parse("plateau").unwrap().name(), "plateau");
        assert!(OptimizerKind::parse("rmsprop").unwrap_err().to_string().contains("choose adam"));
    }
}
