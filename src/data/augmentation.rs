//! Random changes to training images (shift, horizontal flip, random erasing), applied to the
//! `u8` pixels of one batch at a time, seeded so that a run is reproducible.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{IMAGE_PIXELS, IMAGE_SIDE};

/// The largest shift a configuration may ask for.
pub const MAX_SHIFT_PIXELS: usize = 8;

/// Chance that random erasing blanks a patch of a given image.
const ERASING_PROBABILITY: f64 = 0.5;
/// Area of the erased patch as a fraction of the image.
const ERASING_AREA: (f64, f64) = (0.02, 0.2);
/// Height / width of the erased patch (sampled on a log scale).
const ERASING_ASPECT: (f64, f64) = (0.3, 3.3);

/// Which augmentations are on. The default is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Augmentation {
    /// Shift each image by up to this many pixels in x and y (0 = off); uncovered pixels
    /// become background.
    pub max_shift_pixels: usize,
    /// Mirror half of the images left to right (clothes stay clothes when mirrored).
    pub horizontal_flip: bool,
    /// Overwrite a random rectangle of half of the images with noise (Zhong et al., 2017).
    pub random_erasing: bool,
}

impl Augmentation {
    /// Whether any augmentation is on.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.max_shift_pixels > 0 || self.horizontal_flip || self.random_erasing
    }

    /// Applies the enabled augmentations to one 28×28 image in place.
    pub fn apply(&self, image: &mut [u8], rng: &mut impl Rng) {
        debug_assert_eq!(image.len(), IMAGE_PIXELS);
        if self.max_shift_pixels > 0 {
            let max = i64::try_from(self.max_shift_pixels.min(MAX_SHIFT_PIXELS)).unwrap_or(0);
            let dx = rng.random_range(-max..=max);
            let dy = rng.random_range(-max..=max);
            shift(image, dx, dy);
        }
        if self.horizontal_flip && rng.random_bool(0.5) {
            for row in image.chunks_exact_mut(IMAGE_SIDE) {
                row.reverse();
            }
        }
        if self.random_erasing && rng.random_bool(ERASING_PROBABILITY) {
            erase(image, rng);
        }
    }
}

/// Moves the image content by (`dx`, `dy`) pixels, filling with background (0).
fn shift(image: &mut [u8], dx: i64, dy: i64) {
    if dx == 0 && dy == 0 {
        return;
    }
    let source: Vec<u8> = image.to_vec();
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (from_x, from_y) = (x - dx, y - dy);
            let inside = (0..SIDE).contains(&from_x) && (0..SIDE).contains(&from_y);
            let value = if inside { source[index(from_x, from_y)] } else { 0 };
            image[index(x, y)] = value;
        }
    }
}

/// The image side as a signed number, for shifted coordinates.
#[allow(clippy::cast_possible_wrap)]
const SIDE: i64 = IMAGE_SIDE as i64;

/// Row-major position of an in-range (x, y).
fn index(x: i64, y: i64) -> usize {
    usize::try_from(y * SIDE + x).unwrap_or(0)
}

/// Random erasing: a rectangle of random area and aspect ratio filled with uniform noise.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
fn erase(image: &mut [u8], rng: &mut impl Rng) {
    let area = rng.random_range(ERASING_AREA.0..ERASING_AREA.1) * IMAGE_PIXELS as f64;
    let aspect = rng.random_range(ERASING_ASPECT.0.ln()..ERASING_ASPECT.1.ln()).exp();
    let height = ((area * aspect).sqrt().round() as usize).clamp(1, IMAGE_SIDE - 1);
    let width = ((area / aspect).sqrt().round() as usize).clamp(1, IMAGE_SIDE - 1);
    let top = rng.random_range(0..=IMAGE_SIDE - height);
    let left = rng.random_range(0..=IMAGE_SIDE - width);
    for y in top..top + height {
        for value in &mut image[y * IMAGE_SIDE + left..y * IMAGE_SIDE + left + width] {
            *value = rng.random();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::data::seeded_rng;

    use super::*;

    /// A single bright pixel at (x, y).
    fn dot(x: usize, y: usize) -> Vec<u8> {
        let mut image = vec![0; IMAGE_PIXELS];
        image[y * IMAGE_SIDE + x] = 255;
        image
    }

    fn bright_pixel(image: &[u8]) -> (usize, usize) {
        let i = image.iter().position(|&v| v == 255).unwrap();
        (i % IMAGE_SIDE, i / IMAGE_SIDE)
    }

    #[test]
    fn shift_moves_content_and_fills_background() {
        let mut image = dot(10, 10);
        shift(&mut image, 2, -3);
        assert_eq!(bright_pixel(&image), (12, 7));
        let mut edge = dot(27, 0);
        shift(&mut edge, 1, 0);
        assert!(edge.iter().all(|&v| v == 0), "content pushed off the edge disappears");
    }

    #[test]
    fn shifts_stay_within_the_limit_and_flip_mirrors() {
        let mut rng = seeded_rng(7);
        let shift_only = Augmentation { max_shift_pixels: 2, ..Augmentation::default() };
        for _ in 0..100 {
            let mut image = dot(14, 14);
            shift_only.apply(&mut image, &mut rng);
            let (x, y) = bright_pixel(&image);
            assert!(x.abs_diff(14) <= 2 && y.abs_diff(14) <= 2);
        }
        let flip_only = Augmentation { horizontal_flip: true, ..Augmentation::default() };
        let positions: Vec<(usize, usize)> = (0..100)
            .map(|_| {
                let mut image = dot(3, 5);
                flip_only.apply(&mut image, &mut rng);
                bright_pixel(&image)
            })
            .collect();
        assert!(positions.iter().all(|&p| p == (3, 5) || p == (24, 5)));
        assert!(positions.contains(&(24, 5)) && positions.contains(&(3, 5)));
    }

    #[test]
    fn erasing_changes_some_images_inside_a_rectangle_and_is_seeded() {
        let erase_only = Augmentation { random_erasing: true, ..Augmentation::default() };
        let run = |seed| {
            let mut rng = seeded_rng(seed);
            (0..20)
                .map(|_| {
                    let mut image = vec![0; IMAGE_PIXELS];
                    erase_only.apply(&mut image, &mut rng);
                    image
                })
                .collect::<Vec<_>>()
        };
        let images = run(3);
        assert_eq!(images, run(3));
        let changed = images.iter().filter(|image| image.iter().any(|&v| v != 0)).count();
        assert!((3..=17).contains(&changed), "{changed} of 20 erased");
    }

    #[test]
    fn nothing_enabled_changes_nothing() {
        let mut image = dot(1, 2);
        Augmentation::default().apply(&mut image, &mut seeded_rng(1));
        assert_eq!(image, dot(1, 2));
        assert!(!Augmentation::default().is_enabled());
    }
}
