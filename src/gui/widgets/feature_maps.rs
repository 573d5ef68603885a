//! Inside a CNN: the first convolution's filters (blue negative, orange positive, one shared scale)
//! and what each makes of the picture (its feature map, each scaled to its own range, light = strong).

use egui::{Color32, ColorImage, TextureHandle, TextureOptions, Vec2};

use crate::inference::FirstConv;

/// Side of one filter or map on screen, in points.
const CELL: f32 = 44.0;

/// Textures of one picture's first convolution.
pub struct FeatureMapTextures {
    /// One per filter.
    pub filters: Vec<TextureHandle>,
    /// One per feature map.
    pub maps: Vec<TextureHandle>,
}

impl FeatureMapTextures {
    /// Uploads filters and maps as small crisp images.
    pub fn new(ctx: &egui::Context, name: &str, conv: &FirstConv) -> Self {
        let scale = conv.filters.iter().flatten().fold(0.0_f32, |max, value| max.max(value.abs()));
        let filters = conv
            .filters
            .iter()
            .enumerate()
            .map(|(i, filter)| {
                let image = filter_image(filter, conv.kernel, scale);
                ctx.load_texture(format!("{name} filter {i}"), image, TextureOptions::NEAREST)
            })
            .collect();
        let maps = conv
            .maps
            .iter()
            .enumerate()
            .map(|(i, map)| {
                let image = map_image(map, conv.map_side);
                ctx.load_texture(format!("{name} map {i}"), image, TextureOptions::NEAREST)
            })
            .collect();
        Self { filters, maps }
    }
}

/// A filter's weights on a diverging scale: 0 is the panel-neutral gray, `±scale` full blue/orange.
#[must_use]
pub fn filter_image(weights: &[f32], side: usize, scale: f32) -> ColorImage {
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let pixels = weights
        .iter()
        .map(|&weight| {
            let t = (weight / scale).clamp(-1.0, 1.0);
            let (target, amount) =
                if t >= 0.0 { ((255.0, 140.0, 0.0), t) } else { ((40.0, 110.0, 255.0), -t) };
            let mix = |to: f32| (128.0 + (to - 128.0) * amount).round() as u8;
            Color32::from_rgb(mix(target.0), mix(target.1), mix(target.2))
        })
        .collect();
    ColorImage::new([side, side], pixels)
}

/// A feature map stretched to its own minimum (black) and maximum (white).
#[must_use]
pub fn map_image(values: &[f32], side: usize) -> ColorImage {
    let (low, high) =
        values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let range = if high > low { high - low } else { 1.0 };
    let gray: Vec<u8> = values.iter().map(|&value| (((value - low) / range) * 255.0).round() as u8).collect();
    ColorImage::from_gray([side, side], &gray)
}

/// Draws the filters, then the maps, in wrapped rows with a line of explanation each.
pub fn feature_maps_ui(ui: &mut egui::Ui, conv: &FirstConv, textures: &FeatureMapTextures) {
    ui.label(format!(
        "{} filters of {k}×{k} pixels (blue: negative weight, orange: positive)",
        conv.filters.len(),
        k = conv.kernel
    ));
    grid_ui(ui, &textures.filters, "filter");
    ui.add_space(6.0);
    ui.label(format!(
        "What each filter finds in this picture: {} maps of {s}×{s} (white: strong response)",
        conv.maps.len(),
        s = conv.map_side
    ));
    grid_ui(ui, &textures.maps, "feature map");
}

fn grid_ui(ui: &mut egui::Ui, textures: &[TextureHandle], what: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing = Vec2::splat(3.0);
        for (i, texture) in textures.iter().enumerate() {
            let image =
                egui::Image::new((texture.id(), Vec2::splat(CELL))).alt_text(format!("{what} {}", i + 1));
            ui.add(image).on_hover_text(format!("{what} {}", i + 1));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_colours_are_neutral_at_zero_and_saturate_at_the_scale() {
        let image = filter_image(&[0.0, 2.0, -2.0, 9.0], 2, 2.0);
        assert_eq!(image.pixels[0], Color32::from_rgb(128, 128, 128));
        assert_eq!(image.pixels[1], Color32::from_rgb(255, 140, 0));
        assert_eq!(image.pixels[2], Color32::from_rgb(40, 110, 255));
        assert_eq!(image.pixels[3], image.pixels[1], "beyond the scale is clamped");
    }

    #[test]
    fn a_map_spans_black_to_white_and_a_flat_map_stays_black() {
        let image = map_image(&[-1.0, 0.0, 1.0, 3.0], 2);
        assert_eq!(image.pixels[0], Color32::from_gray(0));
        assert_eq!(image.pixels[3], Color32::from_gray(255));
        let flat = map_image(&[0.5; 4], 2);
        assert!(flat.pixels.iter().all(|&pixel| pixel == Color32::from_gray(0)));
    }
}
