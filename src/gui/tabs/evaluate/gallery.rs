//! A scrolling grid of evaluated test images, each with a caption (its confidence); only the rows
//! in view are drawn, so a cell of a thousand images scrolls smoothly. A click picks an image.

use crate::data::{Dataset, Split};
use crate::evaluation::Example;

use super::super::super::widgets::pixels::{TextureCache, TextureKey, image_ui};

/// Side of a thumbnail, in points (two screen pixels per image pixel).
pub(super) const THUMBNAIL: f32 = 64.0;
const SPACING: f32 = 6.0;

/// What a gallery needs to draw its images.
pub(super) struct Pictures<'a> {
    /// The evaluated images (`Example::index` is a position here).
    pub dataset: &'a Dataset,
    /// Class names in output order.
    pub names: &'a [String],
}

impl Pictures<'_> {
    fn name(&self, class: usize) -> &str {
        self.names.get(class).map_or("?", String::as_str)
    }

    /// The accessible name of an image: "Shirt #12, predicted T-shirt/top (87%)".
    pub(super) fn alt(&self, example: &Example) -> String {
        format!(
            "{} #{}, predicted {} ({:.0}%)",
            self.name(example.true_class),
            example.index,
            self.name(example.predicted_class),
            example.confidence * 100.0
        )
    }
}

/// The lines under a tile.
pub(super) type Caption<'a> = dyn Fn(&Example) -> Vec<String> + 'a;

/// Draws `examples` with the `caption_lines` lines of `caption` under each (each line cut to the
/// tile's width, the whole caption on hover); returns the one clicked this frame.
pub(super) fn gallery_ui(
    ui: &mut egui::Ui,
    id_salt: &str,
    textures: &mut TextureCache,
    pictures: &Pictures<'_>,
    examples: &[Example],
    (caption, caption_lines): (&Caption<'_>, usize),
) -> Option<Example> {
    let columns = ((ui.available_width() + SPACING) / (THUMBNAIL + SPACING)).floor().max(1.0) as usize;
    let rows = examples.len().div_ceil(columns);
    #[allow(clippy::cast_precision_loss)]
    let caption_height = ui.text_style_height(&egui::TextStyle::Small) * caption_lines as f32;
    let row_height = THUMBNAIL + caption_height + 2.0 * SPACING;
    let mut clicked = None;
    egui::ScrollArea::vertical().id_salt(id_salt).auto_shrink([false, false]).show_rows(
        ui,
        row_height,
        rows,
        |ui, visible| {
            for row in visible {
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = SPACING;
                    let start = row * columns;
                    for example in examples.iter().skip(start).take(columns) {
                        ui.vertical(|ui| {
                            ui.set_width(THUMBNAIL);
                            if thumbnail_ui(ui, textures, pictures, example).clicked() {
                                clicked = Some(*example);
                            }
                            ui.spacing_mut().item_spacing.y = 0.0;
                            for line in caption(example).into_iter().take(caption_lines) {
                                ui.add(egui::Label::new(egui::RichText::new(line).small()).truncate());
                            }
                        });
                    }
                });
            }
        },
    );
    clicked
}

fn thumbnail_ui(
    ui: &mut egui::Ui,
    textures: &mut TextureCache,
    pictures: &Pictures<'_>,
    example: &Example,
) -> egui::Response {
    let dataset = pictures.dataset;
    let key = TextureKey::Sample(Split::Test, dataset.source_index(example.index));
    let texture = textures.get(ui.ctx(), key, dataset.image(example.index));
    let alt = pictures.alt(example);
    image_ui(ui, &texture, THUMBNAIL, alt.clone()).on_hover_text(format!("{alt}\nClick to see it large"))
}
