//! A model's predictions over a set of labelled examples, and the questions asked of them:
//! accuracy, confusion matrix, report, mistakes, and the examples behind one confusion cell.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{ClassificationReport, ConfusionMatrix, EvaluationError};

/// One evaluated example, as shown in a gallery or the mistakes list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Position in the evaluated dataset (`Dataset::image(index)` shows it).
    pub index: usize,
    /// The true class.
    pub true_class: usize,
    /// The class with the highest probability.
    pub predicted_class: usize,
    /// The probability of the predicted class.
    pub confidence: f32,
}

/// True classes and predicted probabilities of `len()` examples over `num_classes()` classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    class_names: Vec<String>,
    true_classes: Vec<usize>,
    /// Row-major `[example, class]`.
    probabilities: Vec<f32>,
    predicted_classes: Vec<usize>,
}

impl Predictions {
    /// Wraps the probabilities (`true_classes.len() × class_names.len()` numbers, row-major) and
    /// takes the most probable class of each example as its prediction (the first one on a tie).
    ///
    /// # Errors
    /// No classes, probabilities of the wrong length, or a true class out of range.
    pub fn new(
        class_names: Vec<String>,
        true_classes: Vec<usize>,
        probabilities: Vec<f32>,
    ) -> Result<Self, EvaluationError> {
        let num_classes = class_names.len();
        if num_classes == 0 {
            return Err(EvaluationError::NoClasses);
        }
        if probabilities.len() != true_classes.len() * num_classes {
            return Err(EvaluationError::ProbabilityShape { len: probabilities.len(), num_classes });
        }
        if let Some(&class) = true_classes.iter().find(|&&class| class >= num_classes) {
            return Err(EvaluationError::ClassOutOfRange { class, num_classes });
        }
        let predicted_classes = probabilities.chunks_exact(num_classes).map(argmax).collect();
        Ok(Self { class_names, true_classes, probabilities, predicted_classes })
    }

    /// Number of examples.
    #[must_use]
    pub fn len(&self) -> usize {
        self.true_classes.len()
    }

    /// Whether there are no examples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.true_classes.is_empty()
    }

    /// Number of classes.
    #[must_use]
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The class names, in class order.
    #[must_use]
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// True class of each example.
    #[must_use]
    pub fn true_classes(&self) -> &[usize] {
        &self.true_classes
    }

    /// Predicted class of each example.
    #[must_use]
    pub fn predicted_classes(&self) -> &[usize] {
        &self.predicted_classes
    }

    /// The probabilities of example `index` over the classes (empty when out of range).
    #[must_use]
    pub fn probabilities(&self, index: usize) -> &[f32] {
        let n = self.num_classes();
        self.probabilities.get(index * n..(index + 1) * n).unwrap_or(&[])
    }

    /// Example `index` with its prediction and confidence, if it exists.
    #[must_use]
    pub fn example(&self, index: usize) -> Option<Example> {
        let true_class = *self.true_classes.get(index)?;
        let predicted_class = self.predicted_classes[index];
        let confidence = self.probabilities(index).get(predicted_class).copied().unwrap_or(0.0);
        Some(Example { index, true_class, predicted_class, confidence })
    }

    /// Share of examples predicted correctly.
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        self.confusion().accuracy()
    }

    /// The confusion matrix, `[true][predicted]`.
    #[must_use]
    pub fn confusion(&self) -> ConfusionMatrix {
        let mut matrix = ConfusionMatrix::zeros(self.num_classes());
        for (&truth, &predicted) in self.true_classes.iter().zip(&self.predicted_classes) {
            // Both are in range by construction.
            let _ = matrix.add(truth, predicted);
        }
        matrix
    }

    /// The classification report with this task's class names.
    #[must_use]
    pub fn report(&self) -> ClassificationReport {
        ClassificationReport::build(&self.confusion(), &self.class_names)
    }

    /// Every misclassified example, the most confident mistakes first.
    #[must_use]
    pub fn mistakes(&self) -> Vec<Example> {
        self.sorted_examples(|example| example.true_class != example.predicted_class)
    }

    /// The examples of true class `true_class` predicted as `predicted_class` (one confusion cell),
    /// the most confident first.
    #[must_use]
    pub fn cell(&self, true_class: usize, predicted_class: usize) -> Vec<Example> {
        self.sorted_examples(|example| {
            example.true_class == true_class && example.predicted_class == predicted_class
        })
    }

    fn sorted_examples(&self, keep: impl Fn(&Example) -> bool) -> Vec<Example> {
        let mut examples: Vec<Example> =
            (0..self.len()).filter_map(|i| self.example(i)).filter(keep).collect();
        examples.sort_by(|a, b| {
            b.confidence.partial_cmp(&a.confidence).unwrap_or(Ordering::Equal).then(a.index.cmp(&b.index))
        });
        examples
    }
}

/// Index of the largest value; NaN never wins, ties go to the first.
fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (class, &value) in row.iter().enumerate() {
        if value > row[best] || row[best].is_nan() {
            best = class;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predictions() -> Predictions {
        let names = vec!["Sneaker".to_owned(), "Ankle boot".to_owned()];
        // example 0: boot predicted sneaker at 0.9; 1: sneaker right; 2: boot predicted sneaker at 0.6;
        // 3: sneaker predicted boot at 0.7.
        let probabilities = vec![0.9, 0.1, 0.8, 0.2, 0.6, 0.4, 0.3, 0.7];
        Predictions::new(names, vec![1, 0, 1, 0], probabilities).unwrap()
    }

    #[test]
    fn mistakes_come_most_confident_first() {
        let mistakes = predictions().mistakes();
        let order: Vec<(usize, f32)> = mistakes.iter().map(|m| (m.index, m.confidence)).collect();
        assert_eq!(order, vec![(0, 0.9), (3, 0.7), (2, 0.6)]);
        assert_eq!((mistakes[0].true_class, mistakes[0].predicted_class), (1, 0));
    }

    #[test]
    fn a_confusion_cell_lists_exactly_its_examples() {
        let p = predictions();
        let cell: Vec<usize> = p.cell(1, 0).iter().map(|e| e.index).collect();
        assert_eq!(cell, vec![0, 2]);
        assert_eq!(p.cell(1, 0).len() as u64, p.confusion().count(1, 0));
        assert_eq!(p.cell(0, 0).len(), 1);
    }

    #[test]
    fn binary_task_report_uses_its_names() {
        let p = predictions();
        assert!((p.accuracy() - 0.25).abs() < 1e-12);
        let report = p.report();
        assert_eq!(report.class_names(), vec!["Sneaker", "Ankle boot"]);
        assert!(report.to_text(2).contains("Ankle boot"));
    }

    #[test]
    fn argmax_ignores_nan_and_takes_the_first_tie() {
        assert_eq!(argmax(&[0.5, 0.5]), 0);
        assert_eq!(argmax(&[f32::NAN, 0.1, 0.3]), 2);
    }

    #[test]
    fn bad_shapes_are_refused() {
        let names = vec!["a".to_owned(), "b".to_owned()];
        assert!(matches!(
            Predictions::new(names.clone(), vec![0], vec![0.5]),
            Err(EvaluationError::ProbabilityShape { len: 1, num_classes: 2 })
        ));
        assert!(matches!(
            Predictions::new(names, vec![2], vec![0.5, 0.5]),
            Err(EvaluationError::ClassOutOfRange { class: 2, .. })
        ));
    }
}
