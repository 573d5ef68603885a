//! The analysis and geometry behind the preparation steps: background level and clutter at the
//! edges, inversion, the object's bounding box, cropping, padding to a square, flatness.

use super::pixels::GrayPixels;

/// The background level and how plain it is, from the picture's edges.
pub(super) struct BorderStats {
    /// Median of the outer ring of pixels: objects may touch the edges, but not most of them.
    pub(super) median: u8,
    /// Share of the four corner patches far (over 48 levels) from the median: a product shot shows
    /// only background there, a scene shows clutter.
    pub(super) corner_clutter: f64,
    /// The 75th percentile of the outer ring: the background's level with its noise.
    pub(super) upper_quartile: u8,
}

pub(super) fn border_stats(image: &GrayPixels) -> BorderStats {
    let ring = (image.width.min(image.height) / 32).max(1);
    let corner = (image.width.min(image.height) / 8).max(1);
    let mut edge = Histogram::default();
    let mut corners = Histogram::default();
    for y in 0..image.height {
        for x in 0..image.width {
            let value = image.at(x, y);
            if x < ring || y < ring || x + ring >= image.width || y + ring >= image.height {
                edge.add(value);
            }
            let near = |position: usize, length: usize| position < corner || position + corner >= length;
            if near(x, image.width) && near(y, image.height) {
                corners.add(value);
            }
        }
    }
    let median = edge.percentile(0.5);
    let far = (0..=255_u8)
        .filter(|&level| level.abs_diff(median) > 48)
        .map(|level| corners.counts[usize::from(level)]);
    let corner_clutter = far.sum::<usize>() as f64 / corners.total.max(1) as f64;
    BorderStats { median, corner_clutter, upper_quartile: edge.percentile(0.75) }
}

/// Counts of each gray level.
pub(super) struct Histogram {
    counts: [usize; 256],
    total: usize,
}

impl Default for Histogram {
    fn default() -> Self {
        Self { counts: [0; 256], total: 0 }
    }
}

impl Histogram {
    /// The histogram of some levels.
    pub(super) fn of(levels: impl Iterator<Item = u8>) -> Self {
        let mut histogram = Self::default();
        for value in levels {
            histogram.add(value);
        }
        histogram
    }

    fn add(&mut self, value: u8) {
        self.counts[usize::from(value)] += 1;
        self.total += 1;
    }

    /// The smallest level with at least `fraction` of the values at or below it.
    pub(super) fn percentile(&self, fraction: f64) -> u8 {
        let target = ((self.total as f64) * fraction).ceil().max(1.0) as usize;
        let mut seen = 0;
        for (value, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= target {
                return value as u8;
            }
        }
        255
    }
}

pub(super) fn inverted(image: &GrayPixels) -> GrayPixels {
    GrayPixels { pixels: image.pixels.iter().map(|&pixel| 255 - pixel).collect(), ..*image }
}

/// An inclusive pixel rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bounds {
    left: usize,
    top: usize,
    right: usize,
    bottom: usize,
}

impl Bounds {
    pub(super) fn is_whole(self, image: &GrayPixels) -> bool {
        self.left == 0 && self.top == 0 && self.right + 1 == image.width && self.bottom + 1 == image.height
    }
}

/// The box around pixels brighter than `threshold`; rows and columns with only a stray speck of
/// them (under 1% of the line) do not count, so noise does not widen the box.
pub(super) fn object_bounds(image: &GrayPixels, threshold: u8) -> Option<Bounds> {
    let mut rows = vec![0_usize; image.height];
    let mut cols = vec![0_usize; image.width];
    for (y, row) in image.pixels.chunks_exact(image.width).enumerate() {
        for (x, &value) in row.iter().enumerate() {
            if value > threshold {
                rows[y] += 1;
                cols[x] += 1;
            }
        }
    }
    let row_min = (image.width / 100).max(1);
    let col_min = (image.height / 100).max(1);
    let top = rows.iter().position(|&n| n >= row_min)?;
    let bottom = rows.iter().rposition(|&n| n >= row_min)?;
    let left = cols.iter().position(|&n| n >= col_min)?;
    let right = cols.iter().rposition(|&n| n >= col_min)?;
    Some(Bounds { left, top, right, bottom })
}

pub(super) fn crop(image: &GrayPixels, bounds: Bounds) -> GrayPixels {
    let width = bounds.right - bounds.left + 1;
    let height = bounds.bottom - bounds.top + 1;
    let mut pixels = Vec::with_capacity(width * height);
    for y in bounds.top..=bounds.bottom {
        let start = y * image.width + bounds.left;
        pixels.extend_from_slice(&image.pixels[start..start + width]);
    }
    GrayPixels { width, height, pixels }
}

/// Centres the image in a square of its longest side, filled with the background level.
pub(super) fn pad_square(image: &GrayPixels, background_level: u8) -> GrayPixels {
    let side = image.width.max(image.height);
    let (left, top) = ((side - image.width) / 2, (side - image.height) / 2);
    let mut pixels = vec![background_level; side * side];
    for y in 0..image.height {
        let from = y * image.width;
        let to = (top + y) * side + left;
        pixels[to..to + image.width].copy_from_slice(&image.pixels[from..from + image.width]);
    }
    GrayPixels { width: side, height: side, pixels }
}

/// Whether the image has almost no contrast (max − min under 24 gray levels).
pub(super) fn is_nearly_uniform(image: &GrayPixels) -> bool {
    let (min, max) = image.pixels.iter().fold((255_u8, 0_u8), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    max.saturating_sub(min) < 24
}
