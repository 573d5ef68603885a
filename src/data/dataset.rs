//! One split of a data set in memory: 28×28 `u8` pixels and labels, plus filtered views.

use std::sync::Arc;

/// Side of a network input picture in pixels (every data set is stored at this size).
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one image.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;

/// Which part of the data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
pub enum Split {
    /// The training pictures (60,000 in Fashion-MNIST).
    Train,
    /// The test pictures (10,000 in Fashion-MNIST).
    Test,
}

impl Split {
    /// Lower-case name as used in file names and the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "test",
        }
    }
}

/// Images and labels of one split; cheap to clone (the pixels are shared).
///
/// Pixels stay `u8` (47 MB for the training set); conversion to `f32` happens per batch.
/// `indices` selects the visible examples, so a filtered view (the binary task, a validation
/// hold-out) shares the pixels instead of copying them.
#[derive(Debug, Clone)]
pub struct Dataset {
    pixels: Arc<[u8]>,
    labels: Arc<[u8]>,
    indices: Option<Arc<[u32]>>,
}

impl Dataset {
    /// A dataset over `pixels` (`labels.len() * IMAGE_PIXELS` bytes) and `labels` (class indices).
    ///
    /// The caller (the IDX reader, a test) has checked sizes and labels.
    #[must_use]
    pub fn new(pixels: Arc<[u8]>, labels: Arc<[u8]>) -> Self {
        debug_assert_eq!(pixels.len(), labels.len() * IMAGE_PIXELS);
        Self { pixels, labels, indices: None }
    }

    /// Number of visible examples.
    #[must_use]
    pub fn len(&self) -> usize {
        self.indices.as_ref().map_or(self.labels.len(), |indices| indices.len())
    }

    /// Whether there are no visible examples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position in the underlying split of visible example `i` (stable across views).
    #[must_use]
    pub fn source_index(&self, i: usize) -> usize {
        self.indices.as_ref().map_or(i, |indices| indices[i] as usize)
    }

    /// The 784 pixels of visible example `i`, row-major, 0 = black background.
    #[must_use]
    pub fn image(&self, i: usize) -> &[u8] {
        let start = self.source_index(i) * IMAGE_PIXELS;
        &self.pixels[start..start + IMAGE_PIXELS]
    }

    /// The label (class index) of visible example `i`.
    #[must_use]
    pub fn label(&self, i: usize) -> u8 {
        self.labels[self.source_index(i)]
    }

    /// A view of the examples at the given visible positions (no pixel copy).
    #[must_use]
    pub fn select(&self, positions: &[usize]) -> Self {
        let indices: Vec<u32> =
            positions.iter().map(|&i| u32::try_from(self.source_index(i)).unwrap_or(u32::MAX)).collect();
        Self {
            pixels: Arc::clone(&self.pixels),
            labels: Arc::clone(&self.labels),
            indices: Some(indices.into()),
        }
    }

    /// A view of the examples whose label is in `labels` (e.g. Sneaker vs Ankle boot).
    #[must_use]
    pub fn filter_labels(&self, labels: &[u8]) -> Self {
        let positions: Vec<usize> = (0..self.len()).filter(|&i| labels.contains(&self.label(i))).collect();
        self.select(&positions)
    }

    /// How many visible examples each of `class_count` classes has, in label order (labels beyond
    /// `class_count` are not counted).
    #[must_use]
    pub fn class_counts(&self, class_count: usize) -> Vec<usize> {
        let mut counts = vec![0; class_count];
        for i in 0..self.len() {
            if let Some(count) = counts.get_mut(usize::from(self.label(i))) {
                *count += 1;
            }
        }
        counts
    }

    /// The largest label plus one: the fewest classes the split needs (0 when empty).
    #[must_use]
    pub fn label_span(&self) -> usize {
        (0..self.len()).map(|i| usize::from(self.label(i)) + 1).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Dataset {
        let labels: Vec<u8> = vec![7, 9, 0, 7];
        let pixels: Vec<u8> = (0..labels.len() * IMAGE_PIXELS).map(|i| (i / IMAGE_PIXELS) as u8).collect();
        Dataset::new(pixels.into(), labels.into())
    }

    #[test]
    fn filtered_view_shares_pixels_and_keeps_source_positions() {
        let data = tiny();
        let binary = data.filter_labels(&[7, 9]);
        assert_eq!(binary.len(), 3);
        assert_eq!(binary.source_index(2), 3);
        assert_eq!(binary.image(1)[0], 1);
        assert_eq!(binary.class_counts(10)[7], 2);
        assert_eq!(binary.label_span(), 10);
    }
}
