//! The classification report: per-class precision, recall, F1 and support, their averages, and a
//! text layout like scikit-learn's `classification_report`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{ConfusionMatrix, EvaluationError, ratio};

/// The metrics of one class, treating it as "positive" and every other class as "negative".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class name ("Ankle boot").
    pub name: String,
    /// Of the examples predicted as this class, the share that really are (0 when none predicted).
    pub precision: f64,
    /// Of the examples of this class, the share predicted as it (0 when the class has none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Number of examples whose true class is this one.
    pub support: u64,
    /// Per-class accuracy: the share of this class's examples classified correctly. It equals the
    /// recall; it is kept under its own name because that is how the per-class bar chart reads.
    pub accuracy: f64,
}

/// Precision, recall and F1 averaged over the classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageMetrics {
    /// Averaged precision.
    pub precision: f64,
    /// Averaged recall.
    pub recall: f64,
    /// Averaged F1.
    pub f1: f64,
    /// All examples.
    pub support: u64,
}

/// Everything a user reads after an evaluation: overall accuracy, per-class metrics, macro and
/// weighted averages, and the confusion matrix they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Share of all examples classified correctly.
    pub accuracy: f64,
    /// Examples classified correctly.
    pub correct: u64,
    /// Examples evaluated.
    pub total: u64,
    /// One entry per class, in class order.
    pub classes: Vec<ClassMetrics>,
    /// Unweighted mean over the classes (every class counts the same).
    pub macro_avg: AverageMetrics,
    /// Mean over the classes weighted by support (every example counts the same).
    pub weighted_avg: AverageMetrics,
    /// The counts, `[true][predicted]`.
    pub confusion: ConfusionMatrix,
}

impl ClassificationReport {
    /// Computes the report of a confusion matrix whose classes are called `class_names`.
    ///
    /// # Errors
    /// The number of names differs from the number of classes.
    pub fn from_confusion(
        confusion: &ConfusionMatrix,
        class_names: &[String],
    ) -> Result<Self, EvaluationError> {
        let num_classes = confusion.num_classes();
        if class_names.len() != num_classes {
            return Err(EvaluationError::ClassNames { names: class_names.len(), num_classes });
        }
        Ok(Self::build(confusion, class_names))
    }

    /// The report of `confusion`; a class without a name in `class_names` is called "class N".
    pub(super) fn build(confusion: &ConfusionMatrix, class_names: &[String]) -> Self {
        let classes: Vec<ClassMetrics> = (0..confusion.num_classes())
            .map(|class| {
                let name = class_names.get(class).cloned().unwrap_or_else(|| format!("class {class}"));
                let hits = confusion.count(class, class);
                let support = confusion.row_total(class);
                let precision = ratio(hits, confusion.column_total(class));
                let recall = ratio(hits, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassMetrics { name, precision, recall, f1, support, accuracy: recall }
            })
            .collect();
        let total = confusion.total();
        Self {
            accuracy: confusion.accuracy(),
            correct: confusion.correct(),
            total,
            macro_avg: average(&classes, |_| 1.0, total),
            #[allow(clippy::cast_precision_loss)] // supports stay far below 2^52
            weighted_avg: average(&classes, |metrics| metrics.support as f64, total),
            classes,
            confusion: confusion.clone(),
        }
    }

    /// The class names, in class order.
    #[must_use]
    pub fn class_names(&self) -> Vec<String> {
        self.classes.iter().map(|metrics| metrics.name.clone()).collect()
    }

    /// The report laid out like scikit-learn's `classification_report`, with `digits` decimals.
    ///
    /// ```text
    ///               precision    recall  f1-score   support
    ///
    ///  T-shirt/top     0.8500    0.8600    0.8550      1000
    ///  …
    ///     accuracy                         0.9061     10000
    ///    macro avg     0.9060    0.9061    0.9059     10000
    /// weighted avg     0.9060    0.9061    0.9059     10000
    /// ```
    #[must_use]
    pub fn to_text(&self, digits: usize) -> String {
        const LAST_LINE: &str = "weighted avg";
        let width = self
            .classes
            .iter()
            .map(|metrics| metrics.name.chars().count())
            .chain([LAST_LINE.len(), digits])
            .max();
        let width = width.unwrap_or(LAST_LINE.len());
        let mut text = format!("{:>width$} ", "");
        for header in ["precision", "recall", "f1-score", "support"] {
            let _ = write!(text, " {header:>9}");
        }
        text.push_str("\n\n");
        let mut row = |name: &str, precision: f64, recall: f64, f1: f64, support: u64| {
            let _ = writeln!(
                text,
                "{name:>width$}  {precision:>9.digits$} {recall:>9.digits$} {f1:>9.digits$} {support:>9}"
            );
        };
        for metrics in &self.classes {
            row(&metrics.name, metrics.precision, metrics.recall, metrics.f1, metrics.support);
        }
        text.push('\n');
        let _ = writeln!(
            text,
            "{:>width$}  {:>9} {:>9} {:>9.digits$} {:>9}",
            "accuracy", "", "", self.accuracy, self.total
        );
        for (name, avg) in [("macro avg", &self.macro_avg), (LAST_LINE, &self.weighted_avg)] {
            let _ = writeln!(
                text,
                "{name:>width$}  {:>9.digits$} {:>9.digits$} {:>9.digits$} {:>9}",
                avg.precision, avg.recall, avg.f1, avg.support
            );
        }
        text
    }
}

/// Averages the classes' precision, recall and F1 with the given weight per class.
fn average(classes: &[ClassMetrics], weight: impl Fn(&ClassMetrics) -> f64, total: u64) -> AverageMetrics {
    let weight_sum: f64 = classes.iter().map(&weight).sum();
    let mean = |value: fn(&ClassMetrics) -> f64| {
        if weight_sum > 0.0 {
            classes.iter().map(|metrics| weight(metrics) * value(metrics)).sum::<f64>() / weight_sum
        } else {
            0.0
        }
    };
    AverageMetrics {
        precision: mean(|metrics| metrics.precision),
        recall: mean(|metrics| metrics.recall),
        f1: mean(|metrics| metrics.f1),
        support: total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    /// A hand-checked three-class case:
    /// ```text
    ///            pred a  pred b  pred c
    /// true a        3       1       0     support 4
    /// true b        1       2       0     support 3
    /// true c        0       1       2     support 3
    /// ```
    /// a: precision 3/4, recall 3/4; b: precision 2/4, recall 2/3; c: precision 2/2, recall 2/3.
    fn three_class() -> ClassificationReport {
        let truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
        let predicted = [0, 0, 0, 1, 0, 1, 1, 1, 2, 2];
        let confusion = ConfusionMatrix::from_predictions(3, &truth, &predicted).unwrap();
        ClassificationReport::from_confusion(&confusion, &names(&["a", "b", "c"])).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn per_class_metrics_match_hand_computation() {
        let report = three_class();
        let [a, b, c] = &report.classes[..] else { panic!("three classes") };
        assert!(close(a.precision, 0.75) && close(a.recall, 0.75) && close(a.f1, 0.75));
        assert!(close(b.precision, 0.5) && close(b.recall, 2.0 / 3.0));
        assert!(close(b.f1, 2.0 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0)));
        assert!(close(c.precision, 1.0) && close(c.recall, 2.0 / 3.0) && close(c.f1, 0.8));
        assert_eq!((a.support, b.support, c.support), (4, 3, 3));
        assert!(close(c.accuracy, c.recall));
        assert!(close(report.accuracy, 0.7));
        assert_eq!((report.correct, report.total), (7, 10));
    }

    #[test]
    fn macro_average_weighs_classes_and_weighted_average_weighs_examples() {
        let report = three_class();
        assert!(close(report.macro_avg.precision, (0.75 + 0.5 + 1.0) / 3.0));
        assert!(close(report.weighted_avg.precision, (4.0 * 0.75 + 3.0 * 0.5 + 3.0 * 1.0) / 10.0));
        // Weighted recall is always the accuracy.
        assert!(close(report.weighted_avg.recall, report.accuracy));
        assert_eq!(report.macro_avg.support, 10);
    }

    #[test]
    fn a_class_never_predicted_has_zero_precision_not_nan() {
        let confusion = ConfusionMatrix::from_predictions(2, &[0, 1], &[0, 0]).unwrap();
        let report =
            ClassificationReport::from_confusion(&confusion, &names(&["Sneaker", "Ankle boot"])).unwrap();
        let boot = &report.classes[1];
        assert_eq!((boot.precision, boot.recall, boot.f1), (0.0, 0.0, 0.0));
        assert!(report.to_text(2).contains("  Ankle boot       0.00      0.00      0.00         1"));
    }

    #[test]
    fn text_layout_matches_scikit_learn() {
        let expected = "              precision    recall  f1-score   support

           a       0.75      0.75      0.75         4
           b       0.50      0.67      0.57         3
           c       1.00      0.67      0.80         3

    accuracy                           0.70        10
   macro avg       0.75      0.69      0.71        10
weighted avg       0.75      0.70      0.71        10
";
        assert_eq!(three_class().to_text(2), expected);
    }

    #[test]
    fn wrong_number_of_names_is_refused() {
        let confusion = ConfusionMatrix::zeros(3);
        assert!(matches!(
            ClassificationReport::from_confusion(&confusion, &names(&["a"])),
            Err(EvaluationError::ClassNames { names: 1, num_classes: 3 })
        ));
    }

    #[test]
    fn json_round_trip() {
        let report = three_class();
        let json = serde_json::to_string(&report).unwrap();
        let parsed: ClassificationReport = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed.to_text(9), report.to_text(9));
        assert_eq!(parsed.confusion, report.confusion);
    }
}
