//! Pictures that arrive from outside: files or folders dropped on the window (native paths go to
//! the worker, which reads them; a drop that only has bytes, as from a browser, is kept in memory),
//! images pasted from the clipboard, and the overlay shown while files hover over the window.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{Align2, Color32, FontId, Id, LayerId, Order};

use crate::worker::{InMemoryPicture, PictureContent};

use super::super::super::app::Ctx;
use super::super::super::state::NoticeKind;
use super::pictures::NewPicture;

/// Takes this frame's dropped files and pasted images and adds them to the Predict tab (which
/// opens). Called every frame from the app's `logic`, whatever the tab.
pub fn take_dropped(ctx: &egui::Context, cx: &mut Ctx<'_>) {
    let (dropped, pasted) = ctx.input(|input| {
        let pasted: Vec<Arc<egui::ColorImage>> = input
            .events
            .iter()
            .filter_map(|event| match event {
                egui::Event::PasteImage(image) => Some(Arc::clone(image)),
                _ => None,
            })
            .collect();
        (input.raw.dropped_files.clone(), pasted)
    });
    if dropped.is_empty() && pasted.is_empty() {
        return;
    }
    // On the Dataset tab a dropped folder (or IDX/CSV file) is a data set to import: the import
    // window opens with it filled in, and says what it is once the worker has looked. Pictures
    // and model files dropped there still go to Predict.
    if cx.settings.tab == super::super::Tab::Dataset
        && let Some(first) = dropped
            .iter()
            .map(|file| file.path().to_path_buf())
            .find(|path| path.has_root() && looks_like_data_set(path))
    {
        cx.state.dataset.library.import.offer(&first);
        return;
    }
    let mut new = Vec::new();
    let mut unreadable = Vec::new();
    for (number, file) in dropped.iter().enumerate() {
        let path = file.path();
        // A native drop names a file on this machine: the worker reads it (the UI thread does no
        // file I/O). Without a full path (a browser's drop) the bytes are all there is.
        if path.has_root() {
            new.push(NewPicture::Path(path.to_path_buf()));
            continue;
        }
        let name = if path.as_os_str().is_empty() {
            PathBuf::from(format!("dropped picture {}", number + 1))
        } else {
            path.to_path_buf()
        };
        match file.bytes() {
            Ok(bytes) => new.push(NewPicture::Memory(InMemoryPicture {
                name,
                content: PictureContent::Encoded(Arc::from(bytes)),
            })),
            Err(error) => unreadable.push(format!("{}: {error}", name.display())),
        }
    }
    for image in pasted {
        cx.state.predict.pasted += 1;
        let name = PathBuf::from(format!("pasted picture {}", cx.state.predict.pasted));
        new.push(NewPicture::Memory(InMemoryPicture { name, content: rgba_content(&image) }));
    }
    if let Some(first) = unreadable.first() {
        cx.state.inform(NoticeKind::Error, format!("Could not read a dropped file: {first}"));
    }
    super::add_pictures(cx, new);
}

/// Whether a dropped path names a data set to import rather than a picture or a model, judged by
/// its name alone (the UI thread does not touch the disk): a folder (no extension), a CSV file or
/// an IDX file (`train-images-idx3-ubyte`, gzipped or not).
fn looks_like_data_set(path: &std::path::Path) -> bool {
    let extension = path.extension().and_then(|ext| ext.to_str()).map(str::to_ascii_lowercase);
    super::pictures::looks_like_folder(path)
        || matches!(extension.as_deref(), Some("csv" | "gz" | "idx" | "ubyte"))
}

/// The clipboard's pixels (premultiplied in egui) as plain RGBA for the worker.
fn rgba_content(image: &egui::ColorImage) -> PictureContent {
    let pixels: Vec<u8> = image.pixels.iter().flat_map(egui::Color32::to_srgba_unmultiplied).collect();
    let [width, height] = image.size;
    PictureContent::Rgba {
        width: u32::try_from(width).unwrap_or(u32::MAX),
        height: u32::try_from(height).unwrap_or(u32::MAX),
        pixels: Arc::from(pixels),
    }
}

/// While files are dragged over the window: dims it and says what a drop will do.
pub fn drop_overlay_ui(ctx: &egui::Context) {
    let hovered = ctx.input(|input| input.raw.hovered_files.len());
    if hovered == 0 {
        return;
    }
    let painter = ctx.layer_painter(LayerId::new(Order::Foreground, Id::unique("predict_drop_overlay")));
    let rect = ctx.content_rect();
    let dark = ctx.global_style().visuals.dark_mode;
    painter.rect_filled(rect, 0.0, Color32::from_black_alpha(if dark { 190 } else { 150 }));
    let frame = rect.shrink(24.0);
    let accent = ctx.global_style().visuals.selection.stroke.color;
    painter.rect_stroke(frame, 12.0, egui::Stroke::new(3.0, accent), egui::StrokeKind::Inside);
    let what = if hovered == 1 { "this file".to_owned() } else { format!("these {hovered} files") };
    painter.text(
        rect.center() - egui::vec2(0.0, 16.0),
        Align2::CENTER_CENTER,
        format!("Drop {what} to predict"),
        FontId::proportional(30.0),
        Color32::WHITE,
    );
    painter.text(
        rect.center() + egui::vec2(0.0, 22.0),
        Align2::CENTER_CENTER,
        "pictures and folders go to the Predict tab; a .safetensors file becomes the current model",
        FontId::proportional(16.0),
        Color32::from_gray(220),
    );
}
