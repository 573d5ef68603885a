//! Dragging a sample from the Dataset tab to Predict: the sample is picked up in the Dataset grid,
//! follows the pointer as a small ghost, opens the Predict tab when it hovers the tab's button
//! (as a spring-loaded folder does), and is predicted when it is let go there. The zoomed image's
//! "Predict this image" button does the same without a drag.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{DragAndDrop, Id, LayerId, Order, Vec2};

use crate::data::{IMAGE_SIDE, Split};
use crate::worker::{InMemoryPicture, PictureContent};

use super::super::super::app::Ctx;
use super::super::Tab;
use super::pictures::NewPicture;

/// A Dataset image being dragged: its pixels, where it comes from, and its texture for the ghost.
#[derive(Clone)]
pub struct DatasetSample {
    /// Its split.
    pub split: Split,
    /// Its position in the split.
    pub position: usize,
    /// Its true class's name.
    pub class_name: String,
    /// 28 × 28 gray pixels.
    pub pixels: Arc<[u8]>,
    /// Drawn under the pointer while it is dragged.
    pub texture: egui::TextureHandle,
}

impl DatasetSample {
    /// The name its row goes by in the Predict table ("test #17 (Bag)"): unique per image, and it
    /// says the true class, so a mistake is visible at once.
    #[must_use]
    pub fn picture_name(&self) -> PathBuf {
        PathBuf::from(format!("{} #{} ({})", self.split.name(), self.position, self.class_name))
    }

    fn into_picture(self) -> NewPicture {
        let side = u32::try_from(IMAGE_SIDE).unwrap_or(u32::MAX);
        NewPicture::Memory(InMemoryPicture {
            name: self.picture_name(),
            content: PictureContent::Gray { width: side, height: side, pixels: self.pixels },
        })
    }
}

/// Makes `response` (a sample in the Dataset grid) a drag source; `sample` is only built when a
/// drag starts.
pub fn drag_source(response: &egui::Response, sample: impl FnOnce() -> DatasetSample) {
    if response.drag_started() {
        DragAndDrop::set_payload(&response.ctx, sample());
    }
}

/// Sends one Dataset image to Predict (the zoom window's button), which opens.
pub fn send_to_predict(cx: &mut Ctx<'_>, sample: DatasetSample) {
    super::add_pictures(cx, vec![sample.into_picture()]);
}

/// For the Predict tab's button in the top bar: a sample held over it opens the tab, so it can be
/// let go anywhere in it.
pub fn open_on_hover(response: &egui::Response, cx: &mut Ctx<'_>) {
    if response.dnd_hover_payload::<DatasetSample>().is_some() {
        cx.settings.tab = Tab::Predict;
    }
}

/// Once a frame, after the tabs: draws the ghost under the pointer, and predicts the sample when
/// it is let go over the Predict tab (let go anywhere else, the drag is cancelled).
pub fn finish_drag(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let Some(sample) = DragAndDrop::payload::<DatasetSample>(ctx) else { return };
    let (released, pointer) = ctx.input(|input| (input.pointer.any_released(), input.pointer.latest_pos()));
    if released {
        DragAndDrop::clear_payload(ctx);
        if cx.settings.tab == Tab::Predict {
            send_to_predict(cx, (*sample).clone());
        }
        return;
    }
    let Some(pointer) = pointer else { return };
    let hint = if cx.settings.tab == Tab::Predict {
        "Let go to predict it"
    } else {
        "Drop on the Predict tab to predict it"
    };
    let layer = LayerId::new(Order::Tooltip, Id::unique("dataset_drag_ghost"));
    let painter = ctx.layer_painter(layer);
    let side = 2.0 * IMAGE_SIDE as f32;
    let rect = egui::Rect::from_min_size(pointer + Vec2::new(12.0, 12.0), Vec2::splat(side));
    let visuals = &ctx.global_style().visuals;
    painter.rect_filled(rect.expand(3.0), 4.0, visuals.window_fill);
    painter.image(
        sample.texture.id(),
        rect,
        egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
        egui::Color32::WHITE,
    );
    let galley = painter.layout_no_wrap(
        format!("{}\n{hint}", sample.class_name),
        egui::FontId::proportional(14.0),
        visuals.strong_text_color(),
    );
    let text_pos = rect.right_center() + Vec2::new(10.0, -galley.size().y / 2.0);
    let text_rect = egui::Rect::from_min_size(text_pos, galley.size());
    painter.rect_filled(text_rect.expand(4.0), 4.0, visuals.window_fill);
    painter.galley(text_pos, galley, visuals.strong_text_color());
    ctx.set_cursor_icon(egui::CursorIcon::Grabbing);
}
