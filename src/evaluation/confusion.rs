//! The confusion matrix: how many examples of each true class were predicted as each class.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{EvaluationError, ratio};

/// Counts indexed `[true class][predicted class]`; the diagonal holds the correct predictions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// An all-zero matrix for `num_classes` classes.
    #[must_use]
    pub fn zeros(num_classes: usize) -> Self {
        Self { counts: vec![vec![0; num_classes]; num_classes] }
    }

    /// Counts the pairs `(true_classes[i], predicted_classes[i])`.
    ///
    /// # Errors
    /// No classes, lists of different lengths, or a class outside `0..num_classes`.
    pub fn from_predictions(
        num_classes: usize,
        true_classes: &[usize],
        predicted_classes: &[usize],
    ) -> Result<Self, EvaluationError> {
        if num_classes == 0 {
            return Err(EvaluationError::NoClasses);
        }
        if true_classes.len() != predicted_classes.len() {
            return Err(EvaluationError::LengthMismatch {
                true_len: true_classes.len(),
                predicted_len: predicted_classes.len(),
            });
        }
        let mut matrix = Self::zeros(num_classes);
        for (&truth, &predicted) in true_classes.iter().zip(predicted_classes) {
            matrix.add(truth, predicted)?;
        }
        Ok(matrix)
    }

    /// Records one example.
    ///
    /// # Errors
    /// A class outside `0..num_classes`.
    pub fn add(&mut self, true_class: usize, predicted_class: usize) -> Result<(), EvaluationError> {
        let num_classes = self.num_classes();
        let out_of_range = |class| EvaluationError::ClassOutOfRange { class, num_classes };
        let row = self.counts.get_mut(true_class).ok_or_else(|| out_of_range(true_class))?;
        let cell = row.get_mut(predicted_class).ok_or_else(|| out_of_range(predicted_class))?;
        *cell += 1;
        Ok(())
    }

    /// Number of classes (rows and columns).
    #[must_use]
    pub fn num_classes(&self) -> usize {
        self.counts.len()
    }

    /// Examples of class `true_class` predicted as `predicted_class` (0 when out of range).
    #[must_use]
    pub fn count(&self, true_class: usize, predicted_class: usize) -> u64 {
        self.counts.get(true_class).and_then(|row| row.get(predicted_class)).copied().unwrap_or(0)
    }

    /// The raw counts, `[true][predicted]`.
    #[must_use]
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// All examples counted.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Correct predictions (the diagonal).
    #[must_use]
    pub fn correct(&self) -> u64 {
        self.counts.iter().enumerate().filter_map(|(class, row)| row.get(class)).sum()
    }

    /// Share of correct predictions (0.0 for an empty matrix).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.total())
    }

    /// Examples whose true class is `true_class` (the class's support).
    #[must_use]
    pub fn row_total(&self, true_class: usize) -> u64 {
        self.counts.get(true_class).map_or(0, |row| row.iter().sum())
    }

    /// Examples predicted as `predicted_class`.
    #[must_use]
    pub fn column_total(&self, predicted_class: usize) -> u64 {
        self.counts.iter().filter_map(|row| row.get(predicted_class)).sum()
    }

    /// Each row divided by its total, so a cell reads "share of this true class predicted as that";
    /// a class with no examples gives a row of zeros.
    #[must_use]
    pub fn normalized_by_row(&self) -> Vec<Vec<f64>> {
        self.counts
            .iter()
            .map(|row| {
                let total: u64 = row.iter().sum();
                row.iter().map(|&count| ratio(count, total)).collect()
            })
            .collect()
    }

    /// The counts as a text table with class names on both axes (rows true, columns predicted);
    /// each column is as wide as its name or its largest count.
    #[must_use]
    pub fn to_text(&self, class_names: &[String]) -> String {
        let name = |class: usize| class_names.get(class).cloned().unwrap_or_else(|| format!("class {class}"));
        let label_width = (0..self.num_classes()).map(|class| name(class).chars().count()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..self.num_classes())
            .map(|column| {
                let widest = self.counts.iter().filter_map(|row| row.get(column)).max().copied().unwrap_or(0);
                name(column).chars().count().max(widest.to_string().len())
            })
            .collect();
        let mut text = format!("{:>label_width$}", "");
        for (column, width) in widths.iter().enumerate() {
            let _ = write!(text, "  {:>width$}", name(column));
        }
        text.push('\n');
        for (row, counts) in self.counts.iter().enumerate() {
            let _ = write!(text, "{:>label_width$}", name(row));
            for (count, width) in counts.iter().zip(&widths) {
                let _ = write!(text, "  {count:>width$}");
            }
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_at_true_row_and_predicted_column() {
        // true:      0 0 0 1 1 2
        // predicted: 0 0 1 1 2 2
        let matrix = ConfusionMatrix::from_predictions(3, &[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]).unwrap();
        assert_eq!(matrix.counts(), &[vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
        assert_eq!(matrix.count(0, 1), 1);
        assert_eq!(matrix.count(1, 0), 0);
        assert_eq!(matrix.total(), 6);
        assert_eq!(matrix.correct(), 4);
        assert!((matrix.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(matrix.row_total(0), 3);
        assert_eq!(matrix.column_total(2), 2);
    }

    #[test]
    fn rows_normalise_to_one_and_empty_rows_stay_zero() {
        let matrix = ConfusionMatrix::from_predictions(3, &[0, 0, 0, 0, 1], &[0, 0, 0, 2, 1]).unwrap();
        let normalized = matrix.normalized_by_row();
        assert_eq!(normalized[0], vec![0.75, 0.0, 0.25]);
        assert_eq!(normalized[1], vec![0.0, 1.0, 0.0]);
        assert_eq!(normalized[2], vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn out_of_range_and_mismatched_inputs_are_refused() {
        assert!(matches!(
            ConfusionMatrix::from_predictions(2, &[0, 2], &[0, 1]),
            Err(EvaluationError::ClassOutOfRange { class: 2, num_classes: 2 })
        ));
        assert!(matches!(
            ConfusionMatrix::from_predictions(2, &[0], &[]),
            Err(EvaluationError::LengthMismatch { .. })
        ));
        assert!(matches!(ConfusionMatrix::from_predictions(0, &[], &[]), Err(EvaluationError::NoClasses)));
    }

    #[test]
    fn text_table_has_names_on_both_axes() {
        let matrix = ConfusionMatrix::from_predictions(2, &[0, 0, 1], &[0, 1, 1]).unwrap();
        let names = vec!["Sneaker".to_owned(), "Ankle boot".to_owned()];
        let expected = "            Sneaker  Ankle boot\n   Sneaker        1           1\nAnkle boot        0           1\n";
        assert_eq!(matrix.to_text(&names), expected);
    }

    #[test]
    fn json_round_trip_keeps_counts() {
        let matrix = ConfusionMatrix::from_predictions(2, &[0, 1, 1], &[0, 0, 1]).unwrap();
        let json = serde_json::to_string(&matrix).unwrap();
        assert_eq!(json, r#"{"counts":[[1,0],[1,1]]}"#);
        assert_eq!(serde_json::from_str::<ConfusionMatrix>(&json).unwrap(), matrix);
    }
}
