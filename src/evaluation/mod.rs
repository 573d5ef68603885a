//! Pure metrics of a classifier: accuracy, confusion matrix, per-class precision / recall / F1,
//! the classification report and the list of mistakes, plus their CSV/JSON/PNG exports.
//!
//! Everything here works on class indices (`0..num_classes`) and class names given by the caller,
//! so the same code serves the ten-class task and the binary one (two classes with names).

mod confusion;
pub(crate) mod export;
mod heatmap;
mod predictions;
mod report;
mod tta;

pub use confusion::ConfusionMatrix;
pub use export::{confusion_csv, report_csv, write_report_files};
pub use heatmap::{confusion_heatmap, save_confusion_png};
pub use predictions::{Example, Predictions};
pub use report::{AverageMetrics, ClassMetrics, ClassificationReport};
pub use tta::{Look, TestTimeAugmentation, UnknownTta, mirror_rows};

use std::path::PathBuf;

/// What can go wrong when computing or exporting metrics.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// The true and predicted class lists have different lengths.
    #[error("{true_len} true classes but {predicted_len} predictions")]
    LengthMismatch {
        /// Number of true classes given.
        true_len: usize,
        /// Number of predictions given.
        predicted_len: usize,
    },
    /// A class index is outside `0..num_classes`.
    #[error("class {class} is out of range: the task has {num_classes} classes")]
    ClassOutOfRange {
        /// The offending class index.
        class: usize,
        /// Number of classes of the task.
        num_classes: usize,
    },
    /// The probabilities are not `examples × classes` numbers.
    #[error("{len} probabilities do not split into rows of {num_classes} classes")]
    ProbabilityShape {
        /// Number of probabilities given.
        len: usize,
        /// Number of classes of the task.
        num_classes: usize,
    },
    /// The number of class names does not match the number of classes.
    #[error("{names} class names for {num_classes} classes")]
    ClassNames {
        /// Number of names given.
        names: usize,
        /// Number of classes of the task.
        num_classes: usize,
    },
    /// A task needs at least one class.
    #[error("a task needs at least one class")]
    NoClasses,
    /// Writing an export file failed.
    #[error("could not write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Encoding the confusion-matrix picture failed.
    #[error("could not encode {path}: {source}")]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: image::ImageError,
    },
}

/// Share of examples whose prediction equals the true class (0.0 for no examples).
///
/// # Errors
/// The two lists differ in length.
pub fn accuracy(true_classes: &[usize], predicted_classes: &[usize]) -> Result<f64, EvaluationError> {
    if true_classes.len() != predicted_classes.len() {
        return Err(EvaluationError::LengthMismatch {
            true_len: true_classes.len(),
            predicted_len: predicted_classes.len(),
        });
    }
    let correct = true_classes.iter().zip(predicted_classes).filter(|(t, p)| t == p).count();
    Ok(ratio(correct as u64, true_classes.len() as u64))
}

/// `numerator / denominator`, or 0.0 when the denominator is zero (sklearn's `zero_division=0`).
#[allow(clippy::cast_precision_loss)] // counts stay far below 2^52
fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_matches() {
        assert!((accuracy(&[0, 1, 2, 2], &[0, 1, 1, 2]).unwrap() - 0.75).abs() < 1e-12);
        assert!(accuracy(&[], &[]).unwrap().abs() < 1e-12);
        assert!(matches!(
            accuracy(&[0], &[0, 1]),
            Err(EvaluationError::LengthMismatch { true_len: 1, predicted_len: 2 })
        ));
    }
}
