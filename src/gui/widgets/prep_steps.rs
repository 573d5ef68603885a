//! A picture's way to the network input, one small image per step (upright original → grayscale →
//! background → contrast → straighten → crop → pad → 28×28), each captioned with what it did, the
//! optional steps with their switch underneath.

use egui::{ColorImage, TextureHandle, TextureOptions, Vec2};

use crate::picture::{
    BackgroundMode, GrayPixels, PrepOptions, PrepStep, RgbaPixels, StepKind, StepState, Switch,
};

/// Side of the box each step's image is fitted into, in points.
const STEP_BOX: f32 = 112.0;

/// Textures of one picture's steps: the colour original, then one per [`PrepStep`].
pub struct StepTextures {
    /// The original, as given.
    pub original: TextureHandle,
    /// Whether the original has colour (some pixel whose red, green and blue differ).
    pub original_in_colour: bool,
    /// One per step, in order.
    pub steps: Vec<TextureHandle>,
}

impl StepTextures {
    /// Uploads the images (`name` keeps texture names apart in egui's debug views). Small
    /// images are magnified with crisp pixels, large ones smoothed.
    pub fn new(ctx: &egui::Context, name: &str, original: &RgbaPixels, steps: &[PrepStep]) -> Self {
        let original_in_colour =
            original.pixels.chunks_exact(4).any(|rgba| rgba[0] != rgba[1] || rgba[1] != rgba[2]);
        let original_image =
            ColorImage::from_rgba_unmultiplied([original.width, original.height], &original.pixels);
        let original =
            ctx.load_texture(format!("{name} original"), original_image, options_for(original.width));
        let steps = steps
            .iter()
            .map(|step| {
                ctx.load_texture(
                    format!("{name} {}", step.kind.title()),
                    gray_image(&step.image),
                    options_for(step.image.width.max(step.image.height)),
                )
            })
            .collect();
        Self { original, original_in_colour, steps }
    }
}

/// A grayscale picture as an egui image.
#[must_use]
pub fn gray_image(image: &GrayPixels) -> ColorImage {
    ColorImage::from_gray([image.width, image.height], &image.pixels)
}

fn options_for(side: usize) -> TextureOptions {
    if side <= 64 { TextureOptions::NEAREST } else { TextureOptions::LINEAR }
}

/// Draws the steps left to right in as many rows as the width needs, with their switches;
/// returns `true` when the user changed `options` (the caller asks for the prediction again).
pub fn prep_steps_ui(
    ui: &mut egui::Ui,
    steps: &[PrepStep],
    textures: &StepTextures,
    options: &mut PrepOptions,
) -> bool {
    let before = *options;
    let mut cards: Vec<(&str, &TextureHandle, String, Option<StepKind>)> =
        vec![("original", &textures.original, "as given".to_owned(), None)];
    for (step, texture) in steps.iter().zip(&textures.steps) {
        let note = match &step.state {
            StepState::Applied(note) => note.clone(),
            StepState::Skipped(why) => format!("skipped: {why}"),
            StepState::Off => "switched off".to_owned(),
        };
        cards.push((step.kind.title(), texture, note, Some(step.kind)));
    }
    // Frames cannot be measured before they are drawn, so rows are cut by arithmetic: a card is
    // the box plus the frame's margins, the arrow a narrow label.
    let card_width = STEP_BOX + 14.0 + ui.spacing().item_spacing.x;
    let arrow_width = 12.0 + ui.spacing().item_spacing.x;
    let per_row = (((ui.available_width() + arrow_width) / (card_width + arrow_width)) as usize).max(1);
    for (row, chunk) in cards.chunks(per_row).enumerate() {
        ui.horizontal_top(|ui| {
            for (i, (title, texture, note, kind)) in chunk.iter().enumerate() {
                if row > 0 || i > 0 {
                    ui.add_sized(
                        [12.0, STEP_BOX + 30.0],
                        egui::Label::new(egui::RichText::new("›").size(22.0).weak()),
                    );
                }
                step_card_ui(ui, title, texture, note, |ui| match kind {
                    Some(kind) => switch_ui(ui, *kind, options),
                    None => {
                        ui.weak(if textures.original_in_colour { "in colour" } else { "gray already" });
                    }
                });
            }
        });
    }
    *options != before
}

fn step_card_ui(
    ui: &mut egui::Ui,
    title: &str,
    texture: &TextureHandle,
    note: &str,
    controls: impl FnOnce(&mut egui::Ui),
) {
    egui::Frame::group(ui.style()).inner_margin(6.0).show(ui, |ui| {
        ui.set_width(STEP_BOX);
        ui.vertical(|ui| {
            ui.strong(title);
            let size = texture.size_vec2();
            let scale = (STEP_BOX / size.x.max(size.y)).min(STEP_BOX);
            // Centre the fitted image in a square box, so the cards line up.
            let (rect, _) = ui.allocate_exact_size(Vec2::splat(STEP_BOX), egui::Sense::hover());
            let image_rect = egui::Rect::from_center_size(rect.center(), size * scale);
            ui.painter().rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
            // `put` (not a bare paint) so the image is a node with its alt text for screen readers.
            ui.put(
                image_rect,
                egui::Image::new((texture.id(), size * scale)).alt_text(format!("{title} step")),
            );
            ui.add(egui::Label::new(egui::RichText::new(note).size(12.0)).wrap());
            controls(ui);
        });
    });
}

/// The switch under an optional step.
fn switch_ui(ui: &mut egui::Ui, kind: StepKind, options: &mut PrepOptions) {
    match kind {
        StepKind::Background => {
            egui::ComboBox::from_id_salt("background mode")
                .width(STEP_BOX - 8.0)
                .selected_text(options.background.label())
                .show_ui(ui, |ui| {
                    for mode in BackgroundMode::ALL {
                        ui.selectable_value(&mut options.background, mode, mode.label());
                    }
                })
                .response
                .on_hover_text(
                    "The training pictures are light items on black. The model from the border takes \
                     out a background of any colour, gradients and shadows included",
                );
        }
        StepKind::Contrast => switch_checkbox_ui(ui, &mut options.contrast, "stretch"),
        StepKind::Straighten => switch_checkbox_ui(ui, &mut options.straighten, "straighten"),
        StepKind::Crop => switch_checkbox_ui(ui, &mut options.crop, "crop"),
        StepKind::PadSquare => switch_checkbox_ui(ui, &mut options.pad, "pad"),
        StepKind::Grayscale | StepKind::Resize => {
            ui.weak("always");
        }
    }
}

fn switch_checkbox_ui(ui: &mut egui::Ui, switch: &mut Switch, label: &str) {
    let mut on = *switch == Switch::On;
    if ui.checkbox(&mut on, label).changed() {
        *switch = if on { Switch::On } else { Switch::Off };
    }
}
