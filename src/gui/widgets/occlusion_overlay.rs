//! The occlusion-sensitivity map drawn over its picture: red where covering the picture lowers the
//! class's probability, blue where it raises it; hovering reads the drop under the pointer.

use egui::{Color32, ColorImage, Rect, Sense, TextureHandle, Vec2};

use crate::data::IMAGE_SIDE;
use crate::inference::OcclusionMap;

/// The map as a 28×28 RGBA picture: red with opacity growing with the drop, blue for rises, scaled
/// so the strongest effect is fully opaque (unpremultiplied alpha, ready to lay over the image).
#[must_use]
pub fn heat_image(map: &OcclusionMap) -> ColorImage {
    let strongest = map.heat.iter().fold(0.0f32, |most, value| most.max(value.abs()));
    let pixels = map
        .heat
        .iter()
        .map(|&value| {
            if strongest <= f32::EPSILON {
                return Color32::TRANSPARENT;
            }
            let strength = (value.abs() / strongest).clamp(0.0, 1.0);
            let alpha = (strength * 235.0).round() as u8;
            if value >= 0.0 {
                Color32::from_rgba_unmultiplied(255, 40, 20, alpha)
            } else {
                Color32::from_rgba_unmultiplied(40, 120, 255, alpha)
            }
        })
        .collect();
    ColorImage::new([IMAGE_SIDE, IMAGE_SIDE], pixels)
}

/// Draws the picture (`textures.0`) at `side` points with its heat (`textures.1`, from
/// [`heat_image`]) over it at `opacity` (0..=1); `class_name` is the class the map is about.
pub fn occlusion_overlay_ui(
    ui: &mut egui::Ui,
    textures: (&TextureHandle, &TextureHandle),
    map: &OcclusionMap,
    side: f32,
    opacity: f32,
    class_name: &str,
) -> egui::Response {
    let (image, heat) = textures;
    let alt = format!("Occlusion map for {class_name}");
    let widget = egui::Image::new((image.id(), Vec2::splat(side))).alt_text(alt).sense(Sense::hover());
    let response = ui.add(widget);
    let uv = Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
    let tint = Color32::WHITE.gamma_multiply(opacity.clamp(0.0, 1.0));
    ui.painter().image(heat.id(), response.rect, uv, tint);
    let Some(pointer) = response.hover_pos() else { return response };
    let cell = side / IMAGE_SIDE as f32;
    let relative = pointer - response.rect.min;
    // Truncation picks the pixel under the pointer; clamped for the last pixel's edge.
    let column = ((relative.x / cell).max(0.0) as usize).min(IMAGE_SIDE - 1);
    let row = ((relative.y / cell).max(0.0) as usize).min(IMAGE_SIDE - 1);
    let drop = map.heat.get(row * IMAGE_SIDE + column).copied().unwrap_or(0.0);
    let verb = if drop >= 0.0 { "lowers" } else { "raises" };
    response.on_hover_text(format!(
        "Covering row {row}, column {column} {verb} P({class_name}) by {:.3} on average (from {:.3})",
        drop.abs(),
        map.base_probability
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_are_red_rises_blue_and_the_strongest_is_opaque() {
        let mut heat = vec![0.0; IMAGE_SIDE * IMAGE_SIDE];
        heat[0] = 0.4;
        heat[1] = -0.2;
        let map = OcclusionMap { class_index: 0, base_probability: 0.9, patch: 6, stride: 2, heat };
        let picture = heat_image(&map);
        let [r, _, b, a] = picture.pixels[0].to_srgba_unmultiplied();
        assert!(r > b && a >= 230, "the largest drop is strong red");
        let [r, _, b, a] = picture.pixels[1].to_srgba_unmultiplied();
        assert!(b > r && (100..140).contains(&a), "a rise half as large is half-opaque blue");
        assert_eq!(picture.pixels[2].a(), 0, "no effect, no colour");
    }
}
