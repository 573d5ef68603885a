//! The Train tab's augmentation options: shift, flip, erasing, and for photos rotation and
//! brightness/contrast jitter (with a "For photos" button that sets them all), over a preview of
//! what they do to a few training images.

use crate::data::{Augmentation, MAX_ROTATION_DEGREES, MAX_SHIFT_PIXELS, MAX_TONE_JITTER_PERCENT};

use super::super::super::app::Ctx;
use super::super::super::state::DataState;

/// The augmentation row of the training form.
pub(super) fn augmentation_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    let config = &mut cx.settings.train.config;
    ui.label("Augmentation")
        .on_hover_text("Random changes to the training images so the model learns what does not matter.");
    ui.horizontal_wrapped(|ui| {
        let augmentation = &mut config.augmentation;
        let mut shift = augmentation.max_shift_pixels > 0;
        if ui
            .checkbox(&mut shift, "shift")
            .on_hover_text("Move each image by a few pixels in a random direction.")
            .changed()
        {
            augmentation.max_shift_pixels = if shift { 2 } else { 0 };
        }
        if shift {
            let by = ui.label("up to").id;
            ui.add(
                egui::DragValue::new(&mut augmentation.max_shift_pixels)
                    .range(1..=MAX_SHIFT_PIXELS)
                    .suffix(" px"),
            )
            .labelled_by(by);
        }
        ui.checkbox(&mut augmentation.horizontal_flip, "flip")
            .on_hover_text("Mirror half of the images left to right.");
        ui.checkbox(&mut augmentation.random_erasing, "erasing")
            .on_hover_text("Cover a random rectangle of half of the images with noise.");
        let mut rotate = augmentation.max_rotation_degrees > 0;
        if ui
            .checkbox(&mut rotate, "rotate")
            .on_hover_text("Turn each image by a small random angle, as photos are rarely quite straight.")
            .changed()
        {
            augmentation.max_rotation_degrees = if rotate { Augmentation::PHOTOS.max_rotation_degrees } else { 0 };
        }
        if rotate {
            let by = ui.label("up to").id;
            ui.add(
                egui::DragValue::new(&mut augmentation.max_rotation_degrees)
                    .range(1..=MAX_ROTATION_DEGREES)
                    .suffix("°"),
            )
            .labelled_by(by);
        }
        let mut tone = augmentation.tone_jitter_percent > 0;
        if ui
            .checkbox(&mut tone, "brightness/contrast")
            .on_hover_text("Vary each image's brightness and contrast, as colours and light do in photos.")
            .changed()
        {
            augmentation.tone_jitter_percent = if tone { Augmentation::PHOTOS.tone_jitter_percent } else { 0 };
        }
        if tone {
            let by = ui.label("by").id;
            ui.add(
                egui::DragValue::new(&mut augmentation.tone_jitter_percent)
                    .range(1..=MAX_TONE_JITTER_PERCENT)
                    .suffix(" %"),
            )
            .labelled_by(by);
        }
        if ui
            .button("For photos")
            .on_hover_text("Small shifts and rotations, flips, brightness and contrast: models that carry over to photos.")
            .clicked()
        {
            *augmentation = Augmentation::PHOTOS;
        }
    });
    let DataState::Ready(data) = &cx.state.data else {
        ui.weak("The preview appears when the data is loaded.");
        return;
    };
    let labels = cx.settings.model.spec.task.labels();
    let preview = &mut cx.state.train.preview;
    preview.show_ui(ui, &data.data.train, &labels, &data.data.classes, &config.augmentation, config.seed);
    if config.augmentation.is_enabled()
        && ui.small_button("New draw").on_hover_text("Show other random changes").clicked()
    {
        preview.draw += 1;
    }
}
