//! The one training loop and everything around it: `TrainConfig`, optimizers, learning-rate
//! schedules, early stopping, progress reporting (`ProgressSink`) and `Control` (cancel, pause,
//! learning-rate override). The CLI and the GUI's worker are two sinks over the same loop, which
//! can also continue a saved run from its resume state (`resume`, `resume_file`).

mod beside;
mod config;
mod control;
mod early_stopping;
mod epochs;
mod optimizer;
mod preset_recipes;
mod progress;
mod resume;
mod resume_file;
mod schedule;
mod train;

pub use config::{ConfigError, OptimizerKind, Schedule, TrainConfig};
pub use control::Control;
pub use early_stopping::{EarlyStopping, Verdict};
pub use optimizer::{Optimizer, OptimizerState, Slot, StateMismatch};
pub use progress::{
    BatchMetrics, EpochMetrics, NullSink, ProgressSink, StopReason, TrainSummary, TrainingStarted,
};
pub use resume::{NamedValues, ResumeState};
pub use resume_file::{RESUME_FILE, ResumeFileError, load_resume_state, save_resume_state};
pub use schedule::LrSchedule;
pub use train::{Start, TestPredictions, TrainError, TrainOutcome, TrainingData, train, train_from};
