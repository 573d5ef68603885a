//! What a format reader gathers (inputs and labels per split, class names, skipped files), and the
//! seeded, stratified test split made when the source has none.

use rand::SeedableRng as _;
use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;

use crate::data::store::{SkippedFile, SourceKind};
use crate::data::{ClassNames, Dataset, IMAGE_PIXELS};

/// The share of each class set aside for testing when the source has no test split.
pub const TEST_FRACTION: f64 = 0.2;

/// The examples of one split: 28×28 inputs back to back, and their labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Examples {
    /// `labels.len() × 784` bytes.
    pub pixels: Vec<u8>,
    /// One label per example.
    pub labels: Vec<u8>,
}

impl Examples {
    /// Appends one example.
    pub fn push(&mut self, input: &[u8], label: u8) {
        debug_assert_eq!(input.len(), IMAGE_PIXELS);
        self.pixels.extend_from_slice(input);
        self.labels.push(label);
    }

    /// How many examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// The examples as a data set split.
    pub fn into_dataset(self) -> Dataset {
        Dataset::new(self.pixels.into(), self.labels.into())
    }

    fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * IMAGE_PIXELS..(i + 1) * IMAGE_PIXELS]
    }
}

/// Everything a format reader found.
#[derive(Debug)]
pub(super) struct Gathered {
    /// The format.
    pub kind: SourceKind,
    /// The class names in label order.
    pub classes: ClassNames,
    /// The training examples.
    pub train: Examples,
    /// The test examples, when the source has a test split.
    pub test: Option<Examples>,
    /// The validation examples, when the source has a validation split.
    pub validation: Option<Examples>,
    /// Files left out, with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// Sets aside [`TEST_FRACTION`] of each class (at least one example of a class with two or more)
/// as the test split, chosen by `seed`; both parts keep the source order. Returns the training
/// part, the test part and a sentence saying what was done.
pub(super) fn stratified_split(
    all: &Examples,
    class_count: usize,
    seed: u64,
) -> (Examples, Examples, String) {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); class_count];
    for (i, &label) in all.labels.iter().enumerate() {
        if let Some(members) = by_class.get_mut(usize::from(label)) {
            members.push(i);
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut in_test = vec![false; all.len()];
    for members in &mut by_class {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let share = (members.len() as f64 * TEST_FRACTION).round() as usize;
        let take = if members.len() >= 2 { share.clamp(1, members.len() - 1) } else { 0 };
        members.shuffle(&mut rng);
        for &i in &members[..take] {
            in_test[i] = true;
        }
    }
    let (mut train, mut test) = (Examples::default(), Examples::default());
    for (i, &label) in all.labels.iter().enumerate() {
        let part = if in_test[i] { &mut test } else { &mut train };
        part.push(all.image(i), label);
    }
    let note = format!(
        "the source has no test split: {} of {} pictures (20% of each class) were set aside for testing, \
         chosen with seed {seed}",
        crate::files::thousands(test.len()),
        crate::files::thousands(all.len()),
    );
    (train, test, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(labels: &[u8]) -> Examples {
        let mut all = Examples::default();
        for (i, &label) in labels.iter().enumerate() {
            all.push(&[u8::try_from(i % 256).unwrap(); IMAGE_PIXELS], label);
        }
        all
    }

    #[test]
    fn each_class_gives_a_fifth_and_the_seed_decides_which() {
        let labels: Vec<u8> = (0..100).map(|i| u8::from(i >= 50) + u8::from(i >= 90)).collect();
        let all = examples(&labels);
        let (train, test, note) = stratified_split(&all, 3, 7);
        let count = |part: &Examples, label: u8| part.labels.iter().filter(|&&l| l == label).count();
        assert_eq!((count(&test, 0), count(&test, 1), count(&test, 2)), (10, 8, 2));
        assert_eq!(train.len() + test.len(), 100);
        assert!(note.contains("20 of 100 pictures") && note.contains("seed 7"), "{note}");
        assert_eq!(stratified_split(&all, 3, 7).1, test);
        assert_ne!(stratified_split(&all, 3, 8).1, test);
    }

    #[test]
    fn a_class_of_two_gives_one_to_each_part_and_a_single_picture_stays_in_training() {
        let (train, test, _) = stratified_split(&examples(&[0, 0, 1]), 2, 1);
        assert_eq!(test.labels, vec![0]);
        assert_eq!(train.labels, vec![0, 1]);
    }
}
