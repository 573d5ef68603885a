//! The selected picture in detail: the answer (top class, confidence, every class's bar, warnings),
//! the preprocessing step by step with its switches, and inside the network for CNN models.

use egui::RichText;

use crate::evaluation::TestTimeAugmentation;
use crate::picture::PrepOptions;

use super::super::super::app::Ctx;
use super::super::super::widgets::feature_maps::feature_maps_ui;
use super::super::super::widgets::prep_steps::prep_steps_ui;
use super::super::super::widgets::probability_bars::{BarsStyle, probability_bars_ui};
use super::pictures::PictureStatus;

/// Draws picture `index`; returns its new options when the user switched a step.
pub fn detail_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, index: usize) -> Option<PrepOptions> {
    let ctx = ui.ctx().clone();
    let has_model = cx.state.current_model.is_some();
    let model_line = cx.state.current_model.as_ref().map(|model| format!("Answered by {}", model.summary()));
    let view = &mut cx.state.predict;
    let picture = &view.list.pictures[index];
    ui.heading(picture.file_name());
    let full_name = picture.name.display().to_string();
    // Only files have a path worth showing; a pasted picture's name is all there is.
    if full_name != picture.file_name() {
        ui.weak(full_name);
    }
    let result = match &picture.status {
        PictureStatus::Waiting => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Preparing and predicting…");
            });
            return None;
        }
        PictureStatus::Failed(error) => {
            ui.add_space(6.0);
            ui.colored_label(ui.visuals().error_fg_color, format!("This file could not be used: {error}"));
            ui.label("The other pictures are not affected.");
            return None;
        }
        PictureStatus::Ready(result) => result,
    };
    let (width, height) = result.original_size;
    ui.label(format!("{width}×{height} pixels"));
    if let Some(line) = model_line {
        ui.weak(line);
    }
    ui.add_space(6.0);

    match &result.prediction {
        Some(prediction) => {
            if let Some((class, probability)) = prediction.top_name() {
                ui.label(
                    RichText::new(format!("{class} — {:.1}%", probability * 100.0))
                        .size(22.0)
                        .strong()
                        .color(ui.visuals().strong_text_color()),
                );
            }
            let looks = match prediction.tta {
                TestTimeAugmentation::None => None,
                TestTimeAugmentation::HorizontalFlip => Some("the picture and its mirror image"),
                TestTimeAugmentation::FlipAndShifts => {
                    Some("the picture and its mirror image, each also moved one pixel each way")
                }
            };
            if let Some(looks) = looks {
                ui.weak(format!("{}: the mean over {looks}", prediction.tta.short_label())).on_hover_text(
                    "This model averages its answer over several looks at the picture (its test-time \
                     augmentation, set on the Evaluate tab or with --tta).",
                );
            }
            for warning in picture.warnings() {
                ui.colored_label(ui.visuals().warn_fg_color, format!("Note: {}", warning.describe()));
            }
            ui.add_space(4.0);
            probability_bars_ui(
                ui,
                ("predict", index),
                prediction,
                BarsStyle { bar_width: 220.0, ..BarsStyle::default() },
            );
        }
        None if has_model => {
            ui.weak("Predicting with the new model…");
        }
        None => {
            ui.colored_label(ui.visuals().warn_fg_color, "Not predicted: there is no model yet (see above).");
        }
    }

    ui.add_space(10.0);
    ui.strong("How the picture becomes the network's input");
    ui.weak("Switch a step off to see how the answer changes.");
    let mut options = picture.options;
    let changed = match view.textures.detail(&ctx, picture) {
        Some(textures) => prep_steps_ui(ui, &result.prepared.steps, &textures.steps, &mut options),
        None => false,
    };

    ui.add_space(10.0);
    ui.strong("Inside the network");
    match (&result.first_conv, view.textures.detail(&ctx, picture).and_then(|t| t.feature_maps.as_ref())) {
        (Some(conv), Some(textures)) => feature_maps_ui(ui, conv, textures),
        _ if has_model => {
            ui.weak("The current model does not start with a convolution, so it has no filters to show. Train a CNN preset (cnn, cnn-bn) to see them.");
        }
        _ => {
            ui.weak(
                "Appears once a CNN model is current: its first layer's filters and what they find here.",
            );
        }
    }
    changed.then_some(options)
}
