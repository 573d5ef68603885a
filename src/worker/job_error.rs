//! Why a worker job failed. The worker's own reasons are variants of their own; an error from the
//! core keeps its type (and so its chain of causes) until the UI shows it, formatted once, by
//! `Display`, where it is shown. Nothing here is turned into text on the worker.

use crate::data::ClassMismatch;
use crate::data::DataError;
use crate::data::import::ImportError;
use crate::data::store::StoreError;
use crate::evaluation::EvaluationError;
use crate::inference::InferenceError;
use crate::model_file::ModelFileError;
use crate::model_file::onnx::OnnxExportError;
use crate::runs::RunsError;
use crate::training::TrainError;

/// A failed job, as [`super::Event::Failed`] carries it.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Evaluate, explain, save or export with no current model.
    #[error("there is no model yet: train one, or open a model file")]
    NoModel,
    /// Train or evaluate before a data set has loaded.
    #[error("the data set is not loaded yet")]
    NoData,
    /// The worker was given no folder for this (tests, or a system without a user data folder).
    #[error("there is no user data folder to keep {0} in")]
    NoStore(&'static str),
    /// A continued run meets other data than it was trained on.
    #[error(
        "run `{run_id}` was trained on other data than the loaded data set: load that data to continue it"
    )]
    OtherData {
        /// The stored run.
        run_id: String,
    },
    /// The training threads could not be started.
    #[error("could not start {threads} training threads: {reason}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// The thread pool's answer.
        reason: String,
    },
    /// A model spec file could not be read, written or understood.
    #[error("{0}")]
    SpecFile(String),
    /// The model was made for other classes than the data set has.
    #[error(transparent)]
    Classes(#[from] Box<ClassMismatch>),
    /// Loading or downloading a data set.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The imported data sets' folder.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Importing pictures.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Reading or writing a model file.
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    /// Exporting ONNX.
    #[error(transparent)]
    Onnx(#[from] OnnxExportError),
    /// The run history.
    #[error(transparent)]
    Runs(#[from] RunsError),
    /// Training.
    #[error(transparent)]
    Training(#[from] TrainError),
    /// Evaluating or predicting.
    #[error(transparent)]
    Inference(#[from] InferenceError),
    /// Writing an evaluation's report files.
    #[error(transparent)]
    Report(#[from] EvaluationError),
    /// A job panicked (a bug) and was abandoned; the worker takes the next command.
    #[error("internal error ({0}); the job was abandoned, Atelier keeps running")]
    Internal(String),
}

impl JobError {
    /// Whether this reports a bug (a job that panicked) rather than bad input or a missing file.
    #[must_use]
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Internal(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workers_own_reasons_read_as_sentences_and_only_a_panic_is_internal() {
        assert_eq!(
            JobError::NoStore("imported data sets").to_string(),
            "there is no user data folder to keep imported data sets in"
        );
        assert!(!JobError::NoModel.is_internal());
        let panic = JobError::Internal("index out of bounds".to_owned());
        assert!(panic.is_internal());
        assert!(panic.to_string().starts_with("internal error (index out of bounds)"));
        let data = JobError::from(DataError::NoUserDataDir);
        assert_eq!(data.to_string(), DataError::NoUserDataDir.to_string(), "a core error reads as itself");
    }
}
