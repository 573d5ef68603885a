//! The Train tab's augmentation preview: a few training images from the loaded data and the same
//! images as the chosen augmentations change them, seeded like the first batch of a run. Plain
//! `u8` work on a handful of 28×28 images, cheap enough for the UI thread (no tensors).

use egui::{ColorImage, TextureHandle, TextureOptions};

use crate::data::{Augmentation, ClassNames, Dataset, IMAGE_PIXELS, IMAGE_SIDE, SeedStream, derive_seed};

/// Images in the strip.
pub const PREVIEW_IMAGES: usize = 8;
/// Side of one preview image on screen, in points.
const PREVIEW_SIDE: f32 = 32.0;

/// What the textures were made from; a change of any part makes them again.
#[derive(Debug, Clone, PartialEq)]
struct PreviewKey {
    augmentation: Augmentation,
    seed: u64,
    draw: usize,
    labels: Vec<u8>,
    data_len: usize,
}

/// The textures of the strip, remade only when the augmentation, the seed or the data change.
#[derive(Default)]
pub struct AugmentationPreview {
    key: Option<PreviewKey>,
    originals: Vec<(TextureHandle, String)>,
    augmented: Vec<(TextureHandle, String)>,
    /// Bumped by "New draw" to see other random changes.
    pub draw: usize,
}

/// Up to [`PREVIEW_IMAGES`] positions in `train`, spread over `labels` (the task's classes).
#[must_use]
pub fn preview_positions(train: &Dataset, labels: &[u8]) -> Vec<usize> {
    let mut positions = Vec::with_capacity(PREVIEW_IMAGES);
    let per_class = PREVIEW_IMAGES.div_ceil(labels.len().max(1));
    for &label in labels {
        let found = (0..train.len()).filter(|&i| train.label(i) == label).take(per_class);
        positions.extend(found);
    }
    positions.truncate(PREVIEW_IMAGES);
    positions
}

/// The images at `positions` augmented as the first batch of a run with `seed` would be.
#[must_use]
pub fn augment_images(
    train: &Dataset,
    positions: &[usize],
    augmentation: &Augmentation,
    seed: u64,
    draw: usize,
) -> Vec<Vec<u8>> {
    let mut rng = crate::data::seeded_rng(derive_seed(seed, SeedStream::Augmentation, 0, draw));
    positions
        .iter()
        .map(|&position| {
            let mut image = train.image(position).to_vec();
            debug_assert_eq!(image.len(), IMAGE_PIXELS);
            augmentation.apply(&mut image, &mut rng);
            image
        })
        .collect()
}

impl AugmentationPreview {
    /// Draws the strip: originals on top, augmented below (the same as the originals when no
    /// augmentation is on).
    pub fn show_ui(
        &mut self,
        ui: &mut egui::Ui,
        train: &Dataset,
        labels: &[u8],
        classes: &ClassNames,
        augmentation: &Augmentation,
        seed: u64,
    ) {
        let key = PreviewKey {
            augmentation: *augmentation,
            seed,
            draw: self.draw,
            labels: labels.to_vec(),
            data_len: train.len(),
        };
        if self.key.as_ref() != Some(&key) {
            let positions = preview_positions(train, labels);
            let ctx = ui.ctx().clone();
            let texture = |name: String, pixels: &[u8]| {
                let image = ColorImage::from_gray([IMAGE_SIDE, IMAGE_SIDE], pixels);
                ctx.load_texture(name, image, TextureOptions::NEAREST)
            };
            self.originals = positions
                .iter()
                .map(|&i| {
                    let alt = format!("{} (training image {i})", classes.name(usize::from(train.label(i))));
                    (texture(format!("augment-original-{i}"), train.image(i)), alt)
                })
                .collect();
            let augmented = augment_images(train, &positions, augmentation, seed, self.draw);
            self.augmented = positions
                .iter()
                .zip(&augmented)
                .map(|(&i, pixels)| {
                    let alt = format!(
                        "{} (training image {i}), augmented",
                        classes.name(usize::from(train.label(i)))
                    );
                    (texture(format!("augment-changed-{i}"), pixels), alt)
                })
                .collect();
            self.key = Some(key);
        }
        for (row, label) in [(&self.originals, "original"), (&self.augmented, "augmented")] {
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 3.0;
                for (texture, alt) in row {
                    let image = egui::Image::new((texture.id(), egui::Vec2::splat(PREVIEW_SIDE)))
                        .alt_text(alt.clone())
                        .corner_radius(2.0);
                    ui.add(image).on_hover_text(alt);
                }
                ui.weak(label);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn dataset() -> Dataset {
        let labels: Vec<u8> = (0..20).map(|i| i % 10).collect();
        let pixels: Vec<u8> = (0..20 * IMAGE_PIXELS).map(|i| u8::try_from(i % 251).unwrap()).collect();
        Dataset::new(Arc::from(pixels), Arc::from(labels))
    }

    #[test]
    fn positions_cover_the_task_classes() {
        let train = dataset();
        let binary = preview_positions(&train, &[7, 9]);
        assert_eq!(binary.len(), 4);
        assert!(binary.iter().all(|&i| matches!(train.label(i), 7 | 9)));
        assert_eq!(preview_positions(&train, &(0..10).collect::<Vec<u8>>()).len(), PREVIEW_IMAGES);
    }

    #[test]
    fn augmented_images_change_with_the_seed_and_not_without_augmentation() {
        let train = dataset();
        let positions = preview_positions(&train, &(0..10).collect::<Vec<u8>>());
        let flip_shift = Augmentation { max_shift_pixels: 2, horizontal_flip: true, random_erasing: true };
        let first = augment_images(&train, &positions, &flip_shift, 1, 0);
        assert_eq!(first, augment_images(&train, &positions, &flip_shift, 1, 0));
        assert_ne!(first, augment_images(&train, &positions, &flip_shift, 2, 0));
        let none = augment_images(&train, &positions, &Augmentation::default(), 1, 0);
        let originals: Vec<Vec<u8>> = positions.iter().map(|&i| train.image(i).to_vec()).collect();
        assert_eq!(none, originals);
    }
}
