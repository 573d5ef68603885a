//! The one training loop and everything around it: `TrainConfig`, optimizers, learning-rate
//! schedules, early stopping, progress reporting (`ProgressSink`) and `Control` (cancel, pause,
//! learning-rate override). The CLI and the GUI's worker are two sinks over the same loop.

mod config;
mod control;
mod early_stopping;
mod optimizer;
mod progress;
mod schedule;
mod train;

pub use config::{ConfigError, OptimizerKind, Schedule, TrainConfig};
pub use control::Control;
pub use early_stopping::{EarlyStopping, Verdict};
pub use optimizer::Optimizer;
pub use progress::{
    BatchMetrics, EpochMetrics, NullSink, ProgressSink, StopReason, TrainSummary, TrainingStarted,
};
pub use schedule::LrSchedule;
pub use train::{TrainError, TrainOutcome, TrainingData, train};
