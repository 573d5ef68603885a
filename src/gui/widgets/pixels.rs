//! Data set pictures on screen: textures made once per image (nearest filtering, so upscaled
//! pixels stay crisp squares) and the large view that reads a pixel's value under the pointer.

use std::collections::HashMap;

use egui::{Color32, ColorImage, Sense, TextureHandle, TextureOptions, Vec2};

use crate::data::{IMAGE_SIDE, Split};

/// Which image a texture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextureKey {
    /// A sample, by split and position in the underlying split.
    Sample(Split, usize),
    /// The mean image of a class (by label) in a split.
    Mean(Split, usize),
}

/// Textures for the images on screen; rebuilt lazily, dropped when the data changes.
#[derive(Default)]
pub struct TextureCache {
    textures: HashMap<TextureKey, TextureHandle>,
}

/// Beyond this many textures the cache starts over (a page shows at most a few hundred).
const MAX_TEXTURES: usize = 1024;

impl TextureCache {
    /// The texture for `key`, made from `pixels` (784 grey values) the first time.
    pub fn get(&mut self, ctx: &egui::Context, key: TextureKey, pixels: &[u8]) -> TextureHandle {
        if self.textures.len() >= MAX_TEXTURES && !self.textures.contains_key(&key) {
            self.textures.clear();
        }
        self.textures
            .entry(key)
            .or_insert_with(|| {
                let image = ColorImage::from_gray([IMAGE_SIDE, IMAGE_SIDE], pixels);
                ctx.load_texture(format!("{key:?}"), image, TextureOptions::NEAREST)
            })
            .clone()
    }

    /// Forgets every texture (new data loaded).
    pub fn clear(&mut self) {
        self.textures.clear();
    }
}

/// Draws `texture` at `side` points; `alt` names it for screen readers (and tests). Returns a
/// clickable response, outlined while hovered.
pub fn image_ui(ui: &mut egui::Ui, texture: &TextureHandle, side: f32, alt: String) -> egui::Response {
    let image = egui::Image::new((texture.id(), Vec2::splat(side))).alt_text(alt);
    // Dragging too: a Dataset sample can be dragged onto the Predict tab.
    let response = ui.add(image.sense(Sense::click_and_drag()).corner_radius(2.0));
    if response.hovered() {
        ui.painter().rect_stroke(
            response.rect.expand(1.0),
            2.0,
            egui::Stroke::new(2.0, ui.visuals().selection.stroke.color),
            egui::StrokeKind::Outside,
        );
    }
    response
}

/// Draws the image large; hovering shows the row, column and value of the pixel under the pointer.
pub fn large_image_ui(ui: &mut egui::Ui, texture: &TextureHandle, pixels: &[u8], side: f32) {
    let response = ui.add(egui::Image::new((texture.id(), Vec2::splat(side))).sense(Sense::hover()));
    let Some(pointer) = response.hover_pos() else { return };
    let cell = side / IMAGE_SIDE as f32;
    let relative = pointer - response.rect.min;
    // Truncation picks the cell under the pointer; clamped for the last pixel's edge.
    let column = ((relative.x / cell) as usize).min(IMAGE_SIDE - 1);
    let row = ((relative.y / cell) as usize).min(IMAGE_SIDE - 1);
    let value = pixels[row * IMAGE_SIDE + column];
    let cell_rect = egui::Rect::from_min_size(
        response.rect.min + Vec2::new(column as f32 * cell, row as f32 * cell),
        Vec2::splat(cell),
    );
    ui.painter().rect_stroke(
        cell_rect,
        0.0,
        egui::Stroke::new(1.5, Color32::from_rgb(255, 140, 0)),
        egui::StrokeKind::Inside,
    );
    response.on_hover_text(format!(
        "row {row}, column {column}: {value} ({:.2} as network input)",
        f32::from(value) / 255.0
    ));
}
