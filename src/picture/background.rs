//! The background model: a smooth colour surface (quadratic in x and y, per channel) fitted to the
//! picture's border with the object's intrusions left out, so gradients, vignettes and shadows
//! across a wall or a table are background too. Each pixel then becomes its colour distance from
//! that surface, evened out where the surface is in shadow: the object light on black.

use super::pixels::{GrayPixels, RgbPixels};

/// Terms of the surface: 1, u, v, uv, u², v² (u, v the position, −0.5..0.5).
const TERMS: usize = 6;
/// Refits after leaving out the border pixels far from the last fit (the object where it touches
/// the border).
const REFITS: usize = 3;
/// At most this many border pixels are fitted (a sparse, even sample of the ring).
const MAX_SAMPLES: usize = 4096;
/// Below this luminance the background counts as dark, and shadows are not evened out (dividing
/// by a dark level would amplify noise).
const DARK_BACKGROUND: f64 = 64.0;
/// Shading is evened out by at most this factor (a deep shadow is not made brighter than this).
const MAX_SHADING_GAIN: f64 = 3.0;

/// A fitted background: one quadratic surface per colour channel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BackgroundModel {
    coefficients: [[f64; TERMS]; 3],
    /// The brightest luminance the surface reaches inside the picture.
    peak_luminance: f64,
    /// How much the background's luminance varies across the picture (max − min).
    pub(crate) luminance_range: f64,
    /// Mean luminance of the surface.
    pub(crate) mean_luminance: f64,
}

fn terms(u: f64, v: f64) -> [f64; TERMS] {
    [1.0, u, v, u * v, u * u, v * v]
}

fn position(x: usize, y: usize, width: usize, height: usize) -> (f64, f64) {
    ((x as f64 + 0.5) / width as f64 - 0.5, (y as f64 + 0.5) / height as f64 - 0.5)
}

impl BackgroundModel {
    /// Fits the surface to the border ring of `image` (a ring 1/32 of the shorter side thick).
    pub(crate) fn fit(image: &RgbPixels) -> Self {
        let (width, height) = (image.width, image.height);
        let ring = (width.min(height) / 32).max(1);
        let mut ring_pixels = Vec::new();
        for y in 0..height {
            for x in 0..width {
                if x < ring || y < ring || x + ring >= width || y + ring >= height {
                    ring_pixels.push((x, y));
                }
            }
        }
        let stride = ring_pixels.len().div_ceil(MAX_SAMPLES).max(1);
        let samples: Vec<([f64; TERMS], [f64; 3])> = ring_pixels
            .iter()
            .step_by(stride)
            .map(|&(x, y)| {
                let (u, v) = position(x, y, width, height);
                (terms(u, v), image.at(x, y).map(f64::from))
            })
            .collect();
        let mut kept: Vec<bool> = vec![true; samples.len()];
        let mut coefficients = constant_fit(&samples);
        for _ in 0..REFITS {
            if let Some(fitted) = least_squares(&samples, &kept) {
                coefficients = fitted;
            }
            let residuals: Vec<f64> =
                samples.iter().map(|(t, colour)| distance(&evaluate(&coefficients, t), colour)).collect();
            let mut sorted = residuals.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
            // JPEG noise and texture stay in; an object reaching the border leaves.
            let limit = (3.0 * median).max(12.0);
            kept = residuals.iter().map(|&r| r <= limit).collect();
        }
        let mut model = Self { coefficients, peak_luminance: 0.0, luminance_range: 0.0, mean_luminance: 0.0 };
        let (mut low, mut high, mut sum, mut count) = (f64::MAX, f64::MIN, 0.0, 0.0);
        for gy in 0..=8 {
            for gx in 0..=8 {
                let lum = luminance(&model.at(f64::from(gx) / 8.0 - 0.5, f64::from(gy) / 8.0 - 0.5));
                low = low.min(lum);
                high = high.max(lum);
                sum += lum;
                count += 1.0;
            }
        }
        model.peak_luminance = high;
        model.luminance_range = high - low;
        model.mean_luminance = sum / count;
        model
    }

    fn at(&self, u: f64, v: f64) -> [f64; 3] {
        evaluate(&self.coefficients, &terms(u, v))
    }

    /// Whether the background is light (a wall, paper, a product shot) rather than dark.
    pub(crate) fn is_light(&self) -> bool {
        self.mean_luminance > 127.0
    }

    /// Each pixel's colour distance from the background, evened out in shadow: 0 = background.
    pub(crate) fn object_map(&self, image: &RgbPixels) -> GrayPixels {
        let (width, height) = (image.width, image.height);
        let shading = self.peak_luminance > DARK_BACKGROUND;
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let (u, v) = position(x, y, width, height);
                let background = self.at(u, v);
                let colour = image.at(x, y).map(f64::from);
                // Distance / √3: a gray difference of d levels gives d.
                let mut value = distance(&background, &colour) / 3.0_f64.sqrt();
                if shading {
                    // A shadow dims object and background alike: divide by how dimmed it is.
                    let lit = luminance(&background).max(1.0);
                    value *= (self.peak_luminance / lit).min(MAX_SHADING_GAIN);
                }
                pixels.push(value.round().clamp(0.0, 255.0) as u8);
            }
        }
        GrayPixels { width, height, pixels }
    }
}

fn luminance(colour: &[f64; 3]) -> f64 {
    0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
}

fn distance(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a.iter().zip(b).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
}

fn evaluate(coefficients: &[[f64; TERMS]; 3], terms: &[f64; TERMS]) -> [f64; 3] {
    coefficients.map(|c| c.iter().zip(terms).map(|(c, t)| c * t).sum())
}

/// The per-channel median as a flat surface: the fallback when the ring is too thin to fit.
fn constant_fit(samples: &[([f64; TERMS], [f64; 3])]) -> [[f64; TERMS]; 3] {
    let mut coefficients = [[0.0; TERMS]; 3];
    for (channel, row) in coefficients.iter_mut().enumerate() {
        let mut values: Vec<f64> = samples.iter().map(|(_, colour)| colour[channel]).collect();
        values.sort_by(f64::total_cmp);
        row[0] = values.get(values.len() / 2).copied().unwrap_or(0.0);
    }
    coefficients
}

/// Least squares over the kept samples (normal equations, Gaussian elimination with pivoting);
/// `None` when they do not determine the surface.
fn least_squares(samples: &[([f64; TERMS], [f64; 3])], kept: &[bool]) -> Option<[[f64; TERMS]; 3]> {
    let mut matrix = [[0.0; TERMS]; TERMS];
    let mut right = [[0.0; 3]; TERMS];
    let mut count = 0;
    for ((t, colour), _) in samples.iter().zip(kept).filter(|(_, keep)| **keep) {
        count += 1;
        for i in 0..TERMS {
            for j in 0..TERMS {
                matrix[i][j] += t[i] * t[j];
            }
            for c in 0..3 {
                right[i][c] += t[i] * colour[c];
            }
        }
    }
    if count < 4 * TERMS {
        return None;
    }
    for column in 0..TERMS {
        let pivot =
            (column..TERMS).max_by(|&a, &b| matrix[a][column].abs().total_cmp(&matrix[b][column].abs()))?;
        if matrix[pivot][column].abs() < 1e-9 {
            return None;
        }
        matrix.swap(column, pivot);
        right.swap(column, pivot);
        let (pivot_row, pivot_right) = (matrix[column], right[column]);
        for (row, (values, rights)) in matrix.iter_mut().zip(right.iter_mut()).enumerate() {
            if row != column {
                let factor = values[column] / pivot_row[column];
                for (value, pivot) in values.iter_mut().zip(&pivot_row) {
                    *value -= factor * pivot;
                }
                for (value, pivot) in rights.iter_mut().zip(&pivot_right) {
                    *value -= factor * pivot;
                }
            }
        }
    }
    let mut coefficients = [[0.0; TERMS]; 3];
    for (c, row) in coefficients.iter_mut().enumerate() {
        for (i, value) in row.iter_mut().enumerate() {
            *value = right[i][c] / matrix[i][i];
        }
    }
    Some(coefficients)
}
